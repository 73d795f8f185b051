"""Rewrite rules for arithmetic nodes (from TVM's rewrite_simplify.cc, most from Halide).

Each table maps "index" (int32/int64 operands) and "any" (other dtypes) to an
ordered list; the first rule that matches wins. A rule is `Rule(src, dst, cond)`
(see `pattern.py`) or a function `(expr, simplifier) -> expr | None` for the few
steps that consult the bound analyzer directly.
"""
from __future__ import annotations

from ..tir import expr as E
from ..tir import op
from . import rules_vector
from .pattern import (PVar, Rule, floordiv, floormod, one_like, pmax, pmin, select, tdiv,
                      tmod, zero_like)

x, y, z = PVar("x"), PVar("y"), PVar("z")
b1, b2, s1, s2 = PVar("b1"), PVar("b2"), PVar("s1"), PVar("s2")
c1, c2, c3 = PVar("c1", True), PVar("c2", True), PVar("c3", True)


def _neg_pair(m, s):
    return m.c1 == -m.c2


def _c2_pos(m, s):
    return m.c2 > 0


def _c1_nonzero(m, s):
    return m.c1 != 0


def _c3_is_c1_c2(m, s):
    return m.c1 != 0 and m.c3 == m.c1 * m.c2


SELECT_ADD = [
    Rule(select(x, b1, b2) + select(x, s1, s2), select(x, b1 + s1, b2 + s2)),  # branchwise sum
]

ADD_INDEX = [
    Rule((x - y) + y, x),                                       # cancel
    Rule(x + (y - x), y),                                       # cancel
    Rule((x - y) + (y - z), x - z),                             # telescoping
    Rule((x - y) + (z - x), z - y),                             # telescoping
    Rule(pmin(x, y - z) + z, pmin(x + z, y)),                   # move z into min
    Rule(pmin(x - z, y) + z, pmin(x, y + z)),
    Rule(pmax(x, y - z) + z, pmax(x + z, y)),                   # move z into max
    Rule(pmax(x - z, y) + z, pmax(x, y + z)),
    Rule(pmin(x, y + z * c1) + z * c2, pmin(x + z * c2, y), _neg_pair),
    Rule(pmax(x, y + z * c1) + z * c2, pmax(x + z * c2, y), _neg_pair),
    Rule(pmin(y + z * c1, x) + z * c2, pmin(x + z * c2, y), _neg_pair),
    Rule(pmax(y + z * c1, x) + z * c2, pmax(x + z * c2, y), _neg_pair),
    Rule([pmax(x, y) + pmin(x, y), pmin(x, y) + pmax(x, y),     # max + min = sum
          pmax(x, y) + pmin(y, x), pmin(x, y) + pmax(y, x)], x + y),
    Rule(pmin(x, y + c1) + c2, pmin(x + c2, y), _neg_pair),     # constant into min
    Rule(pmin(x + c1, y) + c2, pmin(x, y + c2), _neg_pair),
    Rule(pmax(x, y + c1) + c2, pmax(x + c2, y), _neg_pair),     # constant into max
    Rule(pmax(x + c1, y) + c2, pmax(x, y + c2), _neg_pair),
    Rule((x + c1) + c2, x + (c1 + c2)),                         # fold constants
    Rule(x + x, x * 2),                                         # coefficient folding
    Rule([x * y + x, y * x + x, x + y * x, x + x * y], (y + 1) * x),
    Rule([x * y + x * z, y * x + x * z, x * y + z * x, y * x + z * x], (y + z) * x),
    Rule(tdiv(x, c1) * c1 + tmod(x, c1), x),                    # div/mod recombine
    Rule([floordiv(x, y) * y + floormod(x, y), y * floordiv(x, y) + floormod(x, y),
          floormod(x, y) + floordiv(x, y) * y, floormod(x, y) + y * floordiv(x, y)], x),
    Rule(floordiv(floormod(x, c2) + c1, c2) + floordiv(x, c2), floordiv(x + c1, c2), _c2_pos),
    Rule(floordiv(x, 2) + floormod(x, 2), floordiv(x + 1, 2), recursive=True),
    Rule(floormod(x + c1, 2) + floormod(x, 2), one_like(x), lambda m, s: m.c1 % 2 == 1),
    Rule(floormod(x, 2) + floormod(x + c1, 2), one_like(x), lambda m, s: m.c1 % 2 == 1),
    # canonical order: constants last, min/max first, products before remainders
    Rule([x + (c1 - y), (c1 - y) + x], (x - y) + c1, recursive=True),
    Rule([(x + c1) + y, x + (c1 + y), x + (y + c1)], (x + y) + c1, recursive=True),
    Rule(x + pmax(y, z), pmax(y, z) + x, recursive=True),
    Rule(x + pmin(y, z), pmin(y, z) + x, recursive=True),
    Rule(tmod(y, c1) + x * c1, x * c1 + tmod(y, c1), recursive=True),
    Rule(floormod(y, c1) + x * c1, x * c1 + floormod(y, c1), recursive=True),
] + SELECT_ADD

