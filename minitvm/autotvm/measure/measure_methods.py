"""Measuring one candidate: instantiate, check, build, run, compare (in a worker).

`MeasureJob(inp)` runs in a local worker process or on a Ray worker:

1. instantiate the task's template with the config (InstantiationError, or errors the
   template raised through `cfg.raise_error`: INSTANTIATION_ERROR);
2. the device's static check (e.g. VTA: every tile fits its on-chip buffer), before any
   compiling: a candidate that cannot fit is INSTANTIATION_ERROR, not run;
3. build with the device's compiler (COMPILE_HOST on error);
4. run on random inputs, `number` times; the device says what one run cost in seconds
   (RUNTIME_DEVICE on error);
5. with `check_correctness` (off by default: TVM's runners compare no output), compare the
   output with the template run without a schedule on the host for the same inputs
   (WRONG_ANSWER on a mismatch). The reference is computed once per task in each worker.
   Without it nobody reads the output, so a device whose cost does not depend on data
   (VTA's timing model) need not compute it.

Devices plug in with `register_device(key, DeviceMeasure)`; the target's keys pick one
("cpu" is built in). A backend registers its device when it is imported.
"""
from __future__ import annotations

import time
import traceback

import numpy as np

from ...runtime import collector
from ...schedule.bound_memo import shared_bounds
from ...target import Target
from ..task.space import InstantiationError
from .measure import MeasureErrorNo, MeasureResult


class DeviceMeasure:
    """How one kind of device checks, builds and times a candidate (the host CPU here). A
    device registered with `register_device` overrides these four methods with the same
    signatures (`run` takes `output`)."""

    def check(self, task, config, sch, args):
        """Raise InstantiationError if the candidate cannot run on the device."""

    def build(self, sch, args, target, target_host):
        from ...driver import build
        return build(sch, args, target=target)

    def device(self):
        from ...runtime import cpu
        return cpu(0)

    def run(self, func, arrays, number, output=True):
        """Seconds of each of `number` runs of `func` on `arrays`. `output`: the caller
        reads the output; without it, a device whose cost does not depend on data may
        skip computing it (the host CPU does not)."""
        costs = []
        for _ in range(number):
            start = time.perf_counter()
            func(*arrays)
            costs.append(time.perf_counter() - start)
        return costs


_DEVICES = {"cpu": DeviceMeasure()}


def register_device(key, measure):
    """Measure candidates of targets with key `key` with `measure` (a DeviceMeasure)."""
    _DEVICES[key] = measure


def device_for(target):
    for key in target.keys:
        if key in _DEVICES:
            return _DEVICES[key]
    raise InstantiationError(f"no way to measure on target {target}: its keys "
                             f"{list(target.keys)} name no registered device "
                             f"({', '.join(_DEVICES)})")


_REFERENCES = {}    # (workload, target) -> (inputs, expected output), per worker process


class MeasureJob:
    """The picklable measurement of one MeasureInput (see the module docstring)."""

    def __init__(self, number=1, check_correctness=False):
        self.number, self.check_correctness = number, check_correctness

    def __call__(self, inp):
        start = time.time()
        try:
            costs = self._measure(inp)
            return MeasureResult(tuple(costs), MeasureErrorNo.NO_ERROR, time.time() - start,
                                 time.time())
        except MeasureError as failed:
            return MeasureResult((failed.message,), failed.error_no, time.time() - start,
                                 time.time())

    def _measure(self, inp):
        device, func, args = build_candidate(inp)
        with _stage(MeasureErrorNo.COMPILE_HOST):       # the reference builds on the host
            inputs, expected = reference(inp.task, args) if self.check_correctness \
                else (random_inputs(args), None)
        with _stage(MeasureErrorNo.RUNTIME_DEVICE):
            arrays = make_arrays(inputs, args, device.device())
            costs = device.run(func, arrays, self.number, output=expected is not None)
        if expected is not None and not _same(arrays[-1].numpy(), expected):
            wrong = int(np.sum(~np.isclose(arrays[-1].numpy(), expected)))
            raise MeasureError(MeasureErrorNo.WRONG_ANSWER,
                               f"config {inp.config}: {wrong} of {expected.size} output "
                               "elements differ from the unscheduled program's")
        return costs


def build_candidate(inp):
    """(device, compiled function, argument tensors) of a MeasureInput: instantiated,
    statically checked and built (steps 1-3 of the module docstring), with the cyclic
    garbage collector paused (`minitvm.runtime.collector` says why) and the check's
    normalized schedule and bounds reused by the build (`schedule.bound_memo`)."""
    with collector.paused():
        return _build_candidate(inp)


def _build_candidate(inp):
    task, config = inp.task, inp.config
    with _stage(MeasureErrorNo.INSTANTIATION_ERROR):
        device = device_for(inp.target)
        sch, args = task.instantiate(config)
        if not config.valid():
            raise InstantiationError("; ".join(config.errors))
    # The check and the build read the finished schedule and change nothing: the bounds
    # the check inferred serve the build.
    with shared_bounds():
        with _stage(MeasureErrorNo.INSTANTIATION_ERROR):
            device.check(task, config, sch, args)
        with _stage(MeasureErrorNo.COMPILE_HOST):
            func = device.build(sch, args, inp.target, task.target_host)
    return device, func, args


def _same(got, expected):
    """Integers exactly; floats up to reassociation of their sums."""
    if np.issubdtype(expected.dtype, np.integer):
        return np.array_equal(got, expected)
    return np.allclose(got, expected, rtol=1e-5, atol=1e-5)


class MeasureError(RuntimeError):
    """A step of measuring a candidate failed: `error_no` (MeasureErrorNo) and `message`."""

    def __init__(self, error_no, message):
        super().__init__(message)
        self.error_no, self.message = error_no, message


class _stage:
    """Turn an exception inside the block into a MeasureError with `error_no`."""

    def __init__(self, error_no):
        self.error_no = error_no

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if value is None or isinstance(value, MeasureError):
            return False
        detail = "".join(traceback.format_exception_only(kind, value)).strip()
        raise MeasureError(self.error_no, detail) from value


def random_inputs(args):
    """Random arrays for every argument but the last (the output)."""
    rng = np.random.RandomState(0)
    arrays = []
    for t in args[:-1]:
        shape = tuple(int(d) for d in t.shape)
        if t.dtype.startswith(("int", "uint")):
            info = np.iinfo(t.dtype)
            low, high = max(info.min, -(1 << 14)), min(info.max, 1 << 14)
            arrays.append(rng.randint(low, high + 1, size=shape).astype(t.dtype))
        else:
            arrays.append(rng.uniform(-1, 1, size=shape).astype(t.dtype))
    return arrays


def reference(task, args):
    """The task's random inputs and its output computed unscheduled on the host."""
    key = (task.workload, str(task.target))
    if key not in _REFERENCES:
        from ...driver import build
        from ...runtime import cpu
        from ..task.dispatcher import ApplyConfig
        from ..task.space import FallbackConfigEntity
        inputs = random_inputs(args)
        with ApplyConfig(FallbackConfigEntity()), Target("llvm"):
            sch, ref_args = task.func(*task.args)
        func = build(sch, ref_args, target="llvm")
        arrays = make_arrays(inputs, ref_args, cpu(0))
        func(*arrays)
        _REFERENCES[key] = (inputs, arrays[-1].numpy())
    return _REFERENCES[key]


def make_arrays(inputs, args, dev):
    from ... import nd
    out = args[-1]
    zeros = np.zeros(tuple(int(d) for d in out.shape), dtype=out.dtype)
    return [nd.array(a, dev) for a in inputs] + [nd.array(zeros, dev)]
