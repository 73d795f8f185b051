"""Expressions as whole-array numpy code over a loop nest's iteration grid.

Inside a vectorized statement each loop variable is an `arange` laid along its own
axis of a D-dimensional grid, so expressions broadcast to the grid. Loads whose
index is affine in the loop variables become strided views of the flat buffer (no
copy); other loads gather. Loads evaluated only under a condition (the branches of
`if_then_else`, stores under a guard) may be out of range where the condition is
false, so unless provably in range they gather with clipped indices (even when
they do not vary over the grid). Other subexpressions that do not depend on the
grid are emitted by the scalar emitter, as typed numpy scalars. numpy's fixed-width
integer arithmetic wraps like C, so values are exact.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..tir import dtype as dt
from ..tir import expr as E
from ..tir.functor import Visitor, post_order_visit
from .access import flat_index
from .affine import interval_of
from .context import np_dtype
from .intrinsics import call_text, host_math
from .scalar_expr import ScalarEmitter, symbol_of

_OPERATOR = {E.Add: "+", E.Sub: "-", E.Mul: "*", E.EQ: "==", E.NE: "!=", E.LT: "<",
             E.LE: "<=", E.GT: ">", E.GE: ">=", E.And: "&", E.Or: "|"}
_UFUNC = {E.Min: "np.minimum", E.Max: "np.maximum"}
_CALL_OPERATOR = {"tir.shift_right": ">>", "tir.shift_left": "<<", "tir.bitwise_and": "&",
                  "tir.bitwise_or": "|", "tir.bitwise_xor": "^"}


@dataclass(frozen=True)
class Axis:
    """Loop variable `var` along grid axis `k` of `ndim`. It starts at `min` (plus the
    source text `offset`, the block start when the statement is chunked along this
    axis) and has `length` values (source text)."""
    var: E.Var
    k: int
    ndim: int
    min: int
    length: str
    offset: Optional[str] = None

    @property
    def start(self):
        return f"{self.min} + {self.offset}" if self.offset else str(self.min)


class VectorEmitter(Visitor):
    """Emits one statement's expressions; setup lines (axes, lets) go to `self.lines`."""

    def __init__(self, ctx, axes, lets, analyzer, conditional=False):
        self.ctx = ctx
        self.axes = {a.var: a for a in axes}
        self.ndim = len(axes)
        self.lets = lets                    # instance let var -> value
        self.analyzer = analyzer            # ranges of outer and grid loops, all lets
        self.conditional = int(conditional)
        self.lines = []
        self.scalar = _LetAwareScalar(ctx, self)
        self._bound = set()
        self._depends = {}
        self._loads = {}

    # --- entry points
    def emit(self, e):
        """Source of `e`'s value: an array over the grid, or a typed scalar if invariant."""
        if self.depends(e) or self._guarded_load(e):
            return self.visit(e)
        if isinstance(e, (E.IntImm, E.FloatImm)):
            return self.ctx.constant(e.dtype, e.value)
        text = self.scalar.emit(e)
        return text if e.dtype == "handle" else f"{np_dtype(e.dtype)}({text})"

    def depends(self, e):
        """Whether `e` varies over the grid (directly or through instance lets)."""
        key = id(e)
        if key not in self._depends:
            found = []
            post_order_visit(e, lambda n: found.append(n) if isinstance(n, E.Var) else None)
            self._depends[key] = any(v in self.axes or (v in self.lets and self.depends(
                self.lets[v])) for v in found)
        return self._depends[key]

    def _guarded_load(self, e):
        """Whether `e` loads memory while evaluated under a condition (so it must not raise
        where the condition is false), directly or through instance lets."""
        if not self.conditional:
            return False
        key = id(e)
        if key not in self._loads:
            found = []
            post_order_visit(e, lambda n: found.append(n) if isinstance(
                n, (E.BufferLoad, E.Var)) else None)
            self._loads[key] = any(isinstance(n, E.BufferLoad) or (
                n in self.lets and self._guarded_load(self.lets[n])) for n in found)
        return self._loads[key]

    def bind(self, var):
        """Name of a grid axis or instance let variable, emitting its setup line once."""
        name = self.ctx.namer.name(var)
        if var not in self._bound:
            self._bound.add(var)
            if var in self.axes:
                a = self.axes[var]
                self.lines.append(f"{name} = _axis({a.start}, {a.length}, {a.k}, {a.ndim}, "
                                  f"{np_dtype(var.dtype)})")
            elif self.depends(var):
                self.lines.append(f"{name} = {self.visit(self.lets[var])}")
            elif self._guarded_load(var):     # a scalar for the scalar emitter to use
                self.lines.append(f"{name} = _item({self.visit(self.lets[var])})")
            else:
                self.lines.append(f"{name} = {self.scalar.emit(self.lets[var])}")
        return name

    def generic_visit(self, node):
        raise self.ctx.error(f"cannot vectorize a {type(node).__name__} expression")

    # --- nodes
    def visit_Var(self, e):
        if e in self.axes or e in self.lets:
            return self.bind(e)
        return self.ctx.use(e)

    def visit_BinaryOp(self, e):
        a, b = self.emit(e.a), self.emit(e.b)
        symbol = symbol_of(e, _OPERATOR)
        if symbol:
            return f"({a} {symbol} {b})"
        if isinstance(e, (E.Min, E.Max)):
            return f"{symbol_of(e, _UFUNC)}({a}, {b})"
        integer = dt.is_integer(e.dtype)
        if isinstance(e, E.FloorDiv):
            return f"({a} // {b})"
        if isinstance(e, E.FloorMod):
            return f"({a} % {b})"
        if isinstance(e, E.Div):
            return f"_vtdiv({a}, {b})" if integer else f"({a} / {b})"
        return f"np.fmod({a}, {b})"

    visit_CmpOp = visit_BinaryOp

    def visit_Not(self, e):
        return f"np.logical_not({self.emit(e.a)})"

    def visit_Select(self, e):
        return self._where(e.condition, e.true_value, e.false_value, guarded=False)

    def _where(self, cond, t, f, guarded):
        c = self.emit(cond)
        self.conditional += guarded
        text = f"np.where({c}, {self.emit(t)}, {self.emit(f)})"
        self.conditional -= guarded
        return text

    def visit_Cast(self, e):
        return f"{self.emit(e.value)}.astype({np_dtype(e.dtype)})"

    def visit_Let(self, e):
        name = self.ctx.namer.name(e.var)
        # bound like an instance let (`bind`): a value that does not vary over the grid
        # is the scalar emitter's Python int, since the scalar code using the var wraps
        # it like a Python int (a numpy int32 would overflow there)
        if self.depends(e.value):
            value = self.visit(e.value)
        elif self._guarded_load(e.value):
            value = f"_item({self.visit(e.value)})"
        else:
            value = self.scalar.emit(e.value)
        self.lets = {**self.lets, e.var: e.value}
        self._bound.add(e.var)
        return f"(({name} := {value}), {self.emit(e.body)})[1]"

    def visit_Call(self, e):
        if e.op == "tir.if_then_else":
            return self._where(*e.args, guarded=True)
        if e.op == "tir.likely":
            return self.emit(e.args[0])
        if e.op in _CALL_OPERATOR:
            return f"({self.emit(e.args[0])} {_CALL_OPERATOR[e.op]} {self.emit(e.args[1])})"
        if e.op == "tir.bitwise_not":
            return f"(~{self.emit(e.args[0])})"
        math = host_math(e)
        if math is not None:
            function, operands = math
            return call_text(e, function, [self.emit(a) for a in operands])
        raise self.ctx.error(f"cannot vectorize a call of {e.op}")

    def visit_BufferLoad(self, e):
        mem = self.ctx.memory_of(e.buffer)
        index = flat_index(e.buffer, e.indices)
        form = self.analyzer.affine(index)
        proven = self.in_range(form if form is not None else index, mem)
        if form is not None and (proven or not self.conditional):
            return self.view(mem, form, e.buffer.name)
        if proven:
            return f"{mem.name}[{self.emit(index)}]"
        if self.conditional:
            return f"_gather_clip({mem.name}, {self.emit(index)})"
        return f"_gather({mem.name}, {self.emit(index)}, {e.buffer.name!r})"

    # --- memory helpers (also used for stores)
    def in_range(self, index, mem):
        """Whether every grid point's index (affine form or expression) is inside `mem`."""
        if isinstance(index, E.PrimExpr):
            bounds = self.analyzer.bounds(index)
        else:
            bounds = interval_of(index, self.analyzer.ranges)
        return mem.size is not None and bounds is not None and \
            0 <= bounds[0] and bounds[1] < mem.size

    def view(self, mem, form, name, axes=None):
        """A strided view of `mem` over the grid (axes without a coefficient get extent 1),
        or over only the grid axes listed in `axes` (a squeezed view)."""
        const, terms = form.const, []
        for v, c in form.coeffs.items():
            axis = self.axes.get(v)
            if axis is None:
                terms.append(f"{c} * {self.ctx.use(v)}")
                continue
            const += c * axis.min
            if axis.offset:
                terms.append(f"{c} * {axis.offset}")
        base = [str(const)] + terms if const or not terms else terms
        chosen = axes if axes is not None else [a.var for a in self.ordered_axes()]
        shape = [self.axes[v].length if form.coeff(v) or axes is not None else "1"
                 for v in chosen]
        strides = [str(form.coeff(v)) for v in chosen]
        return (f"_view({mem.name}, {' + '.join(base)}, {_tuple(shape)}, {_tuple(strides)}, "
                f"{name!r})")

    def ordered_axes(self):
        return sorted(self.axes.values(), key=lambda a: a.k)


class _LetAwareScalar(ScalarEmitter):
    """The scalar emitter, binding instance lets through the vector emitter first."""

    def __init__(self, ctx, vector):
        super().__init__(ctx, vector.analyzer)
        self.vector = vector

    def visit_Var(self, e):
        if e in self.vector.lets:
            return self.vector.bind(e), True
        return super().visit_Var(e)


def _tuple(items):
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