ADD = {"index": ADD_INDEX, "any": SELECT_ADD + rules_vector.ADD}

SELECT_SUB = [
    Rule(select(x, b1, b2) - select(x, s1, s2), select(x, b1 - s1, b2 - s2)),  # branchwise
    Rule(select(x, y, z) - z, select(x, y - z, zero_like(z))),
    Rule(select(x, y, z) - y, select(x, zero_like(y), z - y)),
]


def _min_diff_const(m, s):
    return s.can_prove_equal(op.sub(op.sub(m.b1, m.s1), op.sub(m.b2, m.s2)), 0)


SUB_INDEX = [
    Rule([(x + y) - y, (y + x) - y], x),                        # cancel
    Rule([x - (y + x), x - (x + y)], 0 - y),
    Rule([pmin(x, y) - y, x - pmax(y, x)], pmin(x - y, 0)),     # min/max against a term
    Rule([x - pmax(x, y), pmin(y, x) - y], pmin(0, x - y)),
    Rule([pmax(x, y) - y, x - pmin(y, x)], pmax(x - y, 0)),
    Rule([x - pmin(x, y), pmax(y, x) - y], pmax(0, x - y)),
    Rule(x - x, zero_like(x)),                                  # coefficient folding
    Rule([x * y - x, y * x - x], (y - 1) * x),
    Rule([x - y * x, x - x * y], (1 - y) * x),
    Rule([x * y - x * z, y * x - x * z, x * y - z * x, y * x - z * x], (y - z) * x),
    Rule((x + c1) - c2, x + (c1 - c2)),                         # constant cancellation
    Rule((c1 - x) - (c2 - y), (y - x) + (c1 - c2)),
    Rule([(x + y) - (x + z), (x + y) - (z + x), (y + x) - (z + x), (y + x) - (x + z)], y - z),
    Rule([pmin(x + y, z) - x, pmin(y + x, z) - x], pmin(y, z - x)),
    Rule([pmin(z, x + y) - x, pmin(z, y + x) - x], pmin(z - x, y)),
    Rule([pmax(x + y, z) - x, pmax(y + x, z) - x], pmax(y, z - x)),
    Rule([pmax(z, x + y) - x, pmax(z, y + x) - x], pmax(z - x, y)),
    Rule([x - pmin(x + y, z), x - pmin(y + x, z)], pmax(0 - y, x - z)),
    Rule([x - pmin(z, x + y), x - pmin(z, y + x)], pmax(x - z, 0 - y)),
    Rule([x - pmax(x + y, z), x - pmax(y + x, z)], pmin(0 - y, x - z)),
    Rule([x - pmax(z, x + y), x - pmax(z, y + x)], pmin(x - z, 0 - y)),
    Rule(pmin(x, y) - pmin(y, x), zero_like(x)),
    Rule(pmax(x, y) - pmax(y, x), zero_like(x)),
    Rule([pmin(b1, b2) - pmin(s1, s2), pmin(b1, b2) - pmin(s2, s1)], b1 - s1, _min_diff_const),
    Rule([pmax(b1, b2) - pmax(s1, s2), pmax(b1, b2) - pmax(s2, s1)], b1 - s1, _min_diff_const),
    Rule(x - tdiv(x, c1) * c1, tmod(x, c1), _c1_nonzero),       # x - x/c*c = x%c
    Rule(tdiv(x, c1) * c1 - x, 0 - tmod(x, c1), _c1_nonzero),
    Rule(x - floordiv(x, c1) * c1, floormod(x, c1), _c1_nonzero),
    Rule(floordiv(x, c1) * c1 - x, 0 - floormod(x, c1), _c1_nonzero),
    Rule(x - floordiv(x + y, c1) * c1, floormod(x + y, c1) - y, _c1_nonzero),
    Rule(floordiv(x + y, c1) * c1 - x, y - floormod(x + y, c1), _c1_nonzero),
    Rule(x - floordiv(x - y, c1) * c1, floormod(x - y, c1) + y, _c1_nonzero),
    Rule(floordiv(x - y, c1) * c1 - x, 0 - floormod(x - y, c1) - y, _c1_nonzero),
    Rule(x * c2 - floordiv(x, c1) * c3, floormod(x, c1) * c2, _c3_is_c1_c2),
    Rule(floordiv(x, c1) * c3 - x * c2, 0 - floormod(x, c1) * c2, _c3_is_c1_c2),
    Rule(floordiv(x + c1, c3) - floordiv(x + c2, c3),           # difference of floors
         floordiv(floormod(x + floormod(c2, c3), c3) + (c1 - c2), c3), lambda m, s: m.c3 > 0),
    Rule(floordiv(x + c1, c3) - floordiv(x, c3), floordiv(floormod(x, c3) + c1, c3),
         lambda m, s: m.c3 > 0),
    # canonical order: subtraction of constants and products becomes addition
    Rule(x - c1, x + (0 - c1)),
    Rule((x + c1) - y, (x - y) + c1, recursive=True),
    Rule(x - (y + c1), (x - y) + (0 - c1), recursive=True),
    Rule(x - (y - z), (x + z) - y, recursive=True),
    Rule(x - y * c1, x + y * (0 - c1), recursive=True),
] + SELECT_SUB

