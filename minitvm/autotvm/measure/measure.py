"""What a measurement is and how it is set up (TVM's `autotvm.measure.measure`).

`MeasureInput(target, task, config)` goes in, `MeasureResult(costs, error_no, all_cost,
timestamp)` comes out: `costs` are seconds per run (cycles / clock for the VTA timing
model), or the error when `error_no` is not 0. `measure_option(builder, runner)` says how:
the builder instantiates, checks and compiles a candidate, the runner runs it and says where
the whole job runs (`LocalRunner`: a pool of local processes; `RayRunner`: Ray workers).
`create_measure_batch(task, option)` returns the function a tuner calls on a batch.
"""
from __future__ import annotations

import enum
from collections import namedtuple


class MeasureInput(namedtuple("MeasureInput", ["target", "task", "config"])):
    """A candidate to measure: the task's target, the task and one config."""


class MeasureResult(namedtuple("MeasureResult", ["costs", "error_no", "all_cost", "timestamp"])):
    """Seconds per run (or the error), error number, seconds spent measuring, end time."""


class MeasureErrorNo(enum.IntEnum):
    """TVM's error numbers of a measurement."""
    NO_ERROR = 0
    INSTANTIATION_ERROR = 1   # the template refused the config, or it cannot fit the device
    COMPILE_HOST = 2
    COMPILE_DEVICE = 3
    RUNTIME_DEVICE = 4
    WRONG_ANSWER = 5
    BUILD_TIMEOUT = 6
    RUN_TIMEOUT = 7
    UNKNOWN_ERROR = 8


class MeasureOptionError(ValueError):
    """A builder or runner option the measurement cannot use."""


class LocalBuilder:
    """Instantiate, statically check and compile candidates (in the runner's workers, so
    `n_parallel` is the runner's). `timeout` bounds one candidate's build and run, in
    seconds."""

    def __init__(self, timeout=10, n_parallel=None, build_func="default"):
        if build_func != "default":
            raise MeasureOptionError(f"LocalBuilder: build_func {build_func!r} is not "
                                     "supported; candidates build with the target's compiler")
        self.timeout, self.n_parallel = timeout, n_parallel


class LocalRunner:
    """Run candidates in up to `n_parallel` local processes (default 2). `number` runs are
    timed per candidate; with `check_correctness` (our addition, off as TVM's runners
    compare no output) the output is compared with the template run unscheduled on the host
    for the same inputs. `repeat`, `min_repeat_ms` and
    `cooldown_interval` are accepted for TVM's signature and not used: a simulated run's
    cycle count does not vary, so one run of `number` is the measurement."""

    def __init__(self, timeout=10, number=1, repeat=1, min_repeat_ms=0, cooldown_interval=0.0,
                 check_correctness=False, n_parallel=None):
        self.timeout, self.number, self.repeat = timeout, number, repeat
        self.check_correctness = check_correctness
        self.n_parallel = n_parallel or 2

    def executor(self):
        from .executor import LocalExecutor
        return LocalExecutor(self.n_parallel)


class RayRunner(LocalRunner):
    """Like LocalRunner, but each candidate runs as a Ray task on the cluster at `address`
    (`ray.init(address=...)`; None starts a local Ray instance). Needs `pip install ray`."""

    def __init__(self, address=None, n_parallel=None, **kwargs):
        super().__init__(n_parallel=n_parallel, **kwargs)
        self.address = address

    def executor(self):
        from .executor import RayExecutor
        return RayExecutor(self.address, self.n_parallel)


def measure_option(builder=None, runner=None):
    """The measurement setup a tuner's `tune` takes."""
    builder = LocalBuilder() if builder in (None, "local") else builder
    runner = LocalRunner() if runner in (None, "local") else runner
    if not isinstance(builder, LocalBuilder) or not isinstance(runner, LocalRunner):
        raise MeasureOptionError(f"measure_option: builder must be a LocalBuilder and runner a "
                                 f"LocalRunner or RayRunner, got {builder!r}, {runner!r}")
    return {"builder": builder, "runner": runner}


def create_measure_batch(task, option):
    """A function measuring a list of MeasureInputs of `task`; `.n_parallel` says how many
    it measures at once, `.close()` stops its workers."""
    from .measure_methods import MeasureJob
    builder, runner = option["builder"], option["runner"]
    job = MeasureJob(number=runner.number, check_correctness=runner.check_correctness)
    executor = runner.executor()

    def measure_batch(inputs):
        return executor.map(job, inputs, timeout=builder.timeout)

    measure_batch.n_parallel = runner.n_parallel
    measure_batch.close = executor.close
    return measure_batch
