"""Commutative reducers: `te.sum`, `te.max`, `te.min` and `te.comm_reducer`.

A reducer called with an `axis` builds a `Reduce` node, which may only be the whole
body of a `te.compute`; called with two expressions (`te.max(x, 0)`) it combines them
elementwise, as TVM's reducers do.
"""
from __future__ import annotations

from ..tir import dtype as dt
from ..tir import op as _op
from ..tir.expr import CommReducer, IterVar, Reduce, Var
from .errors import ReductionError
from .operation import compute_being_declared


def comm_reducer(fcombine, fidentity, name="reduce"):
    """A reducer from `fcombine(x, y)` and `fidentity(dtype) -> identity element`."""

    def make_reduce(expr, axis, where=None, init=None):
        expr = _op.convert(expr)
        axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
        if compute_being_declared() is None:
            raise ReductionError(
                f"te.{name} over {[_axis_name(iv) for iv in axes]} built outside "
                "te.compute; a reduction can only be the body of a te.compute")
        for iv in axes:
            if not isinstance(iv, IterVar):
                raise ReductionError(f"te.{name}: axis {iv!r} is not a te.reduce_axis")
        lhs = Var(fcombine.__code__.co_varnames[0] + "_0", expr.dtype)
        rhs = Var(fcombine.__code__.co_varnames[1] + "_0", expr.dtype)
        combiner = CommReducer((lhs,), (rhs,), (_op.convert(fcombine(lhs, rhs)),),
                               (_op.convert(fidentity(expr.dtype)),))
        condition = _op.const(True) if where is None else _op.convert(where)
        inits = () if init is None else (_op.convert(init, expr.dtype),)
        return Reduce(combiner, (expr,), axes, condition, 0, inits)

    def reducer(expr, axis, where=None, init=None):
        if isinstance(axis, (IterVar, list, tuple)):
            return make_reduce(expr, axis, where, init)
        return fcombine(expr, axis)

    reducer.__name__ = name
    reducer.__doc__ = (f"te.{name}(expr, axis=[...], where=None): the {name} reduction "
                       f"over `axis`; te.{name}(a, b): the elementwise {name}.")
    return reducer


def _axis_name(iv):
    return iv.var.name if isinstance(iv, IterVar) else repr(iv)


def _min_value(dtype):
    if dt.is_float(dtype):
        return _op.const(-3.4028234663852886e38, dtype)
    return _op.const(dt.int_range(dtype)[0], dtype)


def _max_value(dtype):
    if dt.is_float(dtype):
        return _op.const(3.4028234663852886e38, dtype)
    return _op.const(dt.int_range(dtype)[1], dtype)


sum = comm_reducer(lambda x, y: x + y, lambda t: _op.const(0, t), name="sum")  # noqa: A001
min = comm_reducer(_op.min, _max_value, name="min")  # noqa: A001
max = comm_reducer(_op.max, _min_value, name="max")  # noqa: A001
