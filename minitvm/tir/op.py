"""Operator functions that build expressions: TVM's `tir` operator semantics.

Every arithmetic constructor first converts Python numbers (a Python int takes the
dtype of the other operand, as TVM's operator overloads do), then matches operand
dtypes (integers widen to the wider type, integers meet floats as floats, anything
else is an error naming both operands), then folds constants (`TryConstFold`: both
constant, or an identity such as `x + 0`, `x * 1`). The simplifier in
`minitvm.arith` does everything further.
"""
from __future__ import annotations

import operator

from . import dtype as dt
from .expr import (Add, And, Call, Cast, EQ, FloatImm, FloorDiv, FloorMod, GE, GT,
                   IntImm, IterVar, LE, LT, Max, Min, Mul, NE, Not, Or, PrimExpr, Select,
                   StringImm, Sub)


class DTypeMismatchError(TypeError):
    """Two operands whose dtypes TVM would not combine."""


def const(value, dtype=None):
    """A constant of `dtype` (default int32 for ints, float32 for floats, bool for bools)."""
    if isinstance(value, bool):
        return IntImm(dtype or "bool", int(value))
    if isinstance(value, int):
        dtype = dt.check(dtype or ("int32" if -2**31 <= value < 2**31 else "int64"))
        if dt.is_float(dtype):
            return FloatImm(dtype, float(value))
        return IntImm(dtype, value)
    if isinstance(value, float):
        dtype = dt.check(dtype or "float32")
        if dt.is_float(dtype):
            return FloatImm(dtype, value)
        return IntImm(dtype, int(value))
    raise TypeError(f"cannot make a constant of {value!r}")


def convert(value, dtype_hint=None):
    """Turn a Python number, IterVar or expression into a PrimExpr."""
    if isinstance(value, PrimExpr):
        return value
    if isinstance(value, IterVar):
        return value.var
    if isinstance(value, (bool, int, float)):
        hint = dtype_hint
        if hint is not None and isinstance(value, float) and not dt.is_float(hint):
            hint = None
        if hint is not None and isinstance(value, bool) != dt.is_bool(hint):
            hint = None
        return const(value, hint)
    if isinstance(value, str):
        return StringImm(value)
    as_expr = getattr(value, "asobject", None)
    if as_expr is not None:
        return as_expr()
    raise TypeError(f"cannot use {value!r} (a {type(value).__name__}) as an expression")


def _operands(a, b):
    """Convert a pair, letting a Python number take the other operand's dtype."""
    if isinstance(a, PrimExpr) and isinstance(b, PrimExpr):
        return match_types(a, b)
    a_is_expr = not isinstance(a, (bool, int, float))
    b_is_expr = not isinstance(b, (bool, int, float))
    if a_is_expr:
        a = convert(a)
    if b_is_expr:
        b = convert(b)
    if not a_is_expr:
        a = convert(a, b.dtype if b_is_expr else None)
    if not b_is_expr:
        b = convert(b, a.dtype)
    return match_types(a, b)


def binary_operands(a, b):
    """`a` and `b` as expressions of one dtype, as the arithmetic constructors take them
    (a Python number takes the other operand's dtype)."""
    return _operands(a, b)


def match_types(a, b):
    """TVM's BinaryOpMatchTypes: widen integers, turn ints into floats, refuse the rest."""
    ta, tb = a.dtype, b.dtype
    if ta == tb:
        return a, b
    ka, kb = dt.kind(ta), dt.kind(tb)
    if ka == "float" and kb in ("int", "uint"):
        return a, cast(ta, b)
    if kb == "float" and ka in ("int", "uint"):
        return cast(tb, a), b
    if ka in ("int", "uint") and kb in ("int", "uint"):
        if dt.bits(ta) < dt.bits(tb) or (dt.bits(ta) == dt.bits(tb) and ka == "int"):
            return cast(tb, a), b
        return a, cast(ta, b)
    if ka == kb == "float":
        return (cast(tb, a), b) if dt.bits(ta) < dt.bits(tb) else (a, cast(ta, b))
    error = DTypeMismatchError(f"cannot combine {a!r} of dtype {ta} with {b!r} of dtype {tb}")
    error.operands = (a, b)
    raise error


def _value(e):
    return e.value if isinstance(e, (IntImm, FloatImm)) else None


def _fold(dtype, value):
    if dt.is_float(dtype):
        return FloatImm(dtype, float(value))
    return IntImm(dtype, dt.wrap(int(value), dtype))


def add(a, b):
    a, b = _operands(a, b)
    va, vb = _value(a), _value(b)
    if va is not None and vb is not None:
        return _fold(a.dtype, va + vb)
    if va == 0:
        return b
    if vb == 0:
        return a
    return Add(a, b)


