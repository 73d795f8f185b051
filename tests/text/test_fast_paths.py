"""Property: the compiler's fast paths give what the plain ones give.

Each fast path can be switched off: `Analyzer(cache=False)` (or `memo.disabled()` around
a whole lowering) simplifies without the cache and enters every constraint, including
the loop bounds `i >= min`, `i < min + extent` that the cached analyzer skips when the
loop variable's bound already decides them (`Analyzer._teaches_nothing`); under
`memo.disabled()` Simplify also keeps no store of its fixpoints, the statements and
expressions it returned and would return unchanged (transform/simplify_fixpoints.py;
an expression's simplification is settled when a repeat would keep it:
`Analyzer.simplify_settled`), and CSE runs its steps on every expression, even one in
which no computation repeats. One analyzer shared by many questions (arith/scratch.py)
answers as new ones do. tests/schedule/test_fast_lowering.py compares whole lowerings.
"""
from hypothesis import given, settings, strategies as st

from minitvm import tir as T
from minitvm.arith import Analyzer, memo
from minitvm.arith.scratch import scratch_analyzer, shared_scratch
from minitvm.tir import stmt as S
from minitvm.tir.analysis import expr_deep_equal
from minitvm.tir.printer import format_stmt
from minitvm.transform.cse import common_subexpr_elim
from minitvm.transform.simplify import simplify
from minitvm.transform.simplify_fixpoints import FIXPOINTS

from .test_cse_properties import K, programs as cse_programs
from .test_cse_properties import stores as cse_stores
from .test_passes import BUF, loop, run
from .test_simplify_work import EXTENTS, I, J, _analyzer, _exprs, _guarded_load


def _in_loops(cache, loops):
    """An analyzer inside `for i in range(lo_i, lo_i + ext_i)`, then the same for j, as
    Simplify enters a loop: the variable bound to its range, then its two bounds."""
    ana = Analyzer(cache=cache)
    scopes = []
    for var, (low, extent) in zip((I, J), loops):
        ana.bind(var, T.Range.from_min_extent(low, extent), allow_override=True)
        for cond in (var >= low, var < low + extent):
            scope = ana.constraint_scope(cond)
            scope.__enter__()
            scopes.append(scope)
    return ana, scopes


loops = st.tuples(*[st.tuples(st.integers(-3, 3), st.integers(1, extent))
                    for extent in EXTENTS.values()])


@settings(max_examples=60, deadline=None)
@given(_exprs(max_leaves=12), loops)
def test_skipped_loop_bounds_change_no_result(expr, bounds):
    results = []
    for cache in (True, False):
        ana, scopes = _in_loops(cache, bounds)
        results.append(ana.simplify(expr))
        for scope in reversed(scopes):
            scope.__exit__(None, None, None)
    assert expr_deep_equal(*results)


@settings(max_examples=60, deadline=None)
@given(_exprs(max_leaves=12), loops)
def test_a_settled_result_simplifies_to_itself(expr, bounds):
    ana, _ = _in_loops(True, bounds)
    plain, _ = _in_loops(False, bounds)
    result, settled = ana.simplify_settled(expr)
    assert expr_deep_equal(result, plain.simplify(expr))
    if settled:     # what Simplify's store of fixpoints relies on
        assert expr_deep_equal(ana.simplify(result), result)
        assert expr_deep_equal(plain.simplify(result), result)


def test_a_result_that_simplifies_further_is_not_settled():
    # Simplification is not idempotent: the first one tightens the guard to `i < 5` and
    # orders the sum, only the second cancels `min(g, i) + max(g, i)` into `g + i`.
    guarded = _guarded_load(3)
    ana = _analyzer()
    result, settled = ana.simplify_settled(J + T.min(guarded, I) + T.max(guarded, I))
    assert not settled
    assert not expr_deep_equal(ana.simplify(result), result)


def test_a_repeated_pattern_variable_matches_equal_structures_built_apart():
    # max(x, x) -> x and x - x -> 0 need their operands equal (compared by structure
    # numbers); `I * 3 + J` twice is two objects
    for cache in (True, False):
        ana = Analyzer(cache=cache)
        assert str(ana.rewrite_simplify(T.max(I * 3 + J, I * 3 + J))) == "i * 3 + j"
        assert str(ana.rewrite_simplify(T.min(I * 3 + J, 4) - T.min(I * 3 + J, 4))) == "0"
        # rules_arith: max(x + y, x + z) -> max(y, z) + x, as TVM rewrites it
        assert str(ana.rewrite_simplify(T.max(I * 3 + J, I * 3 + 1))) == "T.max(j, 1) + i * 3"


