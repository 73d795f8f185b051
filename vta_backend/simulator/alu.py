"""ALU instructions as whole-array numpy operations.

Where it sits: the device builds a plan here once per (micro-op kernel, loop shape) and runs it
with the instruction's opcode and immediate each time the instruction executes.

An ALU instruction runs `acc[d] = op(acc[d], imm if use_imm else acc[s])` over its loop nest,
lane by lane, in int32 (wrapping). Executing all micro-ops at once (read everything, then write)
is exact unless the instruction reads what it writes: an element written twice, or a source
read after an earlier micro-op wrote it. Then the plan splits the micro-ops into levels: each
level reads only values final for it and writes distinct elements, and the levels run in order.

Shifts (SHR): `x >> y` for y >= 0, else `x << -y`, with the amount taken modulo the accumulator
width as VTA's functional simulator does on x86 (C leaves larger shifts undefined).
"""
from __future__ import annotations

import numpy as np

from ..isa import ALU_ADD, ALU_MAX, ALU_MIN, ALU_MUL, ALU_SHR
from .gemm import as_slice


def _shr(x, y, bits):
    mask = bits - 1
    if isinstance(y, int):
        return x >> (y & mask) if y >= 0 else x << ((-y) & mask)
    return np.where(y >= 0, x >> (y & mask), x << ((-y) & mask))


ALU_OPS = {
    ALU_MIN: lambda x, y, bits: np.minimum(x, y),
    ALU_MAX: lambda x, y, bits: np.maximum(x, y),
    ALU_ADD: lambda x, y, bits: np.add(x, y),
    ALU_SHR: _shr,
    ALU_MUL: lambda x, y, bits: np.multiply(x, y),
}


class AluPlan:
    """Levels of (dst, src) index sets; within a level all reads happen before all writes."""

    def __init__(self, levels):
        self.levels = levels

    def run(self, acc, opcode: int, use_imm: int, imm: int, bits: int) -> None:
        op = ALU_OPS[opcode]
        for d, s in self.levels:
            acc[d] = op(acc[d], imm if use_imm else acc[s], bits)


def plan_alu(d: np.ndarray, s: np.ndarray, use_imm: int, depth: int) -> AluPlan:
    n = len(d)
    written, first_write = np.unique(d, return_index=True)
    hazard = len(written) < n
    if not use_imm and not hazard:
        first = np.full(depth, n, dtype=np.int64)
        first[written] = first_write
        hazard = bool(np.any(first[s] < np.arange(n)))
    if not hazard:
        return AluPlan([(as_slice(d), as_slice(s))])
    level = _levels(d.tolist(), s.tolist(), use_imm)
    order = np.argsort(level, kind="stable")
    bounds = np.flatnonzero(np.diff(level[order])) + 1
    return AluPlan([(as_slice(d[part]), as_slice(s[part])) for part in np.split(order, bounds)])


def _levels(d: list, s: list, use_imm: int) -> np.ndarray:
    """Level of each micro-op: after the last write of anything it reads, and not before any
    earlier read of what it writes (reads precede writes within a level)."""
    last_write, last_read = {}, {}
    level = np.empty(len(d), dtype=np.int64)
    for n, (dn, sn) in enumerate(zip(d, s)):
        lvl = max(last_write.get(dn, -1) + 1, last_read.get(dn, 0))
        if not use_imm:
            lvl = max(lvl, last_write.get(sn, -1) + 1)
            last_read[sn] = max(last_read.get(sn, 0), lvl)
        last_read[dn] = max(last_read.get(dn, 0), lvl)
        last_write[dn] = lvl
        level[n] = lvl
    return level
