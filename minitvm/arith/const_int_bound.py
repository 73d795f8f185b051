"""Constant integer bounds of expressions (TVM's `arith::ConstIntBoundAnalyzer`).

Given the ranges of bound variables, `bound(expr)` returns an interval
`ConstIntBound(min_value, max_value)` that contains every value of `expr`;
`NEG_INF`/`POS_INF` stand for "unbounded". The simplifier asks it whether a
floordiv/floormod, min/max or comparison can be decided; bound inference and the
VTA passes ask it for loop extents.
"""
from __future__ import annotations

from typing import NamedTuple

from ..tir import dtype as dt
from ..tir import expr as E
from ..tir.analysis import StructuralInterner

POS_INF = (1 << 63) - 1
NEG_INF = -POS_INF


class ConstIntBound(NamedTuple):
    min_value: int
    max_value: int


def _clamp(v):
    return POS_INF if v >= POS_INF else NEG_INF if v <= NEG_INF else v


def inf_add(x, y):
    if x in (POS_INF, NEG_INF):
        return x
    if y in (POS_INF, NEG_INF):
        return y
    return _clamp(x + y)


def _neg(v):
    return -v   # -POS_INF == NEG_INF by construction


def inf_mul(x, y):
    return _clamp(x * y) if x not in (POS_INF, NEG_INF) and y not in (POS_INF, NEG_INF) \
        else (0 if x == 0 or y == 0 else (POS_INF if (x > 0) == (y > 0) else NEG_INF))


def _inf_div(x, y, floor):
    if x in (POS_INF, NEG_INF):
        return x if y > 0 else -x
    if floor:
        return x // y
    q = abs(x) // abs(y)
    return q if (x >= 0) == (y > 0) else -q


def inf_floordiv(x, y):
    return _inf_div(x, y, True)


def inf_truncdiv(x, y):
    return _inf_div(x, y, False)


def inf_shr(x, y):
    return x if x in (POS_INF, NEG_INF) else x >> y


def inf_shl(x, y):
    if x in (POS_INF, NEG_INF):
        return x
    return x << y if abs(x).bit_length() + y < 64 else POS_INF


def make_bound(lo, hi):
    return ConstIntBound(lo - 1 if lo == POS_INF else lo, hi + 1 if hi == NEG_INF else hi)


def everything(dtype):
    """Every value `dtype` can hold (unbounded for floats and handles)."""
    if dt.is_bool(dtype):
        return ConstIntBound(0, 1)
    if not dt.is_integer(dtype):
        return ConstIntBound(NEG_INF, POS_INF)
    lo, hi = dt.int_range(dtype)
    return ConstIntBound(max(lo, NEG_INF), min(hi, POS_INF))


def union(a, b):
    return ConstIntBound(min(a.min_value, b.min_value), max(a.max_value, b.max_value))


def intersect(a, b):
    return ConstIntBound(max(a.min_value, b.min_value), min(a.max_value, b.max_value))


def _corners(a, b, fn):
    values = (fn(a.min_value, b.min_value), fn(a.max_value, b.max_value),
              fn(a.min_value, b.max_value), fn(a.max_value, b.min_value))
    return ConstIntBound(min(values), max(values))


def _division(a, b, dtype, fn):
    """Bound of a / b; a divisor range through zero splits into its two signs."""
    if b.min_value <= 0 <= b.max_value and dt.is_int(dtype):
        neg = ConstIntBound(b.min_value, -1) if b.min_value < 0 else everything(dtype)
        pos = ConstIntBound(1, b.max_value) if b.max_value > 0 else everything(dtype)
        e_neg, e_pos = _corners(a, neg, fn), _corners(a, pos, fn)
        return make_bound(min(e_neg.min_value, e_pos.min_value),
                          max(e_neg.max_value, e_pos.max_value))
    if b.min_value == 0 and dt.is_uint(dtype):
        return _corners(a, ConstIntBound(1, b.max_value), fn)
    return _corners(a, b, fn)


def _no_zero_divisor(b, expr):
    if b.min_value == b.max_value == 0:
        raise ZeroDivisionError(f"division by zero in {expr!r}")
    # A valid program never divides by zero: a divisor known >= 0 is taken as >= 1.
    return ConstIntBound(1, b.max_value) if b.min_value == 0 else b


