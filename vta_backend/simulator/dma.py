"""LOAD and STORE data movement: 2-D copies between DRAM buffers and the on-chip buffers.

Where it sits: each LOAD of a prepared stream gets a `Load2D` (its source and destination as
views, made once, at the LOAD's first run); the device runs it each time the instruction executes,
and runs consecutive STOREs as one batch. The ranges were checked when the stream was
prepared, and the views stay valid as long as the prepared stream (it is kept for one
DRAM layout: a buffer freed or allocated makes a new one).

LOAD (spec §2.6): DRAM row r (< y_size) starts at element dram_base + r * x_stride and holds
x_size elements; they land in a dense (y_pad_0 + y_size + y_pad_1) x (x_pad_0 + x_size +
x_pad_1) block from sram_base whose pad positions are zero. STORE: a dense y_size x x_size
block of accumulator elements from sram_base, each lane truncated to the output width
(wrapping, no saturation), goes to DRAM element dram_base + y * x_stride + x.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided


def dram_rows(src: np.ndarray, first: int, y: int, x: int, stride: int) -> np.ndarray:
    """The (y, x, lanes) elements of a strided DRAM block, as a view."""
    if y == 1 or stride == x:
        return src[first:first + y * x].reshape(y, x, -1)
    if stride > x and first + y * stride <= len(src):
        return src[first:first + y * stride].reshape(y, stride, -1)[:, :x]
    view = src[first:]
    return as_strided(view, shape=(y, x, view.shape[1]),
                      strides=(stride * view.strides[0],) + view.strides)


class FlatLoad:
    """An unpadded LOAD of contiguous DRAM rows: rows [lo, hi) of `dst` get elements
    [first, first + hi - lo) of `src`, then `shadow(lo, hi)` (OnChipBuffers.refresher, or
    None) refreshes their float shadow. Made from plain numbers, so cheaper to make than a
    Load2D, which a stream run once (a tuning candidate) pays for every LOAD."""
    __slots__ = ("dst", "lo", "hi", "src", "first", "shadow")

    def __init__(self, dst: np.ndarray, lo: int, hi: int, src: np.ndarray, first: int,
                 shadow=None):
        self.dst, self.lo, self.hi, self.src, self.first = dst, lo, hi, src, first
        self.shadow = shadow

    def run(self) -> None:
        lo, hi = self.lo, self.hi
        self.dst[lo:hi] = self.src[self.first:self.first + hi - lo]
        if self.shadow is not None:
            self.shadow(lo, hi)


class Load2D:
    """A strided DRAM block copied into `dst` rows from `base`, zero-padded by
    pads = (y_pad_0, y_pad_1, x_pad_0, x_pad_1); `shadow` (a pair of views: float copy,
    loaded rows) is refreshed after it if given."""
    __slots__ = ("block", "inner", "rows", "padded", "shadow")

    def __init__(self, dst: np.ndarray, base: int, src: np.ndarray, first: int, y: int,
                 x: int, stride: int, pads, shadow=None):
        yp0, yp1, xp0, xp1 = pads
        width = xp0 + x + xp1
        self.block = dst[base:base + (yp0 + y + yp1) * width].reshape(
            yp0 + y + yp1, width, dst.shape[1])
        self.inner = self.block[yp0:yp0 + y, xp0:xp0 + x]
        self.rows = dram_rows(src, first, y, x, stride) if y else None
        self.padded = bool(yp0 or yp1 or xp0 or xp1)
        self.shadow = shadow

    def run(self) -> None:
        if self.padded:
            self.block[...] = 0
        if self.rows is not None:
            self.inner[...] = self.rows
        if self.shadow is not None:
            self.shadow[0][...] = self.shadow[1]


def store_elements(dst: np.ndarray, dst_rows, acc: np.ndarray, acc_rows) -> None:
    """Write accumulator elements `acc_rows` to output elements `dst_rows`, truncating."""
    dst[dst_rows] = acc[acc_rows].astype(dst.dtype)


def store_index(sram_base: np.ndarray, dram_first: np.ndarray, y: np.ndarray, x: np.ndarray,
                stride: np.ndarray):
    """Source accumulator rows and destination DRAM elements of a run of stores, in order."""
    counts = y * x
    starts = np.cumsum(counts) - counts
    pos = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(starts, counts)
    row, col = np.divmod(pos, np.repeat(x, counts))
    acc_rows = np.repeat(sram_base, counts) + pos
    dst_rows = np.repeat(dram_first, counts) + row * np.repeat(stride, counts) + col
    return acc_rows, dst_rows