def _padded_copy():
    """`let n = 1` around `for i in range(8): buf[i] = if_then_else(n <= i, buf[i - n],
    0)`: Simplify inlines the let, so a later Simplify meets the result outside it."""
    n = T.Var("n")
    value = T.if_then_else(n <= I, T.BufferLoad(BUF, (I - n,)), T.const(0))
    return T.PrimFunc((), S.LetStmt(n, T.const(1), loop(I, 8, S.BufferStore(BUF, value, (I,)))),
                      {}, {})


def test_a_later_simplify_returns_a_settled_result_at_once(monkeypatch):
    first = simplify(_padded_copy())
    assert format_stmt(first.body).splitlines()[-1].strip() == (
        "buf[i] = T.if_then_else(1 <= i, buf[i - 1], 0)")
    simplified = []
    settled = Analyzer.simplify_settled
    monkeypatch.setattr(Analyzer, "simplify_settled",
                        lambda ana, expr, *a: simplified.append(expr) or settled(ana, expr, *a))
    second = simplify(first)
    assert second.body is first.body and simplified == []
    monkeypatch.undo()
    with memo.disabled():
        plain = simplify(simplify(_padded_copy()))
    assert format_stmt(second.body) == format_stmt(plain.body)


def test_a_loop_bound_is_skipped_only_when_it_adds_nothing():
    ana = Analyzer()
    ana.bind(I, T.Range.from_min_extent(0, 8))
    assert ana._teaches_nothing(I >= 0) and ana._teaches_nothing(I < 8)
    assert not ana._teaches_nothing(I < 7)          # narrows the bound
    assert not ana._teaches_nothing(J >= 0)         # j has no bound yet
    ana.simplify(I + 1)                             # i now appears in the cache
    assert not ana._teaches_nothing(I >= 0)
    assert not Analyzer(cache=False)._teaches_nothing(I >= 0)


def _two_loops(first, second, shared):
    """`for i in range(first): shared` then `for i in range(second): shared`: one
    statement object in two contexts."""
    return S.seq(*[S.For(I, T.const(0), T.const(extent), S.ForKind.SERIAL, shared)
                   for extent in (first, second)])


def test_a_statement_left_unchanged_in_one_loop_is_simplified_in_another():
    # `i < 4` stays in a loop of 8 (Simplify returns the `if` unchanged there, and
    # remembers it) but holds in a loop of 4, where only the store is left.
    shared = S.IfThenElse(I < 4, S.BufferStore(BUF, T.const(1), (I,)))
    want = ["for i in range(8):", "    if i < 4:", "        buf[i] = 1",
            "for i in range(4):", "    buf[i] = 1"]
    for _ in range(2):        # the second time, the store of unchanged statements is full
        assert run(simplify, _two_loops(8, 4, shared)) == want
    with memo.disabled():
        assert run(simplify, _two_loops(8, 4, shared)) == want


def test_a_full_store_starts_afresh_and_simplifies_the_same(monkeypatch):
    monkeypatch.setattr(FIXPOINTS, "LIMIT", 3)      # cleared again and again on the way
    shared = S.IfThenElse(I < 4, S.BufferStore(BUF, T.const(1), (I,)))
    for _ in range(3):
        assert run(simplify, _two_loops(8, 4, shared)) == [
            "for i in range(8):", "    if i < 4:", "        buf[i] = 1",
            "for i in range(4):", "    buf[i] = 1"]
        assert len(FIXPOINTS._fixed) + len(FIXPOINTS._contexts) <= 3


def _cse_program(program, picks):
    """The stores of `program` under an `if` and a loop whose condition and extent are
    sums from the same pool: a computation repeated inside one of those expressions only
    is named by a let in that expression (CSE's expression level)."""
    pool = program[0]
    a, b, c, d = (pool[p % len(pool)] for p in picks)
    cond = S.IfThenElse(a + b < c + a, T.seq(*cse_stores(program)))
    return S.For(J, T.const(0), T.max(c + d, d + c) + (a + b), S.ForKind.SERIAL, cond)


