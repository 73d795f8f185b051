"""The micro-op loop nest of a GEMM or ALU instruction, as index arrays.

Where it sits: the device builds one LoopNest per GEMM/ALU plan it has not seen before; the
plans in gemm.py and alu.py are computed from its index arrays.

    for y in range(iter_out):            # contribution n = (y * iter_in + x) * nuops + u
        for x in range(iter_in):
            for u in range(uop_bgn, uop_end):
                dst = uop[u].dst + y * dst_factor_out + x * dst_factor_in   (same for src, wgt)

Nests with more than MAX_CONTRIBUTIONS micro-op executions are handed out in consecutive chunks
of that many, so memory stays bounded.
"""
from __future__ import annotations

from typing import Dict, Tuple

import numpy as np

MAX_CONTRIBUTIONS = 1 << 21


class LoopNest:
    def __init__(self, iter_out: int, iter_in: int, bases: Dict[str, np.ndarray],
                 factors: Dict[str, Tuple[int, int]]):
        self.iter_out, self.iter_in = iter_out, iter_in
        self.bases, self.factors = bases, factors
        self.nuops = len(next(iter(bases.values())))
        self.size = iter_out * iter_in * self.nuops

    def chunks(self):
        """(n0, n1) ranges of at most MAX_CONTRIBUTIONS contributions, in execution order."""
        return [(n0, min(n0 + MAX_CONTRIBUTIONS, self.size))
                for n0 in range(0, self.size, MAX_CONTRIBUTIONS)]

    def indices(self, which: str, n0: int = 0, n1: int = -1) -> np.ndarray:
        """The `which` index of contributions [n0, n1) (default: all)."""
        base, (f_out, f_in) = self.bases[which].astype(np.int64), self.factors[which]
        n1 = self.size if n1 < 0 else n1
        if n0 == 0 and n1 == self.size:
            y = np.arange(self.iter_out, dtype=np.int64)[:, None, None] * f_out
            x = np.arange(self.iter_in, dtype=np.int64)[None, :, None] * f_in
            return (base[None, None, :] + y + x).reshape(-1)
        n = np.arange(n0, n1, dtype=np.int64)
        yx, u = np.divmod(n, self.nuops)
        y, x = np.divmod(yx, self.iter_in)
        return base[u] + y * f_out + x * f_in

    def largest(self, which: str) -> Tuple[int, int]:
        """(largest index reached, micro-op reaching it at the last iteration)."""
        base, (f_out, f_in) = self.bases[which], self.factors[which]
        u = int(np.argmax(base))
        return int(base[u]) + (self.iter_out - 1) * f_out + (self.iter_in - 1) * f_in, u
