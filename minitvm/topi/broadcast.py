"""Elementwise binary operators with numpy-style broadcasting (TVM's `topi.add`,
`topi.multiply`, `topi.right_shift`, ...).

Each operator takes tensors or scalars. Two tensors broadcast (shapes aligned on the
right; a dimension of 1 stretches) into a compute named "T_<operator>" with the tag
"broadcast"; a tensor and a scalar give an "elemwise" compute of the tensor's shape;
two scalars give the expression itself. `broadcast_shape` and `broadcast_compute` are
the building blocks, for other modules (Tensor arithmetic) to reuse.
"""
from __future__ import annotations

import inspect

from ..error import TVMError
from ..te import compute
from ..te.tensor import Tensor
from ..tir import dtype as dt
from ..tir import op as _op
from ..tir import intrin
from ..tir.analysis import expr_deep_equal
from ..tir.expr import IntImm
from ..tir.intrin import floor, fmod
from . import tag


class BroadcastError(TVMError, ValueError):
    """Two shapes that do not broadcast."""


def broadcast_shape(shape1, shape2, what="broadcast"):
    """The common shape of two shapes under numpy's rules; `what` names the operation."""
    n = max(len(shape1), len(shape2))
    a = [IntImm("int32", 1)] * (n - len(shape1)) + [_op.convert(d) for d in shape1]
    b = [IntImm("int32", 1)] * (n - len(shape2)) + [_op.convert(d) for d in shape2]
    out = []
    for k, (x, y) in enumerate(zip(a, b)):
        if _same(x, y) or _is_one(y):
            out.append(x)
        elif _is_one(x):
            out.append(y)
        else:
            raise BroadcastError(f"{what}: shapes {_text(shape1)} and {_text(shape2)} do not "
                                 f"broadcast (dimension {k - n}: {x} vs {y}; each must "
                                 f"equal the other or be 1)")
    return out


def broadcast_compute(rule, A, B, name, tag_=tag.BROADCAST):
    """`rule(a, b)` of two tensors over their broadcast shape."""
    shape = broadcast_shape(A.shape, B.shape, f"topi {name} of '{A.name}' and '{B.name}'")

    def body(*indices):
        return rule(A(*_input_index(A, shape, indices)), B(*_input_index(B, shape, indices)))

    return compute(shape, named_axes(body, len(shape)), name=name, tag=tag_)


def _input_index(tensor, shape, indices):
    """The tensor's index for an output index: broadcast (size-1) dimensions read 0."""
    skip = len(shape) - tensor.ndim
    return [IntImm(i.dtype, 0) if _is_one(d) and not _is_one(shape[skip + k]) else i
            for k, (d, i) in enumerate(zip(tensor.shape, indices[skip:]))]


def named_axes(body, ndim):
    """`body(*indices)` as an index function whose ndim arguments are named ax0, ax1,
    ... (the axis names of TVM's C++ computes)."""
    return named_axes_as(body, [f"ax{k}" for k in range(ndim)])


def named_axes_as(body, names):
    """`body(*indices)` as an index function with arguments `names`: te.compute names
    its axes after the index function's arguments."""
    def fcompute(*indices):
        return body(*indices)
    fcompute.__signature__ = inspect.Signature(
        [inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD) for n in names])
    return fcompute


def _elementwise(rule, lhs, rhs, name):
    if isinstance(lhs, Tensor) and isinstance(rhs, Tensor):
        return broadcast_compute(rule, lhs, rhs, name)
    if isinstance(lhs, Tensor):
        return compute(lhs.shape, named_axes(lambda *i: rule(lhs(*i), rhs), lhs.ndim),
                       name=name, tag=tag.ELEMWISE)
    if isinstance(rhs, Tensor):
        return compute(rhs.shape, named_axes(lambda *i: rule(lhs, rhs(*i)), rhs.ndim),
                       name=name, tag=tag.ELEMWISE)
    return rule(lhs, rhs)


def _operator(op_name, rule, doc):
    def apply(lhs, rhs):
        return _elementwise(rule, lhs, rhs, f"T_{op_name}")
    apply.__name__ = apply.__qualname__ = op_name
    apply.__doc__ = f"{doc}, broadcasting (TVM's topi.{op_name})."
    return apply


def _divide(a, b):
    """TVM's `div`: true division of floats, truncating division of integers."""
    a, b = _op.binary_operands(a, b)
    return _op.truediv(a, b) if dt.is_float(a.dtype) else _op.truncdiv(a, b)


def _mod(a, b):
    a, b = _op.binary_operands(a, b)
    return _op.truncmod(a, b) if dt.is_integer(a.dtype) else fmod(a, b)


def _floor_divide(a, b):
    a, b = _op.binary_operands(a, b)
    return _op.floordiv(a, b) if dt.is_integer(a.dtype) else floor(_op.truediv(a, b))


def _floor_mod(a, b):
    a, b = _op.binary_operands(a, b)
    if dt.is_integer(a.dtype):
        return _op.floormod(a, b)
    return _op.sub(a, _op.mul(_floor_divide(a, b), b))


add = _operator("add", _op.add, "a + b")
subtract = _operator("subtract", _op.sub, "a - b")
multiply = _operator("multiply", _op.mul, "a * b")
divide = _operator("divide", _divide, "a / b (truncating for integers)")
floor_divide = _operator("floor_divide", _floor_divide, "floor(a / b)")
mod = _operator("mod", _mod, "the remainder of a / b truncated (the sign of a)")
floor_mod = _operator("floor_mod", _floor_mod, "a - floor(a / b) * b")
maximum = _operator("maximum", _op.max, "max(a, b)")
minimum = _operator("minimum", _op.min, "min(a, b)")
power = _operator("power", intrin.power, "a ** b")
left_shift = _operator("left_shift", _op.shift_left, "a << b")
right_shift = _operator("right_shift", _op.shift_right, "a >> b")
greater = _operator("greater", _op.greater, "a > b")
less = _operator("less", _op.less, "a < b")
equal = _operator("equal", _op.equal, "a == b")
not_equal = _operator("not_equal", _op.not_equal, "a != b")
greater_equal = _operator("greater_equal", _op.greater_equal, "a >= b")
less_equal = _operator("less_equal", _op.less_equal, "a <= b")
logical_and = _operator("logical_and", _op.logical_and, "a and b")
logical_or = _operator("logical_or", _op.logical_or, "a or b")
bitwise_and = _operator("bitwise_and", _op.bitwise_and, "a & b")
bitwise_or = _operator("bitwise_or", _op.bitwise_or, "a | b")
bitwise_xor = _operator("bitwise_xor", _op.bitwise_xor, "a ^ b")


def _is_one(d):
    return isinstance(d, IntImm) and d.value == 1


def _same(x, y):
    return x is y or expr_deep_equal(x, y)


def _text(shape):
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