class ConstIntBoundAnalyzer:
    """Bounds of integer expressions under the variable ranges bound so far."""

    def __init__(self, interner=None):
        self.interner = interner or StructuralInterner()    # constraints found by structure
        self.var_map = {}               # Var -> ConstIntBound
        self.constraints = []           # [(expr, ConstIntBound)] from enclosing conditions
        self.constrained = {}           # expr class -> number of constraints on that class
        self._by_structure = {}         # structure of a constrained expr -> [its bounds]

    def bind_range(self, var, rng, allow_override=False):
        lo = self(rng.min)
        ext = self(rng.extent)
        self.update(var, ConstIntBound(lo.min_value, inf_add(lo.max_value, inf_add(ext.max_value, -1))),
                    allow_override)

    def update(self, var, bound, allow_override=False):
        old = self.var_map.get(var)
        if old is not None and not allow_override and old != bound:
            raise ValueError(
                f"variable {var.name!r} is already bound to [{old.min_value}, {old.max_value}]; "
                f"cannot rebind it to [{bound.min_value}, {bound.max_value}]")
        self.var_map[var] = ConstIntBound(*bound)

    def __call__(self, expr):
        result = _VISIT.get(type(expr), ConstIntBoundAnalyzer._default)(self, expr)
        if self.constrained.get(type(expr)):
            for cbound in self._by_structure.get(self.interner.key(expr), ()):
                result = intersect(result, cbound)
        return result

    def enter_constraint(self, cond):
        """Record the bounds `cond` implies; returns a function that forgets them."""
        info = detect_bound_info(cond)
        self.constraints.extend(info)
        size = len(self.constraints)
        key = self.interner.key
        for cexpr, cbound in info:
            self.constrained[type(cexpr)] = self.constrained.get(type(cexpr), 0) + 1
            self._by_structure.setdefault(key(cexpr), []).append(cbound)

        def leave():
            del self.constraints[size - len(info):size]
            for cexpr, _ in reversed(info):
                self.constrained[type(cexpr)] -= 1
                bounds = self._by_structure[key(cexpr)]
                bounds.pop()
                if not bounds:
                    del self._by_structure[key(cexpr)]
        return leave

    # -- per node -------------------------------------------------------------------

    def _default(self, e):
        return everything(e.dtype)

    def _int(self, e):
        return ConstIntBound(e.value, e.value)

    def _var(self, e):
        hit = self.var_map.get(e)
        if hit is not None:
            return hit
        return ConstIntBound(0, POS_INF) if isinstance(e, E.SizeVar) else everything(e.dtype)

    def _add(self, e):
        a, b = self(e.a), self(e.b)
        return ConstIntBound(inf_add(a.min_value, b.min_value), inf_add(a.max_value, b.max_value))

    def _sub(self, e):
        a, b = self(e.a), self(e.b)
        return ConstIntBound(inf_add(a.min_value, _neg(b.max_value)),
                             inf_add(a.max_value, _neg(b.min_value)))

    def _mul(self, e):
        return _corners(self(e.a), self(e.b), inf_mul)

    def _floordiv(self, e):
        return _division(self(e.a), _no_zero_divisor(self(e.b), e), e.dtype, inf_floordiv)

    def _truncdiv(self, e):
        return _division(self(e.a), _no_zero_divisor(self(e.b), e), e.dtype, inf_truncdiv)

    def _floormod(self, e):
        a, b = self(e.a), _no_zero_divisor(self(e.b), e)
        if b.min_value > 0:
            cap = inf_add(b.max_value, -1)
            if a.min_value >= 0:
                return a if a.max_value < b.min_value else make_bound(0, min(a.max_value, cap))
            return make_bound(0, cap)
        return intersect(make_bound(min(0, inf_add(b.min_value, 1)),
                                    max(0, inf_add(b.max_value, -1))), everything(e.dtype))

    def _truncmod(self, e):
        a, b = self(e.a), _no_zero_divisor(self(e.b), e)
        if b.min_value <= 0:
            return everything(e.dtype)
        cap = inf_add(b.max_value, -1)
        if a.min_value >= 0:
            return a if a.max_value < b.min_value else make_bound(0, min(a.max_value, cap))
        return make_bound(max(a.min_value, -cap), min(max(a.max_value, 0), cap))

    def _min(self, e):
        a, b = self(e.a), self(e.b)
        return ConstIntBound(min(a.min_value, b.min_value), min(a.max_value, b.max_value))

    def _max(self, e):
        a, b = self(e.a), self(e.b)
        return ConstIntBound(max(a.min_value, b.min_value), max(a.max_value, b.max_value))

    def _select(self, e):
        return union(self(e.true_value), self(e.false_value))

    def _cast(self, e):
        return intersect(self(e.value), everything(e.dtype))

    def _let(self, e):
        if e.var in self.var_map:
            return self(e.body)
        self.var_map[e.var] = self(e.value)
        try:
            return self(e.body)
        finally:
            del self.var_map[e.var]

    def _call(self, e):
        if e.op == "tir.shift_right":
            return _corners(self(e.args[0]), self(e.args[1]), inf_shr)
        if e.op == "tir.shift_left":
            a, b = self(e.args[0]), self(e.args[1])
            if a.min_value < 0 or b.min_value < 0:
                return everything(e.dtype)
            return _corners(a, b, inf_shl)
        if e.op == "tir.bitwise_and":
            a, b = self(e.args[0]), self(e.args[1])
            if a.min_value >= 0 and b.min_value >= 0:
                return make_bound(0, min(a.max_value, b.max_value))
            if b.min_value >= 0:
                return make_bound(0, b.max_value)
            if a.min_value >= 0:
                return make_bound(0, a.max_value)
        if e.op == "tir.if_then_else":
            return union(self(e.args[1]), self(e.args[2]))
        return everything(e.dtype)

    def _ramp(self, e):
        from ..tir import op
        return union(self(e.base), self(op.add(e.base, op.mul(e.stride, e.lanes - 1))))

    def _broadcast(self, e):
        return self(e.value)


