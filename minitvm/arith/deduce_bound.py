"""DeduceBound: the values of one variable for which a comparison holds (TVM's
`arith::DeduceBound`), for LoopPartition.

`deduce_bound(v, cond, hint_map, relax_map)` for `cond` a comparison in which `v` occurs
once, through additions, subtractions, multiplications by a value of known sign and floor
divisions, gives the interval `(lo, hi)` of `v` (None = unbounded) on which `cond` holds
for every value of the variables of `relax_map` ({Var: IntSet}), or None when it cannot
tell. The comparison is first relaxed over `relax_map` (`i_outer * 4 + i_inner < n` with
i_inner in [0, 3] becomes `i_outer * 4 + 3 <= n - 1`), then the operations around `v` are
undone one by one on the other side, rounding so the bound stays sufficient
(`i_outer <= (n - 4) // 4`). Signs of operands are judged over `hint_map`.
"""
from __future__ import annotations

from ..tir import dtype as dt
from ..tir import expr as E
from ..tir import op
from ..tir.functor import post_order_visit
from .analyzer import Analyzer
from .int_set import eval_set, sign

GREATER, LESS, EQUAL = "greater", "less", "equal"
_REVERSE = {GREATER: LESS, LESS: GREATER, EQUAL: EQUAL}


def deduce_bound(v, cond, hint_map, relax_map):
    """(lo, hi) of `v` where `cond` holds, or None (see the module docstring)."""
    start = _transform(v, cond)
    if start is None:
        return None
    ana = Analyzer()        # one for every question below (none binds anything)
    expr, result, comp = start
    relaxed = _relax(ana, expr, result, comp, relax_map)
    if relaxed is None:
        return None
    expr, result = relaxed
    path = _path(v, expr)
    if not path:
        return None
    deduced = _walk(ana, path, result, comp, hint_map)
    if deduced is None:
        return None
    result, comp = deduced
    result = ana.simplify(result)
    if comp == EQUAL:
        return result, result
    return (result, None) if comp == GREATER else (None, result)


def _count(v, e):
    found = []
    post_order_visit(e, lambda n: found.append(n) if n is v else None)
    return len(found)


def _transform(v, cond):
    """`cond` as (expression holding v, the other side, comparison): `a < b` is
    `a <= b - 1`, `a > b` is `a >= b + 1`."""
    if not isinstance(cond, (E.LT, E.LE, E.GT, E.GE, E.EQ)) or _count(v, cond) != 1:
        return None
    left = _count(v, cond.a) == 1
    expr, other = (cond.a, cond.b) if left else (cond.b, cond.a)
    one = op.const(1, other.dtype)
    if isinstance(cond, E.EQ):
        return expr, other, EQUAL
    # with v on the left: a < b -> a <= b - 1; with v on the right, b > a - 1 ...
    less = isinstance(cond, (E.LT, E.LE)) == left
    strict = isinstance(cond, (E.LT, E.GT))
    if not strict:
        return expr, other, LESS if less else GREATER
    return (expr, op.sub(other, one), LESS) if less else (expr, op.add(other, one), GREATER)


def _relax(ana, expr, result, comp, relax_map):
    a, b = eval_set(expr, relax_map), eval_set(result, relax_map)
    if (a.min is None and a.max is None) or (b.min is None and b.max is None):
        return None
    if comp == EQUAL:
        if not (a.is_point or _same(ana, a)) or not (b.is_point or _same(ana, b)):
            return None
        return a.min, b.min
    expr, result = (a.min, b.max) if comp == GREATER else (a.max, b.min)
    if expr is None or result is None:
        return None
    return expr, result


def _same(ana, s):
    return s.bounded and ana.can_prove(op.equal(s.min, s.max))


def _path(v, expr):
    """The nodes from `expr` down to `v`, or [] when `v` is not there."""
    if expr is v:
        return [v]
    for name in ("a", "b"):
        child = getattr(expr, name, None)
        if isinstance(child, E.PrimExpr):
            below = _path(v, child)
            if below:
                return [expr] + below
    return []


def _sign(ana, e, hint_map):
    """1, -1 or 0 (unknown): the sign of `e` over `hint_map`."""
    if dt.is_uint(e.dtype):
        return 1
    s = eval_set(e, hint_map)
    return sign(s.min, s.max, ana)


def _walk(ana, path, result, comp, hint_map):
    """Undo the operations on the path to the variable; (result, comparison) or None."""
    for node, below in zip(path, path[1:]):
        left = node.a is below
        other = node.b if left else node.a
        if isinstance(node, E.Add):
            result = op.sub(result, other)
        elif isinstance(node, E.Sub):
            if left:
                result = op.add(result, node.b)
            else:
                result, comp = op.sub(node.a, result), _REVERSE[comp]
        elif isinstance(node, E.Mul):
            sign = _sign(ana, other, hint_map)
            if sign == 0:
                return None
            if sign < 0:
                comp = _REVERSE[comp]
            divided = ana.can_prove(op.equal(op.floormod(result, other),
                                             op.const(0, other.dtype)))
            result = op.floordiv(result, other)
            if not divided:
                if comp == EQUAL:
                    return None
                if comp == GREATER:
                    result = op.add(result, op.const(1, result.dtype))
        elif isinstance(node, E.FloorDiv) and left:
            deduced = _undo_floordiv(ana, node.b, result, comp, hint_map)
            if deduced is None:
                return None
            result, comp = deduced
        else:
            return None
    return result, comp


def _undo_floordiv(ana, divisor, result, comp, hint_map):
    sign = _sign(ana, divisor, hint_map)
    if sign == 0 or comp == EQUAL:
        return None
    one = op.const(1, divisor.dtype)
    if sign < 0:
        comp, divisor, result = _REVERSE[comp], op.neg(divisor), op.neg(result)
    if comp == GREATER:
        result = op.mul(result, divisor)
    else:
        result = op.sub(op.add(op.mul(result, divisor), divisor), one)
    if sign < 0:
        result = op.add(op.sub(result, divisor), one)
    return result, comp
