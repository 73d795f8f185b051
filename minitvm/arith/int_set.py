"""Integer interval sets (TVM's `arith::IntervalSet`): the ranges bound inference works in.

An `IntSet` is `[min, max]` with symbolic bounds (None = unbounded). `eval_set(expr,
dom)` bounds an index expression when its variables range over `dom` ({Var: IntSet}):
the region of a tensor that a loop nest reads. Bounds stay expressions, e.g. the rows a
tile reads are `[y_outer*7, y_outer*7 + 8]`; `cover_range` turns a set into the
`Range(min, extent)` that is allocated and iterated.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..tir import expr as E
from ..tir import op as _op
from ..tir.functor import Visitor
from .analyzer import Analyzer

_MAX_DEPTH = 8


@dataclass(frozen=True, eq=False)
class IntSet:
    """The integers in [min, max]; a None bound is infinite."""
    min: Optional[E.PrimExpr]
    max: Optional[E.PrimExpr]

    @staticmethod
    def point(value):
        value = _op.convert(value)
        return IntSet(value, value)

    @staticmethod
    def interval(lo, hi):
        return IntSet(_op.convert(lo), _op.convert(hi))

    @staticmethod
    def everything():
        return IntSet(None, None)

    @staticmethod
    def from_range(r):
        if _is_const(r.extent, 1):
            return IntSet.point(r.min)
        return IntSet(r.min, r.min + r.extent - 1)

    @property
    def is_point(self):
        return self.min is not None and self.min is self.max

    @property
    def bounded(self):
        return self.min is not None and self.max is not None

    def match_range(self, r):
        """True when the set is provably the whole of Range `r`."""
        if not self.bounded:
            return False
        ana = Analyzer()
        return (_is_const(ana.simplify(self.min - r.min), 0)
                and _is_const(ana.simplify(self.max - (r.min + r.extent - 1)), 0))

    def cover_range(self, default):
        """The smallest Range holding the set (`default` if it is unbounded)."""
        if not self.bounded:
            return default
        ana = Analyzer()
        if self.is_point:
            return E.Range(ana.simplify(self.min), E.IntImm(self.min.dtype, 1))
        return E.Range(ana.simplify(self.min), ana.simplify(self.max + 1 - self.min))


def _is_const(e, value):
    return isinstance(e, E.IntImm) and e.value == value


def union(sets):
    """The smallest interval holding every set (TVM's arith::Union)."""
    if len(sets) == 1:
        return sets[0]
    lo, hi = sets[0].min, sets[0].max
    for s in sets[1:]:
        lo = None if lo is None or s.min is None else _op.min(lo, s.min)
        hi = None if hi is None or s.max is None else _op.max(hi, s.max)
    ana = Analyzer()
    return IntSet(None if lo is None else ana.simplify(lo), None if hi is None else
                  ana.simplify(hi))


class RangeSets:
    """The domain {Var: IntSet} of the loop variables of `ranges` ({IterVar: Range}),
    each set made when first asked for: a bound check reads a few variables of the
    many a schedule has."""

    def __init__(self, ranges):
        self._ranges = {iv.var: r for iv, r in ranges.items()}
        self._sets = {}

    def get(self, var, default=None):
        found = self._sets.get(var)
        if found is None:
            r = self._ranges.get(var)
            if r is None:
                return default
            found = self._sets[var] = IntSet.from_range(r)
        return found


def eval_set(expr, dom):
    """Bound `expr` when each Var in `dom` ranges over its IntSet (others are points);
    `dom` is a dict or anything with its `get` (RangeSets)."""
    return _Evaluator(dom).eval(_op.convert(expr))


def _add(a, b):
    return None if a is None or b is None else a + b


def _sub(a, b):
    return None if a is None or b is None else a - b


class _Evaluator(Visitor):
    def __init__(self, dom):
        self.dom = dom
        self.depth = 0

    def eval(self, expr):
        return self.visit(expr)

    def generic_visit(self, node):
        return IntSet.everything()

    def visit_IntImm(self, node):
        return IntSet.point(node)

    def visit_Var(self, node):
        s = self.dom.get(node)
        if s is None or (s.min is node and s.max is node):
            return IntSet.point(node)
        if self.depth >= _MAX_DEPTH:
            return s
        # the domain's own bounds may hold variables that are relaxed too
        self.depth += 1
        lo = None if s.min is None else self.eval(s.min).min
        hi = None if s.max is None else self.eval(s.max).max
        self.depth -= 1
        return IntSet(lo, hi)

    def _binary(self, node, combine):
        a, b = self.eval(node.a), self.eval(node.b)
        if a.is_point and b.is_point and a.min is node.a and b.min is node.b:
            return IntSet.point(node)
        return combine(a, b)

    def visit_Add(self, node):
        def combine(a, b):
            if a.is_point and b.is_point:
                return IntSet.point(a.min + b.min)
            return IntSet(_add(a.min, b.min), _add(a.max, b.max))
        return self._binary(node, combine)

    def visit_Sub(self, node):
        def combine(a, b):
            if a.is_point and b.is_point:
                return IntSet.point(a.min - b.min)
            return IntSet(_sub(a.min, b.max), _sub(a.max, b.min))
        return self._binary(node, combine)

    def visit_Mul(self, node):
        return self._binary(node, _mul)

    def visit_FloorDiv(self, node):
        return self._binary(node, _floordiv)

    def visit_FloorMod(self, node):
        return self._binary(node, _floormod)

    def visit_Min(self, node):
        def combine(a, b):
            lo = None if a.min is None or b.min is None else _op.min(a.min, b.min)
            hi = b.max if a.max is None else a.max if b.max is None else _op.min(a.max, b.max)
            return IntSet(lo, hi)
        return self._binary(node, combine)

    def visit_Max(self, node):
        def combine(a, b):
            lo = b.min if a.min is None else a.min if b.min is None else _op.max(a.min, b.min)
            hi = None if a.max is None or b.max is None else _op.max(a.max, b.max)
            return IntSet(lo, hi)
        return self._binary(node, combine)

    def visit_Cast(self, node):
        s = self.eval(node.value)
        return IntSet(None if s.min is None else _op.cast(node.dtype, s.min),
                      None if s.max is None else _op.cast(node.dtype, s.max))

    def visit_Select(self, node):
        return union([self.eval(node.true_value), self.eval(node.false_value)])

    def visit_Call(self, node):
        if node.op == "tir.if_then_else":
            return union([self.eval(node.args[1]), self.eval(node.args[2])])
        return IntSet.everything()


def sign(lo, hi, analyzer, strict=True):
    """The sign of a value known to lie in [lo, hi] (None: unbounded): 1 when lo > 0 is
    provable, -1 when hi < 0 is, else 0 (unknown). TVM has two such tests: bound
    deduction's `IntSet::GetSignType` is strict; interval arithmetic (`Combine` of `*`,
    `//`, `%`) asks lo >= 0, which `strict=False` gives."""
    zero = None if lo is None else _op.const(0, lo.dtype)
    if lo is not None and analyzer.can_prove(_op.greater(lo, zero) if strict
                                             else _op.greater_equal(lo, zero)):
        return 1
    if hi is not None and analyzer.can_prove(_op.less(hi, _op.const(0, hi.dtype))):
        return -1
    return 0


def _sign(k):
    """The sign of the constant factor `k` of interval arithmetic (0 counts as positive)."""
    return sign(k, k, Analyzer(), strict=False)


def _mul(a, b):
    if a.is_point and b.is_point:
        return IntSet.point(a.min * b.min)
    if a.is_point:
        a, b = b, a
    if not b.is_point:
        return IntSet.everything()
    k = b.min
    if _is_const(k, 0):
        return b
    if _is_const(k, 1):
        return a
    sign = _sign(k)
    if sign > 0:
        return IntSet(None if a.min is None else a.min * k, None if a.max is None else a.max * k)
    if sign < 0:
        return IntSet(None if a.max is None else a.max * k, None if a.min is None else a.min * k)
    return IntSet.everything()


def _floordiv(a, b):
    if a.is_point and b.is_point:
        return IntSet.point(_op.floordiv(a.min, b.min))
    if not b.is_point:
        return IntSet.everything()
    k = b.min
    if _is_const(k, 1):
        return a
    sign = _sign(k)
    if sign > 0:
        return IntSet(None if a.min is None else _op.floordiv(a.min, k),
                      None if a.max is None else _op.floordiv(a.max, k))
    if sign < 0:
        return IntSet(None if a.max is None else _op.floordiv(a.max, k),
                      None if a.min is None else _op.floordiv(a.min, k))
    return IntSet.everything()


def _floormod(a, b):
    if a.is_point and b.is_point:
        return IntSet.point(_op.floormod(a.min, b.min))
    if not b.is_point or _sign(b.min) <= 0:
        return IntSet.everything()
    k = b.min
    if isinstance(k, E.IntImm) and a.bounded:
        ana = Analyzer()
        q_lo, q_hi = _op.floordiv(a.min, k), _op.floordiv(a.max, k)
        if ana.can_prove(_op.equal(q_lo, q_hi)):
            # the whole interval lies in one period: a mod k = a - q*k
            return IntSet(a.min - k * q_lo, a.max - k * q_lo)
    return IntSet(_op.const(0, k.dtype), k - 1)
