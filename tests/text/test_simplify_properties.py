"""Property: simplification never changes the value of an expression.

Random integer expressions over bounded loop variables are simplified (with the
variables bound to their ranges) and both forms are evaluated at random points.
"""
from hypothesis import given, settings, strategies as st

from minitvm import tir as T
from minitvm.arith import Analyzer

from .evaluate import evaluate

VARS = [T.Var(n) for n in ("i", "j", "k")]
EXTENTS = [4, 7, 16]

leaf = st.one_of(st.sampled_from(VARS), st.integers(-20, 20).map(T.const))
small_positive = st.integers(1, 9).map(T.const)


def _compare(a, b, symbol):
    return {"<": T.expr.LT, "<=": T.expr.LE, ">": T.expr.GT, ">=": T.expr.GE,
            "==": T.expr.EQ, "!=": T.expr.NE}[symbol](a, b)


def _combine(children):
    pair = st.tuples(children, children)
    return st.one_of(
        pair.map(lambda p: p[0] + p[1]), pair.map(lambda p: p[0] - p[1]),
        st.tuples(children, st.integers(-5, 9)).map(lambda p: p[0] * p[1]),
        st.tuples(children, small_positive).map(lambda p: T.floordiv(p[0], p[1])),
        st.tuples(children, small_positive).map(lambda p: T.floormod(p[0], p[1])),
        pair.map(lambda p: T.min(p[0], p[1])), pair.map(lambda p: T.max(p[0], p[1])),
        st.tuples(children, small_positive).map(lambda p: T.expr.Div(p[0], p[1])),
        st.tuples(children, small_positive).map(lambda p: T.expr.Mod(p[0], p[1])),
        st.tuples(children, children, children).map(
            lambda p: T.if_then_else(p[0] < p[1], p[1], p[2])),
    )


int_exprs = st.recursive(leaf, _combine, max_leaves=8)
comparisons = st.tuples(int_exprs, int_exprs, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]))
conditions = st.recursive(
    comparisons.map(lambda c: _compare(*c)),
    lambda ch: st.one_of(st.tuples(ch, ch).map(lambda p: T.expr.And(*p)),
                         st.tuples(ch, ch).map(lambda p: T.expr.Or(*p)), ch.map(T.expr.Not)),
    max_leaves=4)
points = st.tuples(*[st.integers(0, n - 1) for n in EXTENTS])


def _bound_analyzer():
    ana = Analyzer()
    for var, extent in zip(VARS, EXTENTS):
        ana.bind(var, T.Range.from_min_extent(0, extent))
    return ana


@settings(max_examples=300, deadline=None)
@given(int_exprs, points)
def test_simplify_preserves_integer_values(expr, point):
    env = dict(zip(VARS, point))
    assert evaluate(_bound_analyzer().simplify(expr), env) == evaluate(expr, env)


@settings(max_examples=300, deadline=None)
@given(comparisons, points)
def test_simplify_preserves_comparisons(cmp, point):
    a, b, symbol = cmp
    expr = _compare(a, b, symbol)
    env = dict(zip(VARS, point))
    assert bool(evaluate(_bound_analyzer().simplify(expr), env)) == bool(evaluate(expr, env))


@settings(max_examples=200, deadline=None)
@given(int_exprs, points)
def test_const_int_bound_contains_the_value(expr, point):
    env = dict(zip(VARS, point))
    lo, hi = _bound_analyzer().const_int_bound(expr)
    assert lo <= evaluate(expr, env) <= hi


@settings(max_examples=200, deadline=None)
@given(conditions, points)
def test_simplify_preserves_conditions(cond, point):
    env = dict(zip(VARS, point))
    assert bool(evaluate(_bound_analyzer().simplify(cond), env)) == bool(evaluate(cond, env))