def _cse_skipping_changes_nothing(body):
    """CSE of a function of `body` prints as with every step run everywhere."""
    func = T.PrimFunc((K,), body, {}, {"global_symbol": "main"})
    fast = format_stmt(common_subexpr_elim(func).body)
    with memo.disabled():
        plain = format_stmt(common_subexpr_elim(func).body)
    assert fast == plain


@settings(max_examples=80, deadline=None)
@given(cse_programs, st.tuples(*[st.integers(0, 9)] * 4))
def test_cse_skipping_expressions_changes_nothing(program, picks):
    _cse_skipping_changes_nothing(_cse_program(program, picks))


@st.composite
def _let_exprs(draw, pool, scope=(), depth=0):
    """Sums and products of pool entries and let variables in scope, with `T.Let`s whose
    body may repeat the let's value or use its variable (the lets CSE makes too)."""
    choice = draw(st.integers(0, 4 if depth < 3 else 0))
    if choice == 0:
        return draw(st.sampled_from(list(pool) + list(scope)))
    if choice in (1, 2):
        a, b = (draw(_let_exprs(pool, scope, depth + 1)) for _ in range(2))
        return a + b if choice == 1 else a * b
    var = T.Var(f"x{depth}_{len(scope)}")
    value = draw(_let_exprs(pool, scope, depth + 1))
    body = draw(_let_exprs(pool, scope + (var,), depth + 1))
    if draw(st.booleans()):
        body = body + value
    return T.Let(var, value, body + var)


@settings(max_examples=60, deadline=None)
@given(cse_programs.flatmap(lambda p: st.tuples(st.just(p), _let_exprs(p[0]),
                                                _let_exprs(p[0]))))
def test_cse_skipping_expressions_that_hold_lets_changes_nothing(args):
    """A let inside an expression adds its value to its body's context; that alone makes
    nothing to do where no computation repeats (see `_Eliminator.nothing_to_do`)."""
    program, extent, value = args
    store = S.BufferStore(BUF, value, (I,))
    body = S.For(I, T.const(0), extent, S.ForKind.SERIAL, T.seq(store, *cse_stores(program)))
    _cse_skipping_changes_nothing(body)


@settings(max_examples=60, deadline=None)
@given(cse_programs)
def test_cse_skipping_statements_under_a_let_changes_nothing(program):
    """Statements are skipped too; a loop in which the value of the let around it
    occurs once is something to do (the occurrence is replaced by the let's variable)."""
    pool, picks = program
    w = T.Var("w")
    pool = pool + [pool[0] * 3, w * 3, w]
    inner = S.For(J, T.const(0), T.const(3), S.ForKind.SERIAL, T.seq(*cse_stores((pool, picks))))
    body = S.For(I, T.const(0), T.const(4), S.ForKind.SERIAL, S.LetStmt(w, pool[0], inner))
    _cse_skipping_changes_nothing(body)


@settings(max_examples=30, deadline=None)
@given(st.lists(_exprs(max_leaves=6), min_size=1, max_size=4))
def test_one_scratch_analyzer_answers_as_new_analyzers_do(exprs):
    questions = [e for expr in exprs for e in (expr, expr >= 0, expr < 8)]
    with shared_scratch():
        assert scratch_analyzer() is scratch_analyzer()
        asked = [(scratch_analyzer().simplify(q), scratch_analyzer().can_prove(q))
                 for q in questions * 2]      # the second time, from the cache
    for k, q in enumerate(questions):
        plain = Analyzer(cache=False)
        answer, proved = plain.simplify(q), plain.can_prove(q)
        for shared, truth in (asked[k], asked[k + len(questions)]):
            assert expr_deep_equal(shared, answer) and truth == proved


def test_a_scratch_analyzer_is_shared_inside_a_block_only():
    with shared_scratch():
        outer = scratch_analyzer()
        with shared_scratch():
            assert scratch_analyzer() is not outer
        assert scratch_analyzer() is outer
    assert scratch_analyzer() is not scratch_analyzer()


@settings(max_examples=40, deadline=None)
@given(cse_programs.flatmap(lambda p: _let_exprs(p[0])))
def test_cse_sizes_are_tvms_expression_complexity(e):
    from minitvm.tir.analysis import expr_complexity
    from minitvm.transform.cse import _Eliminator
    elim = _Eliminator(T.PrimFunc((), S.Evaluate(e), {}, {}))
    assert elim.size(e) == expr_complexity(e)
