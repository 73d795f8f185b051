"""Commutative reducers: `te.sum`, `te.max`, `te.min` and `te.comm_reducer`.

A reducer called with an `axis` builds a `Reduce` node, which may only be the whole
body of a `te.compute`; called with two expressions (`te.max(x, 0)`) it combines them
elementwise, as TVM's reducers do. A reducer over tuples (argmax: index and value)
takes a tuple of expressions and returns one `Reduce` per element, which become the
outputs of one te.compute. `te.min_value`/`te.max_value` give a dtype's extremes, the
usual identities.
"""
from __future__ import annotations

import numpy as np

from ..tir import dtype as dt
from ..tir import op as _op
from ..tir.expr import CommReducer, IterVar, Reduce, Var
from .errors import ReductionError
from .operation import compute_being_declared


def comm_reducer(fcombine, fidentity, name="reduce"):
    """A reducer from `fcombine(x, y)` and `fidentity(*dtypes) -> identity element(s)`.

    For a tuple reduction `x` and `y` are tuples and both functions return tuples of the
    same length as the reduced expression."""

    def make_reduce(expr, axis, where=None, init=None):
        axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
        if compute_being_declared() is None:
            raise ReductionError(
                f"te.{name} over {[_axis_name(iv) for iv in axes]} built outside "
                "te.compute; a reduction can only be the body of a te.compute")
        for iv in axes:
            if not isinstance(iv, IterVar):
                raise ReductionError(f"te.{name}: axis {iv!r} is not a te.reduce_axis")
        is_tuple = isinstance(expr, (list, tuple))
        exprs = tuple(_op.convert(e) for e in (expr if is_tuple else (expr,)))
        combiner = _combiner(fcombine, fidentity, name, exprs, is_tuple)
        condition = _op.const(True) if where is None else _op.convert(where)
        inits = _inits(init, exprs, is_tuple, name)
        reduces = tuple(Reduce(combiner, exprs, axes, condition, k, inits)
                        for k in range(len(exprs)))
        return reduces if is_tuple else reduces[0]

    def reducer(expr, axis, where=None, init=None):
        if isinstance(axis, (IterVar, list, tuple)):
            return make_reduce(expr, axis, where, init)
        return fcombine(expr, axis)

    reducer.__name__ = name
    reducer.__doc__ = (f"te.{name}(expr, axis=[...], where=None): the {name} reduction "
                       f"over `axis`; te.{name}(a, b): the elementwise {name}.")
    return reducer


def _combiner(fcombine, fidentity, name, exprs, is_tuple):
    """The CommReducer with variables named after fcombine's parameters, as TVM names
    them: x, y for one value; x_0, y_0, x_1, ... for a tuple of values."""
    code = fcombine.__code__
    if code.co_argcount != 2:
        raise ReductionError(f"te.comm_reducer '{name}': the combine function must take "
                             f"two arguments (x, y), it takes {code.co_argcount}")
    dtypes = [e.dtype for e in exprs]
    suffix = (lambda k: f"_{k}") if is_tuple else (lambda k: "")
    lhs = tuple(Var(code.co_varnames[0] + suffix(k), t) for k, t in enumerate(dtypes))
    rhs = tuple(Var(code.co_varnames[1] + suffix(k), t) for k, t in enumerate(dtypes))
    if is_tuple:
        result, identity = fcombine(lhs, rhs), fidentity(*dtypes)
    else:
        result, identity = (fcombine(lhs[0], rhs[0]),), (fidentity(dtypes[0]),)
    result, identity = _tuple(result), _tuple(identity)
    if len(result) != len(exprs) or len(identity) != len(exprs):
        raise ReductionError(
            f"te.comm_reducer '{name}': reducing {len(exprs)} value(s), but the combine "
            f"function returns {len(result)} and the identity function {len(identity)}")
    result = tuple(_op.convert(r) for r in result)
    identity = tuple(_op.convert(e, t) for e, t in zip(identity, dtypes))
    for k, (r, e, t) in enumerate(zip(result, identity, dtypes)):
        if r.dtype != t or e.dtype != t:
            raise ReductionError(
                f"te.comm_reducer '{name}': element {k} is reduced as {t}, but the combine "
                f"function gives {r.dtype} and the identity {e.dtype}")
    return CommReducer(lhs, rhs, result, identity)


def _tuple(value):
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _inits(init, exprs, is_tuple, name):
    if init is None:
        return ()
    inits = _tuple(init) if is_tuple else (init,)
    if len(inits) != len(exprs):
        raise ReductionError(f"te.{name}: {len(inits)} initial value(s) for a reduction of "
                             f"{len(exprs)} value(s)")
    return tuple(_op.convert(i, e.dtype) for i, e in zip(inits, exprs))


def _axis_name(iv):
    return iv.var.name if isinstance(iv, IterVar) else repr(iv)


def min_value(dtype):
    """The smallest value of `dtype` (TVM's `te.min_value`), as a constant."""
    dtype = dt.check(dtype)
    if dt.is_float(dtype):
        return _op.const(-_float_max(dtype), dtype)
    return _op.const(dt.int_range(dtype)[0], dtype)


def max_value(dtype):
    """The largest value of `dtype` (TVM's `te.max_value`), as a constant."""
    dtype = dt.check(dtype)
    if dt.is_float(dtype):
        return _op.const(_float_max(dtype), dtype)
    return _op.const(dt.int_range(dtype)[1], dtype)


def _float_max(dtype):
    return float(np.finfo(dtype).max)


sum = comm_reducer(lambda x, y: x + y, lambda t: _op.const(0, t), name="sum")  # noqa: A001
min = comm_reducer(_op.min, max_value, name="min")  # noqa: A001
max = comm_reducer(_op.max, min_value, name="max")  # noqa: A001
