"""Math calls the host build runs itself: `tir` math intrinsics and C math library names.

A `tir.exp` call, or `call_pure_extern("float32", "expf", x)` (what a lowering rule
registered with `tvm.ir.register_intrin_lowering` typically produces), becomes a numpy
ufunc or a helper of `minitvm.runtime.host_support`; both work on numpy scalars (the
scalar emitter) and arrays (the vector emitter) and keep the operand's dtype. Rounding
follows TVM's CPU code: `round` rounds half away from zero (llvm.round), `nearbyint`
half to even. Other extern names need a function passed to `build_host`.
"""
from __future__ import annotations

from ..tir import dtype as dt
from .context import np_dtype

# tir operator -> host function (numpy or a host_support helper).
MATH = {
    "tir.exp": "np.exp", "tir.exp2": "np.exp2", "tir.exp10": "_exp10", "tir.log": "np.log",
    "tir.log2": "np.log2", "tir.log10": "np.log10", "tir.log1p": "np.log1p",
    "tir.sqrt": "np.sqrt", "tir.rsqrt": "_rsqrt", "tir.tanh": "np.tanh",
    "tir.sigmoid": "_sigmoid", "tir.erf": "_erf", "tir.sin": "np.sin", "tir.cos": "np.cos",
    "tir.tan": "np.tan", "tir.sinh": "np.sinh", "tir.cosh": "np.cosh",
    "tir.asin": "np.arcsin", "tir.acos": "np.arccos", "tir.atan": "np.arctan",
    "tir.asinh": "np.arcsinh", "tir.acosh": "np.arccosh", "tir.atanh": "np.arctanh",
    "tir.fabs": "np.abs", "tir.floor": "np.floor", "tir.ceil": "np.ceil",
    "tir.round": "_round", "tir.nearbyint": "np.rint", "tir.trunc": "np.trunc",
    "tir.isnan": "np.isnan", "tir.pow": "np.power", "tir.fmod": "np.fmod",
    "tir.atan2": "np.arctan2", "tir.popcount": "_popcount",
}
# C math library: the double function `name` and the float one `name + "f"`.
_LIBM_DOUBLE = ("exp", "exp2", "exp10", "log", "log2", "log10", "log1p", "sqrt", "tanh",
                "erf", "sin", "cos", "tan", "sinh", "cosh", "asin", "acos", "atan", "asinh",
                "acosh", "atanh", "fabs", "floor", "ceil", "round", "nearbyint", "trunc",
                "pow", "fmod", "atan2")
LIBM = {**{name: MATH["tir." + name] for name in _LIBM_DOUBLE},
        **{name + "f": MATH["tir." + name] for name in _LIBM_DOUBLE}}
_EXTERN_OPS = ("tir.call_pure_extern", "tir.call_extern")


def host_math(call):
    """`(function text, operand expressions)` when the host runs `call` as math, else None."""
    if call.op in _EXTERN_OPS:
        function = LIBM.get(call.args[0].value)
        return None if function is None else (function, call.args[1:])
    function = MATH.get(call.op)
    return None if function is None else (function, call.args)


def call_text(call, function, operand_texts):
    """Source applying `function` to the operands, as a value of the call's dtype."""
    if function == "_popcount":
        operand_texts = list(operand_texts) + [str(dt.bits(call.args[0].dtype))]
    text = f"{function}({', '.join(operand_texts)})"
    if call.op in _EXTERN_OPS:   # a C name's declared type may differ from its operands'
        text = f"_as_dtype({text}, {np_dtype(call.dtype)})"
    return text
