"""`from vta_backend.testing import simulator`: statistics and debug mode of the bundled
functional simulator (VTA's `vta.testing.simulator` for TARGET "sim").

The counters are process-wide and cumulative until `clear_stats()`; `stats()` returns them in
VTA's order: inp_load_nbytes, wgt_load_nbytes, acc_load_nbytes, uop_load_nbytes,
out_store_nbytes, gemm_counter, alu_counter.
"""
from __future__ import annotations

from ..simulator.stats import DEBUG_SKIP_EXEC, PROFILER


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


__all__ = ["clear_stats", "stats", "debug_mode", "DEBUG_SKIP_EXEC"]
