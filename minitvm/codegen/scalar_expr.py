"""Expressions as scalar Python: the code run one iteration at a time.

Integers are Python ints kept *lazily* wrapped: each emitted value is either exact
(within its dtype) or only correct modulo 2**bits. Add, Sub, Mul, shift_left and the
bitwise operators are ring operations, so they may work on inexact values; anything
whose result depends on the true value (comparison, division, shift_right, min/max,
widening casts, stores, indices) first wraps its operands like C's two's-complement
arithmetic. Floats are numpy scalars of their dtype, so float32 rounds like float32.
"""
from __future__ import annotations

from ..tir import dtype as dt
from ..tir import expr as E
from ..tir.functor import Visitor
from .access import flat_index
from .context import np_dtype
from .intrinsics import call_text, host_math
from ..runtime.packed_func import get_global_func


def wrap_text(text, dtype):
    """Source wrapping the Python int `text` into `dtype` (two's complement)."""
    bits = dt.bits(dtype)
    mask = (1 << bits) - 1
    if dt.is_uint(dtype):
        return f"(({text}) & {mask:#x})"
    half = 1 << (bits - 1)
    return f"((({text}) + {half:#x} & {mask:#x}) - {half:#x})"


_ARITH = {E.Add: "+", E.Sub: "-", E.Mul: "*"}
_COMPARE = {E.EQ: "==", E.NE: "!=", E.LT: "<", E.LE: "<=", E.GT: ">", E.GE: ">="}
_BITWISE = {"tir.bitwise_and": "&", "tir.bitwise_or": "|", "tir.bitwise_xor": "^"}


class ScalarEmitter(Visitor):
    """`emit(e)` gives source for the exact value of `e`; `visit` gives (source, exact)."""

    def __init__(self, ctx, analyzer=None):
        self.ctx = ctx
        self.analyzer = analyzer or ctx.analyzer

    def emit(self, e):
        return self.exact(e)

    def exact(self, e):
        text, is_exact = self.visit(e)
        if is_exact or self._within_dtype(e):
            return text
        return wrap_text(text, e.dtype)

    def _within_dtype(self, e):
        bounds = self.analyzer.bounds(e)
        lo, hi = dt.int_range(e.dtype)
        return bounds is not None and lo <= bounds[0] and bounds[1] <= hi

    def generic_visit(self, node):
        raise self.ctx.error(f"the host build cannot evaluate a {type(node).__name__} "
                             f"expression; lower and flatten the function first")

    # --- leaves
    def visit_Var(self, e):
        return self.ctx.use(e), True

    def visit_IntImm(self, e):
        if e.dtype == "bool":
            return repr(bool(e.value)), True
        return repr(dt.wrap(e.value, e.dtype)), True

    def visit_FloatImm(self, e):
        return self.ctx.constant(e.dtype, e.value), True

    def visit_StringImm(self, e):
        return repr(e.value), True

    # --- arithmetic
    def visit_BinaryOp(self, e):
        symbol = symbol_of(e, _ARITH)
        if symbol:
            a, b = self.visit(e.a), self.visit(e.b)
            return f"({a[0]} {symbol} {b[0]})", dt.is_float(e.dtype)
        return self._exact_binary(e)

    def _exact_binary(self, e):
        a, b = self.exact(e.a), self.exact(e.b)
        integer = dt.is_integer(e.dtype)
        if isinstance(e, E.FloorDiv):
            positive = isinstance(e.b, E.IntImm) and e.b.value > 0
            return f"({a} // {b})", positive or not integer
        if isinstance(e, E.FloorMod):
            return f"({a} % {b})", True
        if isinstance(e, E.Div):
            return (f"_tdiv({a}, {b})", False) if integer else (f"({a} / {b})", True)
        if isinstance(e, E.Mod):
            return (f"_tmod({a}, {b})", True) if integer else (f"np.fmod({a}, {b})", True)
        if isinstance(e, (E.Min, E.Max)):
            return f"{type(e).__name__.lower()}({a}, {b})", True
        raise self.ctx.error(f"unsupported binary operation {type(e).__name__}")

    def visit_CmpOp(self, e):
        if isinstance(e, (E.And, E.Or)):
            word = "and" if isinstance(e, E.And) else "or"
            return f"({self.exact(e.a)} {word} {self.exact(e.b)})", True
        return f"({self.exact(e.a)} {symbol_of(e, _COMPARE)} {self.exact(e.b)})", True

    def visit_Not(self, e):
        return f"(not {self.exact(e.a)})", True

    def visit_Select(self, e):
        return self._choice(e.condition, e.true_value, e.false_value)

    def _choice(self, cond, t, f):
        return f"({self.exact(t)} if {self.exact(cond)} else {self.exact(f)})", True

    def visit_Cast(self, e):
        src, dst = e.value.dtype, e.dtype
        if dst == "bool":
            return f"({self.exact(e.value)} != 0)", True
        if dt.is_float(dst):
            return f"{np_dtype(dst)}({self.exact(e.value)})", True
        if not dt.is_integer(src):
            return f"int({self.exact(e.value)})", False
        text, exact = self.visit(e.value)
        if dt.bits(dst) <= dt.bits(src):
            return text, exact and _fits(src, dst)
        return self.exact(e.value), _fits(src, dst)

    def visit_Let(self, e):
        name = self.ctx.namer.name(e.var)
        value = self.exact(e.value)
        self.ctx.defined.add(e.var)
        return f"(({name} := {value}), {self.exact(e.body)})[1]", True

    # --- calls
    def visit_Call(self, e):
        if e.op in ("tir.if_then_else",):
            return self._choice(*e.args)
        if e.op == "tir.likely":
            return self.visit(e.args[0])
        if e.op in _BITWISE:
            (a, ea), (b, eb) = self.visit(e.args[0]), self.visit(e.args[1])
            return f"({a} {_BITWISE[e.op]} {b})", ea and eb
        if e.op == "tir.bitwise_not":
            a, ea = self.visit(e.args[0])
            return f"(~{a})", ea and dt.is_int(e.dtype)
        if e.op == "tir.shift_right":
            return f"({self.exact(e.args[0])} >> {self.exact(e.args[1])})", True
        if e.op == "tir.shift_left":
            return f"({self.visit(e.args[0])[0]} << {self.exact(e.args[1])})", False
        return self._extern_call(e), True

    def _extern_call(self, e):
        packed = PACKED_CALLS.get(e.op)
        if packed is not None:
            return packed(self, e)
        math = host_math(e)
        if math is not None and not self.ctx.provides(e):
            function, operands = math
            return call_text(e, function, [self.exact(a) for a in operands])
        if e.op in ("tir.call_extern", "tir.call_pure_extern"):
            name = e.args[0].value
            if not self.ctx.provides(e) and get_global_func(name, allow_missing=True):
                return _call_packed(self, e)   # a C name the user registered in Python
            func, args = self.ctx.extern(name), e.args[1:]
        else:
            func, args = self.ctx.extern(e.op), e.args
        return f"{func}({', '.join(self.exact(a) for a in args)})"

    # --- memory
    def visit_BufferLoad(self, e):
        text = f"{self.ctx.memory_of(e.buffer).name}[{self.index(e.buffer, e.indices)}]"
        if dt.is_integer(e.dtype):
            return f"int({text})", True
        if e.dtype == "bool":
            return f"bool({text})", True
        return text, True

    def index(self, buffer, indices):
        """Source of the flat index of `buffer[indices]`, checked unless provably in range."""
        mem = self.ctx.memory_of(buffer)
        expr = flat_index(buffer, indices)
        text = self.exact(expr)
        bounds = self.analyzer.bounds(expr)
        if mem.size is not None and bounds is not None and 0 <= bounds[0] <= bounds[1] < mem.size:
            return text
        return f"_ix({mem.name}, {text}, {buffer.name!r})"


