"""GEMM instructions as a few whole-array numpy operations.

Where it sits: the device builds a plan here once per (micro-op kernel, loop shape) and runs it
each time the instruction executes.

A GEMM writes only the accumulator, by `acc[a] += inp[i] . wgt[w]^T` (or `acc[a] = 0` with
reset), and integer addition wraps and is associative, so the order of the micro-ops does not
matter: a plan groups the contributions by accumulator element -- element a gets c of them --
and computes every element's sum at once:

* factored: when elements are the grid of (r, g) pairs where r picks the c input rows and g the
  c weight tiles (convolutions and matrix products are), all sums are one batched BLAS product
  X[r] @ W[g]; a grid at most twice the number of elements is computed whole;
* direct: otherwise each element's c inputs times its c tiles, as batched small products.

Exactness: the sums are computed in floats only when every partial sum is provably exact: at
most c * BLOCK_IN * max|inp| * max|wgt| <= 2^24 in float32, <= 2^53 in float64, else in int64.
"""
from __future__ import annotations

import numpy as np

DIRECT_CHUNK_ELEMENTS = 1 << 22   # floats per batched product in the direct plan


def as_slice(idx: np.ndarray):
    """A slice for an ascending run of consecutive indices, else the array itself."""
    n = len(idx)
    if n and idx[-1] - idx[0] == n - 1 and (n < 3 or np.all(np.diff(idx) == 1)):
        return slice(int(idx[0]), int(idx[0]) + n)
    return idx


