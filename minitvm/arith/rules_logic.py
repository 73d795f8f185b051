"""Rewrite rules for comparisons and logic (TVM's rewrite_simplify.cc).

Comparisons between index expressions are first decided with constant bounds
(`try_compare`); otherwise the rules below move constants to one side and
normalize `>=`/`>` into `<=`/`<` (done by the visitor) and `not` into comparisons.
"""
from __future__ import annotations

from math import gcd

from ..tir import expr as E
from ..tir import op
from .compare import CompareResult as CR
from .compare import is_index_type
from .pattern import (FALSE, TRUE, PVar, Rule, eq, floordiv, floormod, if_then_else, ne, pmax,
                      pmin, select, tdiv, tmod)

x, y, z = PVar("x"), PVar("y"), PVar("z")
c1, c2, c3 = PVar("c1", True), PVar("c2", True), PVar("c3", True)


def _pos(*names):
    return lambda m, s: all(getattr(m, n) > 0 for n in names)


LT_RULES = [
    Rule([x + y < x + z, x + y < z + x, y + x < x + z, y + x < z + x], y < z),  # cancel x
    Rule(y - x < z - x, y < z),
    Rule(x - y < x - z, z < y),
    Rule([x < x + z, x < z + x], 0 < z),
    Rule(x < x - z, z < 0),
    Rule(x * c1 < y * c1, x < y, lambda m, s: m.c1 > 0),       # divide out a scale
    Rule(x * c1 < y * c1, y < x, lambda m, s: m.c1 < 0),
    Rule(x * c2 < c1, x < tdiv(c1 - 1, c2) + 1, lambda m, s: m.c1 > 0 and m.c2 > 0),
    Rule(x * c2 < c1, x < tdiv(c1, c2), lambda m, s: m.c1 <= 0 and m.c2 > 0),
    Rule(x * c2 < c1, tdiv(c1 - 1, c2) - 1 < x, lambda m, s: m.c1 > 0 and m.c2 < 0),
    Rule(x * c2 < c1, tdiv(c1, c2) < x, lambda m, s: m.c1 <= 0 and m.c2 < 0),
    Rule(c1 < x * c2, tdiv(c1 + 1, c2) - 1 < x, lambda m, s: m.c1 < 0 and m.c2 > 0),
    Rule(c1 < x * c2, tdiv(c1, c2) < x, lambda m, s: m.c1 >= 0 and m.c2 > 0),
    Rule(c1 < x * c2, x < tdiv(c1 + 1, c2) + 1, lambda m, s: m.c1 < 0 and m.c2 < 0),
    Rule(c1 < x * c2, x < tdiv(c1, c2), lambda m, s: m.c1 >= 0 and m.c2 < 0),
    Rule(tdiv(x, c1) < c2, x < c1 * c2, _pos("c1", "c2")),      # division against constants
    Rule(tdiv(x, c1) < c2, x < c1 * (c2 - 1) + 1, lambda m, s: m.c1 > 0 and m.c2 <= 0),
    Rule(c1 < tdiv(x, c2), (c1 + 1) * c2 - 1 < x, lambda m, s: m.c1 >= 0 and m.c2 > 0),
    Rule(c1 < tdiv(x, c2), c1 * c2 < x, lambda m, s: m.c1 < 0 and m.c2 > 0),
    Rule(tdiv(x, c1) * c1 < x, 0 < tmod(x, c1), _pos("c1")),
    Rule(floordiv(x, c1) < c2, x < c1 * c2, _pos("c1")),
    Rule(c1 < floordiv(x, c2), (c1 + 1) * c2 - 1 < x, _pos("c2")),
    Rule(floordiv(x, c1) * c1 < x, 0 < floormod(x, c1), _pos("c1")),
    Rule(floordiv(x, c1) * c1 < x + y, 0 < floormod(x, c1) + y, _pos("c1")),
    Rule(floordiv(x, c1) * c1 < x - y, y < floormod(x, c1), _pos("c1")),
    Rule(floordiv(x + c2, c1) * c1 < x, c2 < floormod(x + c2, c1), _pos("c1")),
    Rule(floordiv(x + c2, c1) * c1 < x + y, c2 < floormod(x + c2, c1) + y, _pos("c1")),
    Rule(floordiv(x + c2, c1) * c1 < x - y, y < floormod(x + c2, c1) + (0 - c2), _pos("c1")),
    # split min/max against a bound into logic
    Rule(pmin(x, y) < z, (x < z) | (y < z), recursive=True),
    Rule(pmax(x, y) < z, (x < z) & (y < z), recursive=True),
    Rule(z < pmin(x, y), (z < x) & (z < y), recursive=True),
    Rule(z < pmax(x, y), (z < x) | (z < y), recursive=True),
    # constants to the left, variables to the right
    Rule([c1 < x + c2, c1 - x < c2], c1 - c2 < x, recursive=True),
    Rule([c1 < c2 - x, x + c1 < c2], x < c2 - c1, recursive=True),
    Rule(c1 < x - c2, c1 + c2 < x, recursive=True),
    Rule(x - c2 < c1, x < c1 + c2, recursive=True),
    Rule(x < c1 - y, x + y < c1, recursive=True),
    Rule(c1 - y < x, c1 < x + y, recursive=True),
    Rule(x < c1 + y, x - y < c1, recursive=True),
    Rule(c1 + y < x, c1 < x - y, recursive=True),
]