def _call_packed(emitter, e):
    args = ", ".join(emitter.exact(a) for a in e.args[1:])
    return f"_call_packed({e.args[0].value!r}{', ' if args else ''}{args})"


def _stack_make_array(emitter, e):
    data, shape, strides, _ndim, _dtype, offset = e.args
    if not (isinstance(strides, E.IntImm) and strides.value == 0):
        raise emitter.ctx.error("a strided buffer cannot be passed to a packed function; "
                                "pass a compact one")
    return (f"_nd_view({emitter.ctx.use(data)}, {emitter.exact(shape)}, "
            f"{emitter.exact(offset)})")


def _access_ptr(emitter, e):
    _annotation, data, offset, extent, _mask = e.args
    return (f"_ptr_view({emitter.ctx.use(data)}, {emitter.exact(offset)}, "
            f"{emitter.exact(extent)})")


def _stack_make_shape(emitter, e):
    dims = [emitter.exact(a) for a in e.args]
    return f"({dims[0]},)" if len(dims) == 1 else f"({', '.join(dims)})"


# Builtins of packed-function calls (minitvm.tir.packed): the callee gets NDArray views;
# a registered function called as an extern C function gets flat numpy views for the
# pointers (tvm_access_ptr) it is passed.
PACKED_CALLS = {"tir.tvm_call_packed": _call_packed,
                "tir.tvm_stack_make_array": _stack_make_array,
                "tir.tvm_stack_make_shape": _stack_make_shape,
                "tir.tvm_access_ptr": _access_ptr}


def symbol_of(node, table):
    """The entry of `table` for the node's class or its nearest base (e.g. EqualOp -> EQ)."""
    for klass in type(node).__mro__:
        if klass in table:
            return table[klass]
    return None


def _fits(src, dst):
    lo, hi = dt.int_range(src)
    dlo, dhi = dt.int_range(dst)
    return dlo <= lo and hi <= dhi
