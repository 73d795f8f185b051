"""Measuring a VTA candidate for AutoTVM: static fit check, `vta.build`, a run under the
timing model (registered with autotvm as the "vta" device when `vta_backend.top` loads).

The cost of one run is the timing model's estimate in seconds (cycles at the design's
clock), so tuning needs no board: a candidate is measured in milliseconds of host time.
The estimate depends only on the instruction stream, not on data: unless the measurement
reads the output (`check_correctness`, see `minitvm.autotvm.measure`), the run moves and
computes no data (the simulator's DEBUG_SKIP_EXEC, which still counts every statistic and
checks every access), and the timing report is the same as a full run's.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from minitvm.autotvm.measure import DeviceMeasure
from minitvm.target import Target

from ..environment import get_env
from ..simulator import timing as _timing
from ..simulator.stats import DEBUG_SKIP_EXEC, PROFILER
from .fit import check_fit


class VTADeviceMeasure(DeviceMeasure):
    """How AutoTVM checks, builds and times a candidate on the VTA simulator."""

    def check(self, task, config, sch, args):
        check_fit(sch, get_env())

    def build(self, sch, args, target, target_host):
        from .. import build, build_config
        env = get_env()
        with build_config(disabled_pass={"tir.CommonSubexprElimTIR"}):
            return build(sch, args, Target(target, host=target_host or env.target_host),
                         name="candidate")

    def device(self):
        from minitvm.runtime import ext_dev
        return ext_dev(0)

    def run(self, func, arrays, number, output=True):
        """Seconds of each run by the timing model (`output`: compute the output too)."""
        return [report.seconds for report in self.timed_runs(func, arrays, number, output)]

    def timed_runs(self, func, arrays, number, output=True):
        """The TimingReport of each of `number` runs of `func` on `arrays`: the caller's
        own reports, nothing kept on this process-wide object. Without `output` the device
        computes nothing (what it stores is not its result)."""
        from ..testing import simulator
        reports = []
        with _default_timing_model(), _data_path(output):
            for _ in range(number):
                func(*arrays)
                reports.append(simulator.timing())
        return reports


@contextmanager
def _default_timing_model():
    """The timing model on, with its default parameters, for the block; afterwards the
    caller's mode, parameters (TimingParams overrides) and last report are back."""
    from ..testing import simulator
    saved = (_timing.SWITCH.on, _timing.SWITCH.params, _timing.SWITCH.last)
    simulator.timing_mode(True)
    try:
        yield
    finally:
        _timing.SWITCH.on, _timing.SWITCH.params, _timing.SWITCH.last = saved


@contextmanager
def _data_path(on: bool):
    """The simulator's data path on or skipped (DEBUG_SKIP_EXEC) for the block, whatever
    the caller's debug flag says; the caller's flag is back afterwards."""
    saved = PROFILER.debug_flag
    PROFILER.debug_flag = saved & ~DEBUG_SKIP_EXEC if on else saved | DEBUG_SKIP_EXEC
    try:
        yield
    finally:
        PROFILER.debug_flag = saved


@dataclass
class Evaluation:
    """One run of a task's config on the simulator under the timing model."""
    report: object          # the TimingReport (cycles, seconds, GEMM utilisation, ...)
    stats: dict             # the simulator's seven counters
    correct: bool           # output equal to the unscheduled program's on the same inputs


def evaluate(task, config):
    """Build `config` of `task` (a VTA task), run it once under the timing model and
    compare its output with the unscheduled program's. Raises MeasureError on failure."""
    from minitvm.autotvm.measure import (MeasureInput, build_candidate, make_arrays,
                                         reference)
    from ..testing import simulator
    device, func, args = build_candidate(MeasureInput(task.target, task, config))
    inputs, expected = reference(task, args)
    arrays = make_arrays(inputs, args, device.device())
    simulator.clear_stats()
    report, = device.timed_runs(func, arrays, 1)
    return Evaluation(report, simulator.stats(),
                      bool(np.array_equal(arrays[-1].numpy(), expected)))