SUB = {"index": SUB_INDEX, "any": SELECT_SUB + rules_vector.SUB}

MUL = {"index": [
    Rule((x + c1) * c2, x * c2 + c1 * c2),                      # distribute a constant
    Rule((x * c1) * c2, x * (c1 * c2)),                         # fold constants
    Rule([pmin(x, y) * pmax(x, y), pmax(x, y) * pmin(x, y)], x * y),
    Rule(x * (c1 * y), (x * y) * c1, recursive=True),           # constants last
    Rule(c1 * x, x * c1, recursive=True),
    Rule((x - y) * c1, (y - x) * (0 - c1), lambda m, s: m.c1 < 0, recursive=True),
], "any": rules_vector.MUL}


def _ge0(name):
    return lambda m, s: s.can_prove_greater_equal(getattr(m, name), 0)


def _divisible_nonneg(m, s):
    return (m.c1 >= 0 and m.c2 > 0 and m.c1 % m.c2 == 0
            and s.can_prove_greater_equal(m.x, 0) and s.can_prove_greater_equal(m.y, 0))


DIV = {"index": [
    Rule(tdiv(tdiv(x, c1), c2), tdiv(x, c1 * c2), lambda m, s: m.c1 > 0 and m.c2 > 0),
    Rule(tdiv(x * c1, c2), x * tdiv(c1, c2),                    # scale divisible by divisor
         lambda m, s: m.c1 > 0 and m.c2 > 0 and m.c1 % m.c2 == 0),
    Rule(tdiv(x * c1, c2), tdiv(x, tdiv(c2, c1)),              # divisor divisible by scale
         lambda m, s: m.c1 > 0 and m.c2 > 0 and m.c2 % m.c1 == 0),
    Rule(tdiv(x, x), one_like(x)),
    Rule([tdiv(x * c1, x), tdiv(c1 * x, x)], c1),
    Rule(tdiv(x * c1 + y, c2), x * tdiv(c1, c2) + tdiv(y, c2), _divisible_nonneg),  # split
    Rule(tdiv(y + x * c1, c2), tdiv(y, c2) + x * tdiv(c1, c2), _divisible_nonneg),
    Rule(tdiv(x + c1, c2), tdiv(x, c2) + tdiv(c1, c2),
         lambda m, s: m.c1 > 0 and m.c2 > 0 and m.c1 % m.c2 == 0
         and s.can_prove_greater_equal(m.x, 0)),
]}

