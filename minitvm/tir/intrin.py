"""Math intrinsics (TVM's `tvm.tir.exp`, `log`, `sigmoid`, `power`, `floor`, `abs`,
`popcount`, `isnan`, ... re-exported by `tvm.te`).

Each builds a `tir.Call` of the operator "tir.<name>" with the operand's dtype, which
prints as `T.<name>(...)`. As TVM's constructors do, `floor`/`ceil`/`round`/`trunc`
return integer operands unchanged and fold float constants, `abs` of an integer is a
Select, of a float the call "tir.fabs", and `isnan` of an integer is the constant false.
The host build runs the calls (minitvm.codegen.intrinsics); `tvm.ir` rules registered
for the build's target rewrite them first (minitvm.transform.lower_intrin).
"""
from __future__ import annotations

import builtins
import math

from . import dtype as dt
from .expr import Call, FloatImm, IntImm, Select
from .op import binary_operands, call_intrin, const, convert, greater_equal, neg

# Float operators of one operand: TVM's name -> operator (all "tir." + name).
FLOAT_UNARY = ("exp", "exp2", "exp10", "log", "log2", "log10", "log1p", "sqrt", "rsqrt",
               "tanh", "sigmoid", "erf", "sin", "cos", "tan", "sinh", "cosh", "asin",
               "acos", "atan", "asinh", "acosh", "atanh", "fabs", "floor", "ceil", "round",
               "nearbyint", "trunc", "isnan")
FLOAT_BINARY = ("pow", "fmod", "atan2")
INTEGER_UNARY = ("popcount",)
# Every built-in operator name a Call may carry (the registry accepts these as known).
BUILTIN_OPS = frozenset(
    ["tir." + name for name in FLOAT_UNARY + FLOAT_BINARY + INTEGER_UNARY] +
    ["tir." + name for name in ("if_then_else", "likely", "shift_right", "shift_left",
                                "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
                                "call_extern", "call_pure_extern", "vscale")])


def vscale():
    """The target's scalable-vector multiple (TVM's `tir.vscale()`, LLVM's llvm.vscale): an
    int32 known only on the machine that runs the code. minitvm prints it and lowers
    expressions over it; the host build, which has no scalable vectors, refuses it."""
    return call_intrin("int32", "tir.vscale")


class CallEffectKind:
    """What a call may do besides computing its value (TVM's `tir.CallEffectKind`)."""
    ExprAnnotation = IntImm("int32", 0)
    Pure = IntImm("int32", 1)
    ReadState = IntImm("int32", 2)
    UpdateState = IntImm("int32", 3)
    Opaque = UpdateState


def _float_operand(name, x):
    x = convert(x)
    if not dt.is_float(x.dtype):
        raise TypeError(f"tvm.tir.{name} needs a float operand, got {x!r} of dtype "
                        f"{x.dtype}; cast it first (tvm.tir.Cast / topi.cast)")
    return x


def _unary(name):
    def intrinsic(x):
        x = _float_operand(name, x)
        return call_intrin(x.dtype, "tir." + name, x)
    intrinsic.__name__ = intrinsic.__qualname__ = name
    intrinsic.__doc__ = f"`tir.{name}` of a float expression (TVM's tvm.tir.{name})."
    return intrinsic


exp, exp2, exp10 = _unary("exp"), _unary("exp2"), _unary("exp10")
log, log2, log10, log1p = _unary("log"), _unary("log2"), _unary("log10"), _unary("log1p")
sqrt, rsqrt, tanh, sigmoid, erf = (_unary(n) for n in ("sqrt", "rsqrt", "tanh", "sigmoid",
                                                        "erf"))
sin, cos, tan, sinh, cosh = (_unary(n) for n in ("sin", "cos", "tan", "sinh", "cosh"))
asin, acos, atan, asinh, acosh, atanh = (_unary(n) for n in ("asin", "acos", "atan", "asinh",
                                                             "acosh", "atanh"))


def _rounding(name, fold):
    def intrinsic(x):
        x = convert(x)
        if dt.is_integer(x.dtype):
            return x
        x = _float_operand(name, x)
        if isinstance(x, FloatImm):
            return FloatImm(x.dtype, float(fold(x.value)))
        return call_intrin(x.dtype, "tir." + name, x)
    intrinsic.__name__ = intrinsic.__qualname__ = name
    intrinsic.__doc__ = (f"`tir.{name}` of a float expression; an integer is returned "
                         f"as it is (TVM's tvm.tir.{name}).")
    return intrinsic


floor = _rounding("floor", math.floor)
ceil = _rounding("ceil", math.ceil)
trunc = _rounding("trunc", math.trunc)
# Constants fold as C's nearbyint (half to even), as TVM's constructor folds them;
# the call itself rounds half away from zero (llvm.round), as TVM's CPU code does.
round = _rounding("round", builtins.round)  # noqa: A001 - TVM's name
nearbyint = _rounding("nearbyint", builtins.round)


def abs(x):  # noqa: A001 - TVM's name
    """|x|: a Select for signed integers, `tir.fabs` for floats, unsigned unchanged."""
    x = convert(x)
    if dt.is_uint(x.dtype):
        return x
    if dt.is_int(x.dtype):
        if isinstance(x, IntImm):
            return IntImm(x.dtype, -x.value if x.value < 0 else x.value)
        return Select(greater_equal(x, const(0, x.dtype)), x, neg(x))
    x = _float_operand("abs", x)
    if isinstance(x, FloatImm):
        return FloatImm(x.dtype, math.fabs(x.value))
    return call_intrin(x.dtype, "tir.fabs", x)


def isnan(x):
    """Whether a float is NaN (a bool expression); integers never are."""
    x = convert(x)
    if dt.is_integer(x.dtype):
        return const(False)
    x = _float_operand("isnan", x)
    if isinstance(x, FloatImm):
        return const(math.isnan(x.value))
    return Call("bool", "tir.isnan", (x,))


def _binary(name, what):
    def intrinsic(x, y):
        x, y = binary_operands(x, y)
        _float_operand(what, x)
        return call_intrin(x.dtype, "tir." + name, x, y)
    intrinsic.__name__ = intrinsic.__qualname__ = what
    intrinsic.__doc__ = f"`tir.{name}(x, y)` of float expressions (TVM's tvm.tir.{what})."
    return intrinsic


power = _binary("pow", "power")
pow = _binary("pow", "pow")  # noqa: A001 - TVM's name
fmod = _binary("fmod", "fmod")
atan2 = _binary("atan2", "atan2")


def popcount(x):
    """The number of set bits of an integer (its two's complement), of its dtype."""
    x = convert(x)
    if not dt.is_integer(x.dtype):
        raise TypeError(f"tvm.tir.popcount needs an integer operand, got {x!r} of dtype "
                        f"{x.dtype}")
    return call_intrin(x.dtype, "tir.popcount", x)
