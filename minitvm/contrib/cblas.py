"""BLAS routines as extern ops (TVM's `tvm.contrib.cblas`), run by numpy's BLAS.

`matmul(A, B)` declares a `te.extern` whose body calls the global function
"tvm.contrib.cblas.matmul"; `packed_matmul` is that function: it multiplies the
arrays it is handed into the output array, as TVM's CBLAS binding does.
"""
from __future__ import annotations

import numpy as np

from .. import te
from ..tir.packed import call_packed


def matmul(lhs, rhs, transa=False, transb=False, **kwargs):
    """`lhs @ rhs` (each transposed first when asked) as an extern op named "C"."""
    n = lhs.shape[1] if transa else lhs.shape[0]
    m = rhs.shape[0] if transb else rhs.shape[1]
    return te.extern((n, m), [lhs, rhs],
                     lambda ins, outs: call_packed("tvm.contrib.cblas.matmul", ins[0],
                                                   ins[1], outs[0], transa, transb),
                     name="C", **kwargs)


def batch_matmul(lhs, rhs, transa=False, transb=False, iterative=False, **kwargs):
    """Batched `lhs @ rhs` over the leading dimension, as an extern op named "C"."""
    b = lhs.shape[0]
    n = lhs.shape[2] if transa else lhs.shape[1]
    m = rhs.shape[1] if transb else rhs.shape[2]
    name = "tvm.contrib.cblas.batch_matmul" + ("_iterative" if iterative else "")
    return te.extern((b, n, m), [lhs, rhs],
                     lambda ins, outs: call_packed(name, ins[0], ins[1], outs[0], transa,
                                                   transb),
                     name="C", **kwargs)


def packed_matmul(a, b, c, transa=False, transb=False):
    """The global function "tvm.contrib.cblas.matmul": c = op(a) @ op(b)."""
    _product(a, b, c, transa, transb, "matmul")


def packed_batch_matmul(a, b, c, transa=False, transb=False):
    """The global function "tvm.contrib.cblas.batch_matmul"."""
    _product(a, b, c, transa, transb, "batch_matmul")


def _product(a, b, c, transa, transb, name):
    x, y = a.numpy(), b.numpy()
    if transa:
        x = np.swapaxes(x, -1, -2)
    if transb:
        y = np.swapaxes(y, -1, -2)
    result = np.matmul(x, y)
    if result.shape != c.shape:
        from ..runtime.packed_func import PackedFuncError
        raise PackedFuncError(f"tvm.contrib.cblas.{name}: the product has shape "
                              f"{result.shape} but the output array has {c.shape}")
    c.copyfrom(result.astype(c.dtype))