MOD = {"index": [
    Rule(tmod(x * c1, c2), zero_like(x), lambda m, s: m.c2 != 0 and m.c1 % m.c2 == 0),
    Rule(tmod(x * c1 + y, c2), tmod(y, c2),                     # drop a non-negative multiple
         lambda m, s: m.c2 > 0 and m.c1 % m.c2 == 0
         and s.can_prove_greater_equal(op.mul(m.x, m.c1), 0)
         and s.can_prove_greater_equal(m.y, 0)),
    Rule(tmod(x + c1, c2), tmod(x, c2),
         lambda m, s: m.c2 > 0 and m.c1 >= 0 and m.c1 % m.c2 == 0
         and s.can_prove_greater_equal(m.x, 0)),
]}


def _scale_divides_divisor(m, s):
    """c2 == k * c1 and the rest y stays below c1: (x*c1 + y) // c2 == x // k."""
    return (m.c1 > 0 and m.c2 > 0 and m.c2 % m.c1 == 0
            and ("y" not in m or s.can_prove_equal(op.floordiv(m.y, m["c1"]), 0)))


FLOORDIV = {"index": [
    Rule(floordiv(floordiv(x, c1), c2), floordiv(x, c1 * c2),   # nested floors
         lambda m, s: m.c1 > 0 and m.c2 > 0),
    Rule(floordiv(floordiv(x, c1) + c2, c3), floordiv(x + c1 * c2, c1 * c3),
         lambda m, s: m.c1 > 0 and m.c3 > 0),
    Rule(floordiv(x * c1, c2), x * floordiv(c1, c2),            # exact scale
         lambda m, s: m.c2 > 0 and m.c1 % m.c2 == 0),
    Rule([floordiv(x * c1 + y, c2), floordiv(x * c1, c2), floordiv(y + x * c1, c2)],
         floordiv(x, floordiv(c2, c1)), _scale_divides_divisor),  # divisor splits the scale
    Rule(floordiv(x, x), one_like(x)),
    Rule([floordiv(x * c1, x), floordiv(c1 * x, x)], c1),
    Rule(floordiv(floormod(x, 2) + 1, 2), floormod(x, 2)),
    Rule(floordiv(pmin(x * c1, y), c2), pmin(x * floordiv(c1, c2), floordiv(y, c2)),  # into min
         lambda m, s: m.c2 > 0 and m.c1 % m.c2 == 0),
    Rule(floordiv(pmax(x * c1, y), c2), pmax(x * floordiv(c1, c2), floordiv(y, c2)),
         lambda m, s: m.c2 > 0 and m.c1 % m.c2 == 0),
    Rule(floordiv(x * c1 + y, c2), x * floordiv(c1, c2) + floordiv(y, c2),  # split off x
         lambda m, s: m.c2 > 0 and m.c1 % m.c2 == 0),
    Rule(floordiv(y + x * c1, c2), floordiv(y, c2) + x * floordiv(c1, c2),
         lambda m, s: m.c2 > 0 and m.c1 % m.c2 == 0),
    Rule(floordiv(x + c1, c2), floordiv(x, c2) + floordiv(c1, c2),
         lambda m, s: m.c2 > 0 and m.c1 % m.c2 == 0),
    Rule([floordiv(x + y, x), floordiv(y + x, x)], floordiv(y, x) + 1, _ge0("x")),  # symbolic
    Rule([floordiv(x * y, y), floordiv(y * x, y)], x, _ge0("y")),
    Rule([floordiv(x * z + y, z), floordiv(z * x + y, z)], x + floordiv(y, z), _ge0("z")),
    Rule([floordiv(y + x * z, z), floordiv(y + z * x, z)], floordiv(y, z) + x, _ge0("z")),
    Rule(floordiv(x - floormod(x, c1), c1), floordiv(x, c1), _c1_nonzero),  # remainder drops
]}