def sub(a, b):
    a, b = _operands(a, b)
    va, vb = _value(a), _value(b)
    if va is not None and vb is not None:
        return _fold(a.dtype, va - vb)
    if vb == 0:
        return a
    return Sub(a, b)


def mul(a, b):
    a, b = _operands(a, b)
    va, vb = _value(a), _value(b)
    if va is not None and vb is not None:
        return _fold(a.dtype, va * vb)
    if va == 1:
        return b
    if vb == 1:
        return a
    if va == 0:
        return a
    if vb == 0:
        return b
    return Mul(a, b)


def neg(a):
    a = convert(a)
    return sub(_fold(a.dtype, 0), a)


def _check_divisor(b):
    if _value(b) == 0:
        raise ZeroDivisionError("division by the constant zero in an expression")


def floordiv(a, b):
    a, b = _operands(a, b)
    _check_divisor(b)
    va, vb = _value(a), _value(b)
    if va is not None and vb is not None:
        return _fold(a.dtype, va // vb)
    if va == 0 or vb == 1:
        return a
    return FloorDiv(a, b)


def floormod(a, b):
    a, b = _operands(a, b)
    _check_divisor(b)
    va, vb = _value(a), _value(b)
    if va is not None and vb is not None:
        return _fold(a.dtype, va % vb)
    if va == 0:
        return a
    if vb == 1:
        return _fold(a.dtype, 0)
    return FloorMod(a, b)


def truncdiv(a, b):
    """Integer division rounding toward zero (C's `/`; TVM's `tir.truncdiv`)."""
    a, b = _operands(a, b)
    _check_divisor(b)
    va, vb = _value(a), _value(b)
    if va is not None and vb is not None:
        return _fold(a.dtype, abs(va) // abs(vb) * (1 if (va < 0) == (vb < 0) else -1))
    if vb == 1:
        return a
    from .expr import Div
    return Div(a, b)


def truncmod(a, b):
    """The remainder of `truncdiv` (the sign of `a`; TVM's `tir.truncmod`)."""
    a, b = _operands(a, b)
    _check_divisor(b)
    va, vb = _value(a), _value(b)
    if va is not None and vb is not None:
        return _fold(a.dtype, va - vb * _value(truncdiv(a, b)))
    from .expr import Mod
    return Mod(a, b)


def truediv(a, b):
    a, b = _operands(a, b)
    if not dt.is_float(a.dtype):
        raise TypeError(f"'/' on the integer expressions {a!r} and {b!r}: use '//' (floordiv)")
    va, vb = _value(a), _value(b)
    if va is not None and vb is not None:
        return _fold(a.dtype, va / vb)
    from .expr import Div
    return Div(a, b)


def min(a, b):  # noqa: A001 - TVM's name
    a, b = _operands(a, b)
    va, vb = _value(a), _value(b)
    if va is not None and vb is not None:
        return _fold(a.dtype, va if va < vb else vb)
    return Min(a, b)


def max(a, b):  # noqa: A001 - TVM's name
    a, b = _operands(a, b)
    va, vb = _value(a), _value(b)
    if va is not None and vb is not None:
        return _fold(a.dtype, va if va > vb else vb)
    return Max(a, b)


_COMPARE = {LT: operator.lt, LE: operator.le, GT: operator.gt, GE: operator.ge,
            EQ: operator.eq, NE: operator.ne}


def _compare(node, a, b):
    a, b = _operands(a, b)
    va, vb = _value(a), _value(b)
    if va is not None and vb is not None:
        return const(bool(_COMPARE[node](va, vb)))
    return node(a, b)


def less(a, b):
    return _compare(LT, a, b)


def less_equal(a, b):
    return _compare(LE, a, b)


def greater(a, b):
    return _compare(GT, a, b)


def greater_equal(a, b):
    return _compare(GE, a, b)


def equal(a, b):
    return _compare(EQ, a, b)


def not_equal(a, b):
    return _compare(NE, a, b)


class EqualOp(EQ):
    """`a == b` between expressions: an EQ node whose Python truth value is identity,
    so that expressions keep working as dict keys and in `in` tests (TVM's EqualOp)."""
    __slots__ = ()

    def __bool__(self):
        return self.a is self.b


class NotEqualOp(NE):
    """`a != b` between expressions: an NE node whose truth value is non-identity."""
    __slots__ = ()

    def __bool__(self):
        return self.a is not self.b


def equal_op(a, b):
    if not isinstance(b, (PrimExpr, IterVar, int, float, bool)):
        return False
    x, y = _operands(a, b)
    return EqualOp(x, y)


def not_equal_op(a, b):
    if not isinstance(b, (PrimExpr, IterVar, int, float, bool)):
        return True
    x, y = _operands(a, b)
    return NotEqualOp(x, y)


def _boolean(e, what):
    e = convert(e)
    if not dt.is_bool(e.dtype):
        raise TypeError(f"{what} needs boolean operands, got {e!r} of dtype {e.dtype}")
    return e


def logical_and(a, b):
    a, b = _boolean(a, "and"), _boolean(b, "and")
    va, vb = _value(a), _value(b)
    if va is not None:
        return b if va else a
    if vb is not None:
        return a if vb else b
    return And(a, b)


def logical_or(a, b):
    a, b = _boolean(a, "or"), _boolean(b, "or")
    va, vb = _value(a), _value(b)
    if va is not None:
        return a if va else b
    if vb is not None:
        return b if vb else a
    return Or(a, b)


def logical_not(a):
    a = _boolean(a, "not")
    if _value(a) is not None:
        return const(not a.value)
    return Not(a)


def all(*conds):  # noqa: A001 - TVM's name
    """Left-nested And of the conditions (TVM's `tir.all`)."""
    if not conds:
        raise ValueError("tvm.tir.all needs at least one condition")
    result = _boolean(conds[0], "tvm.tir.all")
    for cond in conds[1:]:
        result = And(result, _boolean(cond, "tvm.tir.all"))
    return result


def any(*conds):  # noqa: A001 - TVM's name
    """Left-nested Or of the conditions (TVM's `tir.any`)."""
    if not conds:
        raise ValueError("tvm.tir.any needs at least one condition")
    result = _boolean(conds[0], "tvm.tir.any")
    for cond in conds[1:]:
        result = Or(result, _boolean(cond, "tvm.tir.any"))
    return result


def cast(dtype, value):
    """Cast `value` to `dtype`; constants fold, a no-op cast returns the value; a vector
    cast to a scalar type keeps its lanes (TVM's `cast`)."""
    dtype = dt.check(dtype)
    value = convert(value)
    if dt.lanes(value.dtype) != 1 and dt.lanes(dtype) == 1:
        dtype = dt.with_lanes(dtype, dt.lanes(value.dtype))
    if value.dtype == dtype:
        return value
    v = _value(value)
    if v is not None:
        return _fold(dtype, v)
    return Cast(dtype, value)


def _integer_call(name, a, b):
    a, b = _operands(a, b)
    if not dt.is_integer(a.dtype):
        raise TypeError(f"{name} needs integer operands, got {a!r} of dtype {a.dtype}")
    return Call(a.dtype, "tir." + name, (a, b))


def shift_right(a, b):
    a, b = _operands(a, b)
    va, vb = _value(a), _value(b)
    if va is not None and vb is not None:
        return _fold(a.dtype, va >> vb)
    return _integer_call("shift_right", a, b)


def shift_left(a, b):
    a, b = _operands(a, b)
    va, vb = _value(a), _value(b)
    if va is not None and vb is not None:
        return _fold(a.dtype, va << vb)
    return _integer_call("shift_left", a, b)


def bitwise_and(a, b):
    return _integer_call("bitwise_and", a, b)


def bitwise_or(a, b):
    return _integer_call("bitwise_or", a, b)


def bitwise_xor(a, b):
    return _integer_call("bitwise_xor", a, b)


def bitwise_not(a):
    a = convert(a)
    if not dt.is_integer(a.dtype):
        raise TypeError(f"~ needs an integer operand, got {a!r} of dtype {a.dtype}")
    return Call(a.dtype, "tir.bitwise_not", (a,))


def if_then_else(cond, t, f):
    """`tir.if_then_else(cond, t, f)`: a call that evaluates only the chosen branch."""
    cond = _boolean(cond, "if_then_else")
    t, f = _operands(t, f)
    if _value(cond) is not None:
        return t if cond.value else f
    return Call(t.dtype, "tir.if_then_else", (cond, t, f))


def select(cond, t, f):
    cond = _boolean(cond, "select")
    t, f = _operands(t, f)
    return Select(cond, t, f)


def call_extern(dtype, func_name, *args):
    return Call(dt.check(dtype), "tir.call_extern",
                (StringImm(func_name),) + tuple(convert(a) for a in args))


def call_pure_extern(dtype, func_name, *args):
    """A call of the side-effect-free extern function `func_name` (TVM's
    `tir.call_pure_extern`); the host build runs C math library names itself."""
    return Call(dt.check(dtype), "tir.call_pure_extern",
                (StringImm(func_name),) + tuple(convert(a) for a in args))


def call_intrin(dtype, op_name, *args):
    """A call of the operator `op_name` (its `.op` has TVM's Op interface, `.op.name`)."""
    from ..ir.op import Op
    return Call(dt.check(dtype), Op(op_name), tuple(convert(a) for a in args))


def is_const_int(e, value=None):
    """True when `e` is an integer constant (equal to `value` if given)."""
    return isinstance(e, IntImm) and (value is None or e.value == value)

