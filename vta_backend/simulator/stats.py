"""The simulator's statistics counters and debug flag.

Where it sits: the device increments these while it executes instructions (the rules are
spec §3.3: bytes moved by non-NOP loads and stores, padding excluded; micro-ops executed by
non-reset GEMMs and by every ALU instruction); `vta_backend.testing.simulator` reads, clears and
sets them. Like VTA's profiler the counters are cumulative until cleared, and clearing leaves the
debug flag alone.
"""
from __future__ import annotations

STAT_NAMES = ("inp_load_nbytes", "wgt_load_nbytes", "acc_load_nbytes", "uop_load_nbytes",
              "out_store_nbytes", "gemm_counter", "alu_counter")
DEBUG_SKIP_EXEC = 1   # count everything, move and compute nothing (micro-op loads still run)


class Profiler:
    """Seven counters and the debug flag (one process-wide instance: PROFILER)."""
    __slots__ = STAT_NAMES + ("debug_flag",)

    def __init__(self):
        self.debug_flag = 0
        self.clear()

    def clear(self) -> None:
        for name in STAT_NAMES:
            setattr(self, name, 0)

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in STAT_NAMES}


PROFILER = Profiler()
