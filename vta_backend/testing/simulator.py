"""`from vta_backend.testing import simulator`: statistics and debug mode of the bundled
functional simulator (VTA's `vta.testing.simulator` for TARGET "sim").

The counters are process-wide and cumulative until `clear_stats()`; `stats()` returns them in
VTA's order: inp_load_nbytes, wgt_load_nbytes, acc_load_nbytes, uop_load_nbytes,
out_store_nbytes, gemm_counter, alu_counter.

minitvm's addition: `timing_mode(True)` also times every run with the cycle model of
`vta_backend.simulator.timing` (the statistics stay the same); `timing()` returns the last
run's TimingReport (cycles, per-module figures, GEMM utilisation, trace, `summary()`).
"""
from __future__ import annotations

from ..environment import VTAError
from ..simulator import timing as _timing
from ..simulator.stats import DEBUG_SKIP_EXEC, PROFILER
from ..simulator.timing import TimingParams


def clear_stats() -> None:
    """Zero every counter (the debug flag is kept)."""
    PROFILER.clear()


def stats() -> dict:
    """The seven counters, by name, in VTA's order."""
    return PROFILER.as_dict()


def debug_mode(flag: int) -> None:
    """Set the simulator debug flag: DEBUG_SKIP_EXEC (1) counts instructions without moving
    or computing any data (micro-op loads still run); 0 restores normal execution."""
    PROFILER.debug_flag = flag


def timing_mode(flag: bool = True, params=None) -> None:
    """Switch the timing model on (flag True) or off for the runs that follow. `params` is
    a TimingParams or a dict overriding some of its defaults (e.g. {"dram_latency": 64})."""
    _timing.switch(flag, params)


def timing():
    """The TimingReport of the last run timed since `timing_mode(True)` (a run that ended
    in an error has none)."""
    if _timing.SWITCH.last is None:
        state = "no run has finished since" if _timing.SWITCH.on else "the model is off: call"
        raise VTAError(f"simulator.timing(): {state} simulator.timing_mode(True)")
    return _timing.SWITCH.last


__all__ = ["clear_stats", "stats", "debug_mode", "DEBUG_SKIP_EXEC", "timing_mode", "timing",
           "TimingParams"]
