"""The on-chip buffers of one simulated VTA, sized from the Environment.

Where it sits: LOAD fills them, GEMM and ALU compute on them, STORE reads the accumulator.
Each buffer is an array of elements (rows) of whole tiles: micro-ops (uint32), inputs
(BATCH*BLOCK_IN lanes), weights (BLOCK_OUT*BLOCK_IN lanes, [out][in]) and accumulators
(BATCH*BLOCK_OUT lanes). There is no output buffer: STORE truncates accumulator elements.

Two float shadows of the input and weight buffers let GEMM plans use BLAS: they hold the same
integers (exactly: 8/16-bit values in float32, 32-bit in float64), weights transposed to
[in][out], and one extra all-zero element past the end that padded contributions point at.
LOAD keeps them in step; nothing else writes inputs or weights.
"""
from __future__ import annotations

from functools import partial

import numpy as np


class OnChipBuffers:
    def __init__(self, env):
        b, k, o = env.BATCH, env.BLOCK_IN, env.BLOCK_OUT
        self.block_in, self.block_out = k, o
        self.uop = np.zeros(env.UOP_BUFF_DEPTH, dtype=np.uint32)
        self.inp = np.zeros((env.INP_BUFF_DEPTH, b * k), dtype=env.inp_dtype)
        self.wgt = np.zeros((env.WGT_BUFF_DEPTH, o * k), dtype=env.wgt_dtype)
        self.acc = np.zeros((env.ACC_BUFF_DEPTH, b * o), dtype=env.acc_dtype)
        self.inp_f = np.zeros((env.INP_BUFF_DEPTH + 1, b * k), dtype=_shadow(env.INP_WIDTH))
        self.wgt_f = np.zeros((env.WGT_BUFF_DEPTH + 1, k * o), dtype=_shadow(env.WGT_WIDTH))
        self.by_memory_id = {0: self.uop.reshape(-1, 1), 1: self.wgt, 2: self.inp,
                             3: self.acc, 5: self.acc}

    def shadow(self, memory_id: int, begin: int, end: int):
        """(float shadow, elements) views for input or weight elements [begin, end): copying
        the second into the first refreshes the shadow after a LOAD. None for the others."""
        if memory_id == 2:
            return self.inp_f[begin:end], self.inp[begin:end]
        if memory_id == 1:
            tiles = self.wgt[begin:end].reshape(-1, self.block_out, self.block_in)
            return (self.wgt_f[begin:end].reshape(-1, self.block_in, self.block_out),
                    tiles.transpose(0, 2, 1))
        return None

    def refresher(self, memory_id: int):
        """For the input (2) or weight (1) buffer, the function of (lo, hi) refreshing the
        float shadow of its elements [lo, hi) after a LOAD wrote them; None for the others."""
        return partial(self.refresh, memory_id) if memory_id in (1, 2) else None

    def refresh(self, memory_id: int, lo: int, hi: int) -> None:
        """Copy input or weight elements [lo, hi) into their float shadow."""
        shadow, rows = self.shadow(memory_id, lo, hi)
        shadow[...] = rows


def _shadow(width: int):
    return np.float32 if width <= 16 else np.float64