def _constant_offset(e):
    """(expr, offset) with `e == expr + offset` for `x + c`, `x - c`, `c - x` forms."""
    if isinstance(e, E.Add) and isinstance(e.b, E.IntImm):
        return e.a, e.b.value
    if isinstance(e, E.Sub) and isinstance(e.b, E.IntImm):
        return e.a, -e.b.value
    if isinstance(e, E.Sub) and isinstance(e.a, E.IntImm):
        return e.b, e.a.value
    return e, 0


def _merge_constants(e, s):
    lhs, lo = _constant_offset(e.a)
    rhs, ro = _constant_offset(e.b)
    if lo == 0 and ro == 0:
        return None
    diff = ro - lo
    if diff == 0:
        new = op.less(lhs, rhs)
    elif diff == 1:
        new = op.less_equal(lhs, rhs)
    elif diff < 0 and ro != 0:
        new = op.less(op.add(lhs, -diff), rhs)
    elif diff > 0 and lo != 0:
        new = op.less(lhs, op.add(rhs, diff))
    else:
        return None
    return s.recursive_rewrite(new)


def _common_factor(e, s):
    ma, mb = s.analyzer.modular_set(e.a), s.analyzer.modular_set(e.b)
    factor = gcd(gcd(ma.base, ma.coeff), gcd(mb.base, mb.coeff))
    if factor <= 1:
        return None
    return s.recursive_rewrite(op.less(op.floordiv(e.a, factor), op.floordiv(e.b, factor)))


def apply_lt(s, e):
    """ApplyRewriteRules(LT): decide by bounds, then the table, then constant merging."""
    if is_index_type(e.a.dtype):
        result = s.try_compare(e.a, e.b)
        if result == CR.LT:
            return op.const(True)
        if result in (CR.EQ, CR.GT, CR.GE):
            return op.const(False)
        out = s.apply_rules(e, LT_RULES)
        if out is not e:
            return out
        for step in (_merge_constants, _common_factor):
            out = step(e, s)
            if out is not None:
                return out
    return e


NOT_RULES = [
    Rule(~~x, x),                                               # double negation
    Rule(~(x <= y), y < x),
    Rule(~(x >= y), x < y),
    Rule(~(x < y), y <= x),
    Rule(~(x > y), x <= y),
    Rule(~eq(x, y), ne(x, y)),
    Rule(~ne(x, y), eq(x, y)),
    Rule(~(x | y), (~x) & (~y), recursive=True),                # De Morgan
    Rule(~(x & y), (~x) | (~y), recursive=True),
]


def apply_not(s, e):
    return s.apply_rules(e, NOT_RULES) if isinstance(e, E.Not) else e


def apply_eq(s, e):
    if is_index_type(e.a.dtype):
        result = s.try_compare(e.a, e.b)
        if result == CR.EQ:
            return op.const(True)
        if result in (CR.NE, CR.GT, CR.LT):
            return op.const(False)
    return s.apply_rules(e, EQ_RULES if is_index_type(e.a.dtype) else [])


EQ_RULES = [
    Rule(eq(c1, x), eq(x, c1)),                                 # constant on the right
    Rule(eq(x - c1, c2), eq(x, c2 + c1)),
    Rule(eq(c1 - x, c2), eq(x, c1 - c2)),
    Rule(eq(x + c1, c2), eq(x, c2 - c1)),
    Rule(eq(x * y, 0), eq(x, 0) | eq(y, 0), recursive=True),
    Rule(eq(x, x), TRUE),
]


def rewrite_lt(s, e):
    return apply_lt(s, e)


