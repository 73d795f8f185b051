"""Property: the simplifier's work grows with the size of an expression, not exponentially
with the nesting of `if_then_else` / `Select` / `min` inside conditions; and its cache
(minitvm/arith/memo.py) never changes a result.

The work is `Analyzer.visits`, the number of expression nodes the simplifiers visited
(a counter, not a timer). Without the cache, a condition holding a branch was
re-simplified several times per enclosing branch, so the visits multiplied with every
level of nesting (depth 3 of `nested` below took ~700,000 visits for 863 nodes).
"""
from dataclasses import replace

from hypothesis import given, settings, strategies as st

from minitvm import tir as T
from minitvm.arith import Analyzer
from minitvm.arith.rewrite import KnownFacts
from minitvm.tir.analysis import StructuralInterner, expr_complexity, expr_deep_equal
from minitvm.tir.functor import Mutator

from .evaluate import evaluate

I, J = T.Var("i"), T.Var("j")
EXTENTS = {I: 8, J: 5}
A = T.decl_buffer((8,), "int32", name="A")
# Visits per expression node: measured at most ~33 on these shapes; the margin allows
# rule changes, while an exponential blow-up exceeds it within two levels of nesting.
VISITS_PER_NODE = 80


def _analyzer(cache=None):
    ana = Analyzer(cache=cache)
    for var, extent in EXTENTS.items():
        ana.bind(var, T.Range.from_min_extent(0, extent))
    return ana


def _guarded_load(offset):
    """A[i + offset] where it is in bounds, else 0 (the shape padding produces)."""
    index = I + offset
    return T.if_then_else(index < 8, T.BufferLoad(A, (index,)), T.const(0))


leaf = st.one_of(st.sampled_from([I, J]), st.integers(-20, 40).map(T.const),
                 st.integers(0, 3).map(_guarded_load))
_COMPARE = [T.expr.LT, T.expr.LE, T.expr.EQ, T.expr.NE]


def _combine(children):
    pair = st.tuples(children, children)
    branch = st.tuples(st.sampled_from(_COMPARE), children, children, children, children)
    return st.one_of(
        pair.map(lambda p: p[0] + p[1]), pair.map(lambda p: p[0] - p[1]),
        pair.map(lambda p: T.min(p[0], p[1])), pair.map(lambda p: T.max(p[0], p[1])),
        branch.map(lambda p: T.Select(p[0](p[1], p[2]), p[3], p[4])),
        branch.map(lambda p: T.if_then_else(p[0](p[1], p[2]), p[3], p[4])),
    )


def _exprs(max_leaves):
    return st.recursive(leaf, _combine, max_leaves=max_leaves)


def nested(depth):
    """Each level compares the level below with a guarded load inside a condition and
    uses it in both branches: 4x the nodes per level, conditions nested `depth` deep."""
    if depth == 0:
        return T.BufferLoad(A, (I,))
    inner = nested(depth - 1)
    guarded = _guarded_load(1)
    pick = T.if_then_else(T.floormod(I, 2) == 0, T.min(inner, 32), guarded)
    return T.Select(inner + 3 <= pick, inner, guarded - inner)


points = st.tuples(st.integers(0, 7), st.integers(0, 4),
                   st.lists(st.integers(-50, 50), min_size=8, max_size=8))


@settings(max_examples=60, deadline=None)
@given(_exprs(max_leaves=40))
def test_work_is_linear_in_the_expression_size(expr):
    ana = _analyzer()
    ana.simplify(expr)
    assert ana.visits <= VISITS_PER_NODE * expr_complexity(expr)


def test_work_stays_linear_as_conditions_nest_deeper():
    for depth in range(1, 5):
        expr = nested(depth)
        ana = _analyzer()
        ana.simplify(expr)
        assert ana.visits <= VISITS_PER_NODE * expr_complexity(expr), depth


@settings(max_examples=60, deadline=None)
@given(_exprs(max_leaves=10))
def test_the_cache_changes_no_result(expr):
    fast, plain = _analyzer(cache=True), _analyzer(cache=False)
    assert expr_deep_equal(fast.simplify(expr), plain.simplify(expr))


@settings(max_examples=60, deadline=None)
@given(_exprs(max_leaves=20), points)
def test_simplified_nested_branches_keep_their_value(expr, point):
    i, j, data = point
    env = {I: i, J: j, A: data}
    assert evaluate(_analyzer().simplify(expr), env) == evaluate(expr, env)


def test_nested_example_keeps_its_value():
    expr = nested(3)
    simplified = _analyzer().simplify(expr)
    data = [7, -40, 33, 0, 12, -3, 50, 31]
    for i in range(8):
        env = {I: i, J: 0, A: data}
        assert evaluate(simplified, env) == evaluate(expr, env)


@settings(max_examples=80, deadline=None)
@given(_exprs(max_leaves=6), _exprs(max_leaves=6), st.booleans())
def test_structure_numbers_agree_with_deep_equality(a, b, copy):
    if copy:        # the same structure built anew, node by node
        b = _Rebuild().visit(a)
    interner = StructuralInterner()
    assert (interner.key(a) == interner.key(b)) == expr_deep_equal(a, b) == interner.same(a, b)


@settings(max_examples=80, deadline=None)
@given(st.lists(_exprs(max_leaves=3).map(lambda e: e < 5), min_size=1, max_size=6),
       st.lists(st.integers(0, 5), max_size=4), st.integers(0, 6))
def test_known_facts_decide_as_a_scan_in_order(conds, negate, size):
    facts = [T.expr.Not(c) if i in negate else c for i, c in enumerate(conds)]
    known = KnownFacts(StructuralInterner())
    for fact in facts:
        known.append(fact)
    known.truncate(size)
    for query in conds:
        assert known.truth(query) == _scan(facts[:size], query)


def _scan(facts, e):
    """The plain lookup: the first fact equal to `e` or to `not e` decides."""
    for fact in facts:
        if expr_deep_equal(fact, e):
            return True
        if expr_deep_equal(fact, T.expr.Not(e)):
            return False
    return None


class _Rebuild(Mutator):
    """Copies every node but the variables (which compare by identity)."""

    def generic_visit(self, node):
        new = Mutator.generic_visit(self, node)
        return new if new is not node or isinstance(node, T.expr.Var) else replace(node)


def test_a_constant_branch_is_simplified_under_no_condition(monkeypatch):
    # if_then_else(1 <= i, A[i - 1], 0): the load is simplified where `1 <= i` holds; the
    # 0 is 0 anywhere, so the condition's negation is neither built nor entered
    entered = []
    scope = Analyzer.constraint_scope
    monkeypatch.setattr(Analyzer, "constraint_scope",
                        lambda ana, cond: entered.append(str(cond)) or scope(ana, cond))
    for cache in (True, False):
        result = _analyzer(cache).simplify(
            T.if_then_else(1 <= I, T.BufferLoad(A, (I - 1,)), T.const(0)))
        assert str(result) == "T.if_then_else(1 <= i, A[i - 1], 0)"
    assert entered and set(entered) == {"1 <= i"}