def _floormod_known(e, s):
    """floormod(x, c) from x's modular set, or x itself when already in [0, c)."""
    if not (isinstance(e.b, E.IntImm) and e.b.value > 0):
        return None
    coeff, base = s.analyzer.modular_set(e.a)
    if coeff % e.b.value == 0:
        return op.const(base % e.b.value, e.dtype)
    lo, hi = s.analyzer.const_int_bound(e.a)
    return e.a if lo >= 0 and hi < e.b.value else None


FLOORMOD = {"index": [
    Rule(floormod(x * c1, c2), zero_like(x), lambda m, s: m.c2 != 0 and m.c1 % m.c2 == 0),
    Rule(floormod(x * c1 + y, c2), floormod(x, floordiv(c2, c1)) * c1 + y,  # y below c1
         lambda m, s: m.c1 > 0 and m.c2 > 0 and m.c2 % m.c1 == 0
         and s.can_prove_equal(op.floordiv(m.y, m["c1"]), 0)),
    Rule(floormod(x * c1 + y, c2), floormod(y, c2),             # drop a multiple of c2
         lambda m, s: m.c2 > 0 and m.c1 % m.c2 == 0),
    Rule(floormod(x + c1, c2), floormod(x, c2), lambda m, s: m.c2 > 0 and m.c1 % m.c2 == 0),
    Rule(floormod(x + y * c1, c2), floormod(x, c2), lambda m, s: m.c2 > 0 and m.c1 % m.c2 == 0),
    Rule(floormod(x * c1, x * c2), x * floormod(c1, c2), lambda m, s: m.c2 != 0),  # common x
    Rule([floormod(x * y, y), floormod(y * x, y)], zero_like(y)),
    _floormod_known,                                            # by modular set or bounds
]}


def _bound_pick(pick_a):
    """min/max decided by constant bounds: `pick_a(a_bound, b_bound)` says a wins."""
    def rule(e, s):
        ab = s.analyzer.const_int_bound(e.a)
        bb = s.analyzer.const_int_bound(e.b)
        if pick_a(ab, bb):
            return e.a
        if pick_a(bb, ab):
            return e.b
        return None
    return rule


def _scale_rule(same, other, scale_cls, name):
    """min/max(x*c, y*c) and of two divisions by c: pull the scale out."""
    def rule(e, s):
        a, b = e.a, e.b
        if not (isinstance(a, scale_cls) and isinstance(b, scale_cls)
                and isinstance(a.b, E.IntImm) and isinstance(b.b, E.IntImm)
                and a.b.value == b.b.value):
            return None
        inner = (same if a.b.value > 0 else other)(a.a, b.a)
        return _SCALE_BUILD[scale_cls](inner, a.b)
    rule.__name__ = name
    return rule


_SCALE_BUILD = {E.Mul: op.mul, E.FloorDiv: op.floordiv, E.Div: lambda a, b: E.Div(a, b)}