_VISIT = {
    E.IntImm: ConstIntBoundAnalyzer._int, E.Var: ConstIntBoundAnalyzer._var,
    E.SizeVar: ConstIntBoundAnalyzer._var, E.Add: ConstIntBoundAnalyzer._add,
    E.Sub: ConstIntBoundAnalyzer._sub, E.Mul: ConstIntBoundAnalyzer._mul,
    E.FloorDiv: ConstIntBoundAnalyzer._floordiv, E.Div: ConstIntBoundAnalyzer._truncdiv,
    E.FloorMod: ConstIntBoundAnalyzer._floormod, E.Mod: ConstIntBoundAnalyzer._truncmod,
    E.Min: ConstIntBoundAnalyzer._min, E.Max: ConstIntBoundAnalyzer._max,
    E.Select: ConstIntBoundAnalyzer._select, E.Cast: ConstIntBoundAnalyzer._cast,
    E.Let: ConstIntBoundAnalyzer._let, E.Call: ConstIntBoundAnalyzer._call,
    E.Ramp: ConstIntBoundAnalyzer._ramp, E.Broadcast: ConstIntBoundAnalyzer._broadcast,
}


def detect_bound_info(cond):
    """(expr, bound) pairs implied by the conjuncts of `cond` (`c <= x`, `x < c`, `x == c`)."""
    info = []
    for part in extract_constraints(cond):
        a, b = getattr(part, "a", None), getattr(part, "b", None)
        found = _bound_from_comparison(part, a, b)
        if found is not None and not isinstance(found[0], E.IntImm):
            info.append((found[0], make_bound(*found[1])))
    return info


def _bound_from_comparison(part, a, b):
    const_a, const_b = isinstance(a, E.IntImm), isinstance(b, E.IntImm)
    if isinstance(part, E.LE):
        if const_a:
            return b, (a.value, POS_INF)
        if const_b:
            return a, (NEG_INF, b.value)
    elif isinstance(part, E.GE):
        if const_b:
            return a, (b.value, POS_INF)
        if const_a:
            return b, (NEG_INF, a.value)
    elif isinstance(part, E.LT):
        if const_a:
            return b, (a.value + 1, POS_INF)
        if const_b:
            return a, (NEG_INF, b.value - 1)
    elif isinstance(part, E.GT):
        if const_b:
            return a, (b.value + 1, POS_INF)
        if const_a:
            return b, (NEG_INF, a.value - 1)
    elif isinstance(part, E.EQ):
        if const_b:
            return a, (b.value, b.value)
        if const_a:
            return b, (a.value, a.value)
    return None


def extract_constraints(cond, out=None):
    """The conjuncts of an `And` tree, then the whole condition (TVM's ExtractConstraints),
    appended to `out` (a new list by default). Recursive itself: a closure calling
    itself would be a reference cycle made at every call."""
    out = [] if out is None else out
    if isinstance(cond, E.And):
        extract_constraints(cond.a, out)
        extract_constraints(cond.b, out)
    out.append(cond)
    return out
