"""Arithmetic on whole tensors (`A + 1`, `A * B`), as TVM's `te.Tensor` operators do
through TOPI: each builds a new `te.compute`.

With a scalar operand the result has the tensor's shape, is named "T_<op>" and tagged
elemwise; with two tensors their shapes broadcast as numpy's do (aligned at the last
dimension, a dimension of 1 stretches) and the result is tagged broadcast. Axes are
named ax0, ax1, ...
"""
from __future__ import annotations

import inspect

from ..arith import Analyzer
from ..tir import op as _op
from ..tir.expr import IntImm, PrimExpr
from .errors import TEError

ELEMWISE, BROADCAST = "elemwise", "broadcast"


def broadcast_shape(a, b):
    """The common shape of tensors `a` and `b`, or a TEError naming both."""
    ana = Analyzer()
    ndim = max(a.ndim, b.ndim)
    ones = (IntImm("int32", 1),) * ndim
    sa, sb = ones[a.ndim:] + tuple(a.shape), ones[b.ndim:] + tuple(b.shape)
    shape = []
    for k, (x, y) in enumerate(zip(sa, sb)):
        if _is_one(x):
            shape.append(y)
        elif _is_one(y) or ana.can_prove(_op.equal(x, y)):
            shape.append(x)
        else:
            raise TEError(f"cannot broadcast tensor '{a.name}' of shape {_text(a.shape)} "
                          f"with tensor '{b.name}' of shape {_text(b.shape)}: dimension "
                          f"{k - ndim} is {x} against {y}")
    return tuple(shape)


def _is_one(e):
    return isinstance(e, IntImm) and e.value == 1


def _text(shape):
    return "(" + ", ".join(str(getattr(e, "value", e)) for e in shape) + ")"


def _broadcast_indices(tensor, shape, indices):
    """The indices of `tensor` read at output `indices` (a stretched dimension reads 0)."""
    skip = len(shape) - tensor.ndim
    return [_op.const(0, i.dtype) if _is_one(extent) and not _is_one(shape[skip + k]) else i
            for k, (extent, i) in enumerate(zip(tensor.shape, indices[skip:]))]


def binary(name, combine, lhs, rhs):
    """`combine` applied elementwise to `lhs` and `rhs` (tensors or scalars)."""
    from .operation import compute
    from .tensor import Tensor
    if not isinstance(rhs, Tensor):
        rhs = _scalar(rhs, lhs)
        return compute(lhs.shape, _with_axes(lambda *i: combine(lhs(*i), rhs), lhs.ndim),
                       "T_" + name, ELEMWISE)
    if not isinstance(lhs, Tensor):
        lhs = _scalar(lhs, rhs)
        return compute(rhs.shape, _with_axes(lambda *i: combine(lhs, rhs(*i)), rhs.ndim),
                       "T_" + name, ELEMWISE)
    shape = broadcast_shape(lhs, rhs)
    return compute(shape, _with_axes(
        lambda *i: combine(lhs(*_broadcast_indices(lhs, shape, i)),
                           rhs(*_broadcast_indices(rhs, shape, i))), len(shape)),
        "T_" + name, BROADCAST)


def _with_axes(fcompute, ndim):
    """`fcompute` with parameters ax0, ax1, ... (te.compute names the axes after them)."""
    fcompute.__signature__ = inspect.Signature(
        [inspect.Parameter(f"ax{k}", inspect.Parameter.POSITIONAL_ONLY) for k in range(ndim)])
    return fcompute


def _scalar(value, tensor):
    """A scalar operand; a Python number keeps its form so that it takes the tensor's
    dtype, as TVM's operators do."""
    if isinstance(value, (PrimExpr, bool, int, float)):
        return value
    raise TEError(f"tensor '{tensor.name}': cannot combine it with {value!r}, which is "
                  "neither a tensor nor a scalar expression")