def _scale_const(keep_low):
    """min(x*c1, c2) -> min(x, c2/c1)*c1 (max for negative c1); max symmetric."""
    def rule(e, s):
        if not (isinstance(e.a, E.Mul) and isinstance(e.a.b, E.IntImm)
                and isinstance(e.b, E.IntImm)):
            return None
        c1v, c2v = e.a.b.value, e.b.value
        if c1v == 0:
            return e.b if (c2v < 0 if keep_low else c2v > 0) else e.a.b
        if c2v % c1v != 0:
            return None
        same, other = (op.min, op.max) if keep_low else (op.max, op.min)
        return op.mul((same if c1v > 0 else other)(e.a.a, c2v // c1v), c1v)
    return rule


SELECT_MIN = [Rule(pmin(select(x, y, z), select(x, s1, s2)), select(x, pmin(y, s1), pmin(z, s2)))]
SELECT_MAX = [Rule(pmax(select(x, y, z), select(x, s1, s2)), select(x, pmax(y, s1), pmax(z, s2)))]

MIN = {"any": SELECT_MIN, "index": [
    Rule(pmin(x, x), x),
    _bound_pick(lambda a, b: a.max_value <= b.min_value),       # decided by bounds
    Rule(pmin(x + c1, x + c2), x + c1, lambda m, s: m.c1 < m.c2),  # constant offsets
    Rule(pmin(x + c1, x + c2), x + c2),
    Rule([pmin(x + c1, x), pmin(x, x + c1)], x + c1, lambda m, s: m.c1 < 0),
    Rule([pmin(x + c1, x), pmin(x, x + c1)], x),
    Rule(pmin(c1 - x, c2 - x), c1 - x, lambda m, s: m.c1 < m.c2),
    Rule(pmin(c1 - x, c2 - x), c2 - x),
    Rule([pmin(floordiv(x + c1, c2) * c2, x), pmin(x, floordiv(x + c1, c2) * c2),
          pmin(tdiv(x + c1, c2) * c2, x), pmin(x, tdiv(x + c1, c2) * c2)], x,
         lambda m, s: m.c2 > 0 and m.c1 + 1 == m.c2),
    Rule([pmin(x, floordiv(x, c2) * c2), pmin(floordiv(x, c2) * c2, x)],
         floordiv(x, c2) * c2, _c2_pos),
    Rule([pmin(pmax(x, y), pmin(x, y)), pmin(pmax(x, y), pmin(y, x)),
          pmin(pmin(x, y), pmax(x, y)), pmin(pmin(x, y), pmax(y, x)),
          pmin(pmin(x, y), x), pmin(pmin(x, y), y), pmin(x, pmin(x, y)),
          pmin(y, pmin(x, y))], pmin(x, y)),
    Rule([pmin(pmax(x, y), x), pmin(pmax(y, x), x), pmin(x, pmax(x, y)),
          pmin(x, pmax(y, x))], x),
    Rule(pmin(pmin(pmin(x, y), z), y), pmin(pmin(x, y), z)),
    Rule([pmin(pmax(x, y), pmax(x, z)), pmin(pmax(x, y), pmax(z, x)),
          pmin(pmax(y, x), pmax(x, z)), pmin(pmax(y, x), pmax(z, x))], pmax(pmin(y, z), x)),
    Rule([pmin(pmin(x, y), pmin(x, z)), pmin(pmin(x, y), pmin(z, x)),
          pmin(pmin(y, x), pmin(x, z)), pmin(pmin(y, x), pmin(z, x))], pmin(pmin(y, z), x)),
    Rule([pmin(y + x, z + x), pmin(y + x, x + z), pmin(x + y, x + z), pmin(x + y, z + x)],
         pmin(y, z) + x),
    Rule(pmin(y - x, z - x), pmin(y, z) - x),                   # sub distribution
    Rule(pmin(x - y, x - z), x - pmax(y, z)),
    Rule(pmin(pmin(x, c1), c2), pmin(x, pmin(c1, c2))),         # fold constants
    _scale_rule(op.min, op.max, E.Div, "min_truncdiv"),
    _scale_rule(op.min, op.max, E.FloorDiv, "min_floordiv"),
    _scale_rule(op.min, op.max, E.Mul, "min_mul"),
    _scale_const(keep_low=True),
    Rule(pmin(pmin(x, c1), y), pmin(pmin(x, y), c1), recursive=True),   # constants outermost
    Rule(pmin(c1 - x, c2), c1 - pmax(x, c1 - c2), lambda m, s: m.c2 != 0, recursive=True),
] + SELECT_MIN}

MAX = {"any": SELECT_MAX, "index": [
    Rule(pmax(x, x), x),
    _bound_pick(lambda a, b: a.min_value >= b.max_value),       # decided by bounds
    Rule(pmax(x + c1, x + c2), x + c1, lambda m, s: m.c1 > m.c2),  # constant offsets
    Rule(pmax(x + c1, x + c2), x + c2),
    Rule([pmax(x + c1, x), pmax(x, x + c1)], x + c1, lambda m, s: m.c1 > 0),
    Rule([pmax(x + c1, x), pmax(x, x + c1)], x),
    Rule(pmax(c1 - x, c2 - x), c1 - x, lambda m, s: m.c1 > m.c2),
    Rule(pmax(c1 - x, c2 - x), c2 - x),
    Rule([pmax(tdiv(x + c1, c2) * c2, x), pmax(x, tdiv(x + c1, c2) * c2)],
         tdiv(x + c1, c2) * c2, lambda m, s: m.c2 > 0 and m.c1 + 1 == m.c2),
    Rule([pmax(floordiv(x + c1, c2) * c2, x), pmax(x, floordiv(x + c1, c2) * c2)],
         floordiv(x + c1, c2) * c2, lambda m, s: m.c2 > 0 and m.c1 + 1 == m.c2),
    Rule([pmax(floordiv(x, c2) * c2, x), pmax(x, floordiv(x, c2) * c2)], x, _c2_pos),
    Rule([pmax(pmin(x, y), x), pmax(pmin(y, x), x), pmax(x, pmin(x, y)),
          pmax(x, pmin(y, x))], x),
    Rule([pmax(pmin(x, y), pmax(x, y)), pmax(pmin(x, y), pmax(y, x)),
          pmax(pmax(x, y), pmin(x, y)), pmax(pmax(x, y), pmin(y, x)),
          pmax(pmax(x, y), x), pmax(pmax(x, y), y), pmax(x, pmax(x, y)),
          pmax(y, pmax(x, y))], pmax(x, y)),
    Rule(pmax(pmax(pmax(x, y), z), y), pmax(pmax(x, y), z)),
    Rule([pmax(pmax(x, y), pmax(x, z)), pmax(pmax(x, y), pmax(z, x)),
          pmax(pmax(y, x), pmax(x, z)), pmax(pmax(y, x), pmax(z, x))], pmax(pmax(y, z), x)),
    Rule([pmax(pmin(x, y), pmin(x, z)), pmax(pmin(x, y), pmin(z, x)),
          pmax(pmin(y, x), pmin(x, z)), pmax(pmin(y, x), pmin(z, x))], pmin(pmax(y, z), x)),
    Rule([pmax(y + x, z + x), pmax(y + x, x + z), pmax(x + y, x + z), pmax(x + y, z + x)],
         pmax(y, z) + x),
    Rule(pmax(y - x, z - x), pmax(y, z) - x),                   # sub distribution
    Rule(pmax(x - y, x - z), x - pmin(y, z)),
    Rule(pmax(pmax(x, c1), c2), pmax(x, pmax(c1, c2))),         # fold constants
    _scale_rule(op.max, op.min, E.Div, "max_truncdiv"),
    _scale_rule(op.max, op.min, E.FloorDiv, "max_floordiv"),
    _scale_rule(op.max, op.min, E.Mul, "max_mul"),
    _scale_const(keep_low=False),
    Rule(pmax(pmax(x, c1), y), pmax(pmax(x, y), c1), recursive=True),   # constants outermost
    Rule(pmax(c1 - x, c2), c1 - pmin(x, c1 - c2), lambda m, s: m.c2 != 0, recursive=True),
] + SELECT_MAX}
