"""Elementwise unary operators (TVM's `topi.math`): `cast`, `clip`, and the math
intrinsics applied to every element (`topi.exp`, `topi.sigmoid`, ...), tagged
"elemwise" so the generic schedules inline them."""
from __future__ import annotations

from ..te import compute
from ..te.reduction import max as _max
from ..te.reduction import min as _min
from ..te.tensor import Tensor
from ..tir import intrin
from ..tir import op as _op
from ..tir.expr import PrimExpr
from . import tag
from .broadcast import named_axes


def cast(x, dtype):
    """`x` converted to `dtype`: a tensor (compute "T_cast") or an expression."""
    if isinstance(x, Tensor):
        return compute(x.shape, named_axes(lambda *i: _op.cast(dtype, x(*i)), x.ndim),
                       name="T_cast", tag=tag.ELEMWISE)
    return _op.cast(dtype, _op.convert(x))


def clip(x, a_min, a_max):
    """Every element of `x` limited to [a_min, a_max]."""
    def bound(limit, dtype):
        if isinstance(limit, PrimExpr):
            return _op.cast(dtype, limit)
        return _op.const(limit, dtype)

    def clipped(*indices):
        value = x(*indices)
        return _max(_min(value, bound(a_max, value.dtype)), bound(a_min, value.dtype))

    return compute(x.shape, clipped, tag=tag.ELEMWISE)


def _unary(name, fn):
    def apply(x):
        return compute(x.shape, lambda *i: fn(x(*i)), tag=tag.ELEMWISE)
    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = f"`{name}` of every element (TVM's topi.{name})."
    return apply


exp = _unary("exp", intrin.exp)
log = _unary("log", intrin.log)
sqrt = _unary("sqrt", intrin.sqrt)
rsqrt = _unary("rsqrt", intrin.rsqrt)
tanh = _unary("tanh", intrin.tanh)
sigmoid = _unary("sigmoid", intrin.sigmoid)
erf = _unary("erf", intrin.erf)
floor = _unary("floor", intrin.floor)
ceil = _unary("ceil", intrin.ceil)
round = _unary("round", intrin.round)  # noqa: A001 - TVM's name
trunc = _unary("trunc", intrin.trunc)
abs = _unary("abs", intrin.abs)  # noqa: A001 - TVM's name
negative = _unary("negative", _op.neg)
