"""Property: CSE keeps a function's meaning, and its output always prints.

Random loop nests store random index expressions (built from a small pool so that
sub-expressions repeat); the function is run by a tiny interpreter before and after
`common_subexpr_elim`, and the stores must agree.
"""
from hypothesis import given, settings, strategies as st

from minitvm import tir as T
from minitvm.tir import stmt as S
from minitvm.tir.printer import format_module
from minitvm.transform.cse import common_subexpr_elim

from .evaluate import evaluate
from .test_simplify_properties import VARS, int_exprs

I, J, K = VARS                      # the variables int_exprs draws from
OUT = T.decl_buffer((64,), "int32", "out")


def run(stmt, env, memory):
    """Execute `stmt`; stores go to `memory[(buffer name, index)]`."""
    if isinstance(stmt, S.SeqStmt):
        for s in stmt.seq:
            run(s, env, memory)
    elif isinstance(stmt, S.LetStmt):
        run(stmt.body, {**env, stmt.var: evaluate(stmt.value, env)}, memory)
    elif isinstance(stmt, S.For):
        for v in range(stmt.min.value, stmt.min.value + stmt.extent.value):
            run(stmt.body, {**env, stmt.loop_var: v}, memory)
    elif isinstance(stmt, S.BufferStore):
        memory.setdefault((stmt.buffer.name, evaluate(stmt.indices[0], env)), []).append(
            evaluate(stmt.value, env))
    else:
        raise TypeError(f"cannot run {type(stmt).__name__}")


def stores(pool_indices):
    pool, picks = pool_indices
    return [S.BufferStore(OUT, pool[a % len(pool)] + pool[b % len(pool)],
                          (T.floormod(pool[c % len(pool)], 64),)) for a, b, c in picks]


programs = st.tuples(
    st.lists(int_exprs, min_size=1, max_size=4),
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9), st.integers(0, 9)),
             min_size=1, max_size=4))


def _nest(body):
    """Loops over i (extent 4) and j (extent 7); k is a parameter."""
    return S.For(I, T.const(0), T.const(4), S.ForKind.SERIAL,
                 S.For(J, T.const(0), T.const(7), S.ForKind.SERIAL, body))


@settings(max_examples=150, deadline=None)
@given(programs, st.integers(0, 15))
def test_cse_preserves_stores_and_prints(program, k_value):
    body = _nest(T.seq(*stores(program)))
    func = T.PrimFunc((K,), body, {}, {"global_symbol": "main"})
    after = common_subexpr_elim(func)
    before_mem, after_mem = {}, {}
    env = {K: k_value}
    run(func.body, env, before_mem)
    run(after.body, env, after_mem)
    assert after_mem == before_mem
    assert "def main(" in format_module(T.IRModule({"main": after}))


W = T.Var("w")


@settings(max_examples=100, deadline=None)
@given(programs, st.integers(0, 15))
def test_cse_under_an_enclosing_let_preserves_stores(program, k_value):
    """An enclosing `w = pool[0]` is reused for pool[0]'s occurrences, which can make
    nodes equal to the pool's `w * 3` (commoned with them in the same step)."""
    pool, picks = program
    pool = pool + [pool[0] * 3, W * 3, W]
    body = _nest(S.LetStmt(W, pool[0], T.seq(*stores((pool, picks)))))
    func = T.PrimFunc((K,), body, {}, {"global_symbol": "main"})
    before_mem, after_mem = {}, {}
    run(func.body, {K: k_value}, before_mem)
    run(common_subexpr_elim(func).body, {K: k_value}, after_mem)
    assert after_mem == before_mem