def as_slices(values: np.ndarray, starts, ends) -> list:
    """`as_slice` of each piece values[starts[k]:ends[k]], decided for all pieces at once."""
    starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    if not len(values):
        return [values[s:e] for s, e in zip(starts.tolist(), ends.tolist())]
    broken = np.r_[0, np.cumsum(np.diff(values) != 1)]     # non-unit steps up to each entry
    last = len(values) - 1
    head, tail = np.minimum(starts, last), np.minimum(np.maximum(ends - 1, starts), last)
    consecutive = (ends > starts) & (broken[tail] == broken[head])
    return [slice(f, f + e - s) if ok else values[s:e]
            for s, e, f, ok in zip(starts.tolist(), ends.tolist(), values[head].tolist(),
                                   consecutive.tolist())]


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of a 1-D array (np.unique without its first-call import
    of numpy.ma, some 10 ms of a process's first simulated run)."""
    ordered = np.sort(values, kind="stable")
    keep = np.empty(len(ordered), dtype=bool)
    keep[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def distinct_rows(m: np.ndarray):
    """The distinct rows of a 2-D integer array in lexicographic order, and the index of each
    row of `m` among them: np.unique(m, axis=0, return_inverse=True) without its sort of rows
    as structured records, most of the GEMM planning of a process's first simulated run."""
    order = np.lexsort(m.T[::-1])
    ordered = m[order]
    new = np.empty(len(m), dtype=bool)
    new[:1] = True
    np.any(ordered[1:] != ordered[:-1], axis=1, out=new[1:])
    inverse = np.empty(len(m), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ordered[new], inverse


def exact_dtype(terms: int, env):
    bound = terms * (1 << (env.INP_WIDTH - 1)) * (1 << (env.WGT_WIDTH - 1))
    return np.float32 if bound <= 1 << 24 else np.float64 if bound <= 1 << 53 else np.int64


class ResetPlan:
    def __init__(self, dst):
        self.dst = as_slice(distinct(np.asarray(dst).reshape(-1)))

    def run(self, sram) -> None:
        sram.acc[self.dst] = 0


class FactoredPlan:
    """acc[a(g, r)] += X[r] @ W[g] for a grid of input-row sets r and weight-tile sets g.
    Everything a run does not read from the buffers is decided here: it runs once per GEMM
    instruction, so each step saved counts."""

    def __init__(self, irows, wrows, c, dtype, acc_out, env):
        r, g, b, k, o = len(irows), len(wrows), env.BATCH, env.BLOCK_IN, env.BLOCK_OUT
        # a run of consecutive rows is read as a view (a slice), others are gathered
        self.irows, self.wrows = as_slice(irows.reshape(-1)), as_slice(wrows.reshape(-1))
        self.c, self.dtype, self.r, self.g = c, dtype, r, g
        self.batched = (r, c, b, k) if b > 1 else None     # rows to reorder as (r, b, c, k)
        self.x_shape, self.w_shape = (r * b, c * k), (g, c * k, o)
        self.d_shape = (g, r, b * o)
        self.acc_out = acc_out   # ("g-major" | "r-major", slice) or ("gather", acc index, sel)
        kind, self.where, *sel = acc_out
        self.sel = sel[0] if sel else None
        self.acc_shape = (g, r, b * o) if kind == "g-major" else (r, g, b * o)
        self.kind = kind

    def run(self, sram) -> None:
        x = _rows(sram.inp_f, self.irows)
        if self.batched is not None:
            x = x.reshape(self.batched).transpose(0, 2, 1, 3)
        x = x.reshape(self.x_shape)
        w = _rows(sram.wgt_f, self.wrows).reshape(self.w_shape)
        if x.dtype != self.dtype:
            x, w = x.astype(self.dtype), w.astype(self.dtype)
        d = _to_int(np.matmul(x, w).reshape(self.d_shape), self.dtype)
        if self.kind == "gather":
            sram.acc[self.where] += d.reshape(-1, self.d_shape[2])[self.sel]
            return
        view = sram.acc[self.where].reshape(self.acc_shape)
        if self.kind == "r-major":
            view = view.transpose(1, 0, 2)
        view += d


def _rows(table: np.ndarray, rows):
    """Rows of `table`: a view for a slice, else a gather (ndarray.take: the cheapest)."""
    return table[rows] if isinstance(rows, slice) else table.take(rows, axis=0)


class DirectPlan:
    """acc[a] += sum over its c contributions, one small product per element."""

    def __init__(self, dst, irows, wrows, c, dtype, env):
        self.dst, self.irows, self.wrows, self.c, self.dtype = dst, irows, wrows, c, dtype
        self.b, self.k, self.o = env.BATCH, env.BLOCK_IN, env.BLOCK_OUT
        self.step = max(1, DIRECT_CHUNK_ELEMENTS // (c * self.k * self.o))

    def run(self, sram) -> None:
        b, k, o, c = self.b, self.k, self.o, self.c
        for s in range(0, len(self.dst), self.step):
            irows, wrows = self.irows[s:s + self.step], self.wrows[s:s + self.step]
            n = len(irows)
            x = _rows(sram.inp_f, irows.reshape(-1)).reshape(n, c, b, k)
            x = x.transpose(0, 2, 1, 3).reshape(n, b, c * k).astype(self.dtype, copy=False)
            w = _rows(sram.wgt_f, wrows.reshape(-1)).reshape(n, c * k, o)
            d = _to_int(np.matmul(x, w.astype(self.dtype, copy=False)), self.dtype)
            sram.acc[self.dst[s:s + self.step]] += d.reshape(n, b * o)


class ChunkedPlan:
    """A nest too large for one plan: consecutive chunks, each planned when it runs."""

    def __init__(self, nest, reset, env):
        self.nest, self.reset, self.env = nest, reset, env

    def run(self, sram) -> None:
        for n0, n1 in self.nest.chunks():
            idx = {w: self.nest.indices(w, n0, n1) for w in ("dst", "src", "wgt")}
            plan_gemm(self.reset, idx["dst"], idx["src"], idx["wgt"], self.env).run(sram)


def _to_int(d: np.ndarray, dtype) -> np.ndarray:
    return d.astype(np.int32) if dtype is np.float32 else d.astype(np.int64)


def plan_gemm(reset: bool, a: np.ndarray, i: np.ndarray, w: np.ndarray, env):
    """The plan for contributions (a, i, w) listed in execution order."""
    if reset:
        return ResetPlan(a)
    order = np.argsort(a, kind="stable")
    a_sorted = a[order]
    first = np.r_[True, a_sorted[1:] != a_sorted[:-1]]
    starts = np.flatnonzero(first)
    dst = a_sorted[starts]
    group = np.cumsum(first) - 1
    pos = np.arange(len(a)) - starts[group]
    c = int(pos.max()) + 1
    irows = np.full((len(dst), c), env.INP_BUFF_DEPTH, dtype=np.int64)    # padding: zero rows
    wrows = np.full((len(dst), c), env.WGT_BUFF_DEPTH, dtype=np.int64)
    irows[group, pos], wrows[group, pos] = i[order], w[order]
    dtype = exact_dtype(c * env.BLOCK_IN, env)
    iu, r_of = distinct_rows(irows)
    wu, g_of = distinct_rows(wrows)
    if len(iu) * len(wu) > 2 * len(dst) or dtype is np.int64:
        return DirectPlan(dst, irows, wrows, c, dtype, env)
    sel = g_of * len(iu) + r_of
    return FactoredPlan(iu, wu, c, dtype, _acc_layout(dst, sel, len(wu), len(iu)), env)


def _acc_layout(dst, sel, g, r):
    """How the (g, r) grid of sums lands in the accumulator: a contiguous run in g-major or
    r-major order, or a gather of the needed pairs."""
    if len(dst) == g * r and len(distinct(sel)) == len(dst):
        grid = np.empty(g * r, dtype=np.int64)
        grid[sel] = dst
        for kind, order in (("g-major", grid), ("r-major", grid.reshape(g, r).T.reshape(-1))):
            where = as_slice(order)
            if isinstance(where, slice):
                return kind, where
    return "gather", as_slice(dst), sel