def rewrite_le(s, e):
    """a <= b is rewritten as not (b < a), then decided by bounds if still a `<=`."""
    ret = apply_not(s, E.Not(apply_lt(s, E.LT(e.b, e.a))))
    if isinstance(ret, E.LE) and is_index_type(ret.a.dtype):
        result = s.try_compare(ret.a, ret.b)
        if result in (CR.LE, CR.LT, CR.EQ):
            return op.const(True)
        if result == CR.GT:
            return op.const(False)
        if result == CR.NE:
            return apply_lt(s, E.LT(ret.a, ret.b))
        if result == CR.GE:
            return apply_eq(s, E.EQ(ret.a, ret.b))
    return ret


def rewrite_eq(s, e):
    return apply_eq(s, e)


def rewrite_ne(s, e):
    if is_index_type(e.a.dtype):
        result = s.try_compare(e.a, e.b)
        if result in (CR.NE, CR.GT, CR.LT):
            return op.const(True)
        if result == CR.EQ:
            return op.const(False)
        if result == CR.GE:
            return apply_lt(s, E.LT(e.b, e.a))
        if result == CR.LE:
            return apply_lt(s, E.LT(e.a, e.b))
    return apply_not(s, E.Not(apply_eq(s, E.EQ(e.a, e.b))))


def rewrite_not(s, e):
    return apply_not(s, e)


def _c_le(cond):
    return lambda m, s: cond(m.c1, m.c2)


AND_RULES = [
    Rule([eq(x, y) & ne(x, y), ne(x, y) & eq(x, y)], FALSE),   # contradictions
    Rule(x & ~x, FALSE),
    Rule([(x <= y) & (y < x), (y < x) & (x <= y)], FALSE),
    Rule([(x < c1) & (c2 < x), (c2 < x) & (x < c1)], FALSE, _c_le(lambda a, b: b + 1 >= a)),
    Rule([(x < c1) & (c2 <= x), (c2 <= x) & (x < c1), (x <= c1) & (c2 < x),
          (c2 < x) & (x <= c1)], FALSE, _c_le(lambda a, b: b >= a)),
    Rule([(x <= c1) & (c2 <= x), (c2 <= x) & (x <= c1)], FALSE, _c_le(lambda a, b: b > a)),
    Rule(eq(x, c1) & eq(x, c2), eq(x, c1) & eq(c1, c2)),
    Rule([eq(x, c1) & ne(x, c2), ne(x, c2) & eq(x, c1)], eq(x, c1) & ne(c1, c2)),
    Rule(x & (y & z), (x & y) & z, recursive=True),             # left-nested chains
]

OR_RULES = [
    Rule([eq(x, y) | ne(x, y), ne(x, y) | eq(x, y)], TRUE),    # tautologies
    Rule(x | ~x, TRUE),
    Rule([(x <= y) | (y < x), (y < x) | (x <= y)], TRUE),
    Rule((x < y) | (y < x), ne(x, y)),
    Rule([(x < c1) | (c2 < x), (c2 < x) | (x < c1)], TRUE, _c_le(lambda a, b: b < a)),
    Rule([(x <= c1) | (c2 < x), (c2 < x) | (x <= c1), (x < c1) | (c2 <= x),
          (c2 <= x) | (x < c1)], TRUE, _c_le(lambda a, b: b <= a)),
    Rule([(x <= c1) | (c2 <= x), (c2 <= x) | (x <= c1)], TRUE, _c_le(lambda a, b: b <= a + 1)),
    Rule(ne(x, c1) | ne(x, c2), ne(x, c1) | ne(c1, c2)),
    Rule([(x < y) | eq(x, y), (x < y) | eq(y, x), eq(x, y) | (x < y), eq(y, x) | (x < y)],
         x <= y, recursive=True),
    Rule(x | (y | z), (x | y) | z, recursive=True),             # left-nested chains
]


def rewrite_and(s, e):
    return s.apply_rules(e, AND_RULES)


def rewrite_or(s, e):
    return s.apply_rules(e, OR_RULES)


SELECT = [Rule(select(x, y, y), y)]                             # both branches equal


def _fold_shift(e, s):
    a, b = e.args
    if isinstance(a, E.IntImm) and isinstance(b, E.IntImm):
        return (op.shift_right if e.op == "tir.shift_right" else op.shift_left)(a, b)
    return None


def _call_rule(e, s):
    if e.op in ("tir.shift_right", "tir.shift_left"):
        return _fold_shift(e, s)
    if e.op == "tir.likely" and isinstance(e.args[0], E.IntImm):
        return e.args[0]
    return None


CALL = [
    _call_rule,
    Rule(if_then_else(x, if_then_else(y, z, c1), c2),           # merge nested conditions
         if_then_else(x & y, z, c2), lambda m, s: m.c1 == m.c2),
]
