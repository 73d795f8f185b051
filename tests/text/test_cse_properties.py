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


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 9), st.booleans(), st.booleans(),
       st.integers(1, 3))
def test_unrolled_programs_compute_the_same_with_and_without_cse(m, n, k, unroll_j, unroll_k,
                                                                 factor):
    """Unrolled loops leave many stores with repeating index computations (CSE binds
    them in long let chains); built with and without CSE, the results equal numpy's."""
    import numpy as np

    import minitvm as tvm
    from minitvm import te
    A = te.placeholder((m, k + 1), name="A")
    B = te.placeholder((k, n), name="B")
    r = te.reduce_axis((0, k), name="r")
    C = te.compute((m, n), lambda i, j: te.sum(A[i, r] * B[r, j] + A[i, r + 1], axis=r),
                   name="C")
    s = te.create_schedule(C.op)
    i, j = s[C].op.axis
    jo, ji = s[C].split(j, factor=factor)
    if unroll_j:
        s[C].unroll(ji)
    if unroll_k:
        s[C].unroll(r)
    rng = np.random.default_rng(m * 100 + n * 10 + k)
    a = rng.integers(-5, 5, (m, k + 1)).astype("float32")
    b = rng.integers(-5, 5, (k, n)).astype("float32")
    expected = a[:, :k] @ b + a[:, 1:].sum(axis=1, keepdims=True)
    for disabled in ((), ("tir.CommonSubexprElimTIR",)):
        with tvm.transform.PassContext(disabled_pass=disabled):
            f = tvm.build(s, [A, B, C])
        c = tvm.nd.array(np.zeros((m, n), "float32"))
        f(tvm.nd.array(a), tvm.nd.array(b), c)
        np.testing.assert_allclose(c.numpy(), expected, rtol=1e-6)
