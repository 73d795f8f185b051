"""LoopPartition (`tvm.lower` without simple_mode, and `tvm.build`): a loop of symbolic
extent is split at its `likely` guard into an unguarded part and a guarded rest; constant
loops only with `partition_const_loop`; a `pragma_loop_partition_hint` partitions at any
comparison. The structural checks are those of TVM's
tests/python/tir-transform/test_tir_transform_loop_partition.py; every built program is
compared with numpy on sizes that reach every part."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitvm as tvm
from minitvm import te
from minitvm.tir import expr as E
from minitvm.tir import stmt as S
from minitvm.tir.functor import post_order_visit
from minitvm.transform import PassContext
from minitvm.transform.loop_partition import LoopPartitionConfigError, loop_partition

CONST = {"tir.LoopPartition": {"partition_const_loop": True}}


def count(node, cls):
    found = []
    post_order_visit(node, lambda n: found.append(n) if isinstance(n, cls) else None)
    return len(found)


def top_level(body):
    """The statements of the function body below its allocations, lets and attributes."""
    while isinstance(body, (S.Allocate, S.LetStmt, S.AttrStmt)):
        body = body.body
    return list(body.seq) if isinstance(body, S.SeqStmt) else [body]


def vector_add(n, factor=4, vectorize=False):
    A = te.placeholder((n,), name="A")
    B = te.placeholder((n,), name="B")
    C = te.compute((n,), lambda i: A[i] + B[i], name="C")
    s = te.create_schedule(C.op)
    outer, inner = s[C].split(C.op.axis[0], factor=factor)
    if vectorize:
        s[C].vectorize(inner)
    return s, [A, B, C]


def run_add(f, size):
    a, b = np.random.rand(size).astype("float32"), np.random.rand(size).astype("float32")
    c = tvm.nd.array(np.zeros(size, "float32"))
    f(tvm.nd.array(a), tvm.nd.array(b), c)
    np.testing.assert_allclose(c.numpy(), a + b, rtol=1e-6)


def test_a_symbolic_loop_splits_into_an_unguarded_and_a_guarded_part():
    s, args = vector_add(te.size_var("n"))
    first, rest = top_level(tvm.lower(s, args)["main"].body)
    assert count(first, S.IfThenElse) == 0 and count(rest, S.IfThenElse) == 1
    f = tvm.build(s, args)
    for size in range(0, 14):     # no full block, some, and 0..3 elements left over
        run_add(f, size)


def test_simple_mode_keeps_the_guarded_loop():
    s, args = vector_add(te.size_var("n"))
    text = str(tvm.lower(s, args, simple_mode=True))
    assert text.count("for i_outer") == 1 and "T.likely(" in text


def test_the_unguarded_part_is_vectorized():
    s, args = vector_add(te.size_var("n"), vectorize=True)
    first, rest = top_level(tvm.lower(s, args)["main"].body)
    assert count(first, E.Ramp) > 0 and count(rest, E.Ramp) == 0
    f = tvm.build(s, args)
    for size in (0, 3, 4, 9):
        run_add(f, size)


def test_a_constant_loop_is_left_alone_by_default():
    s, args = vector_add(21)
    (body,) = top_level(tvm.lower(s, args)["main"].body)
    assert count(body, S.IfThenElse) == 1


@pytest.mark.parametrize("shape, factors", [((21,), (4,)), ((60,), (16,)),
                                            ((94, 62), (16, 16))])
def test_partition_const_loop_removes_every_guard(shape, factors):
    A = te.placeholder(shape, name="A")
    B = te.placeholder(shape, name="B")
    C = te.compute(shape, lambda *i: A(*i) + B(*i), name="C")
    s = te.create_schedule(C.op)
    splits = [s[C].split(axis, factor=f) for axis, f in zip(C.op.axis, factors)]
    s[C].reorder(*[outer for outer, _ in splits], *[inner for _, inner in splits])
    with PassContext(config=CONST):
        func = tvm.lower(s, [A, B, C])["main"]
        f = tvm.build(s, [A, B, C])
    assert count(func.body, S.IfThenElse) == 0
    a, b = (np.random.rand(*shape).astype("float32") for _ in range(2))
    c = tvm.nd.array(np.zeros(shape, "float32"))
    f(tvm.nd.array(a), tvm.nd.array(b), c)
    np.testing.assert_allclose(c.numpy(), a + b, rtol=1e-6)


def test_a_partition_hint_splits_at_a_plain_condition():
    # TVM's test_explicit_partition_hint: C[i] = A[i] if i < 16 else B[i] over 32 (B is read
    # at i + 16 in the second loop; A and B have 32 elements here so the program is valid)
    A = te.placeholder((32,), name="A")
    B = te.placeholder((32,), name="B")
    C = te.compute((32,), lambda i: tvm.tir.if_then_else(i < 16, A[i], B[i]), name="C")
    s = te.create_schedule(C.op)
    s[C].pragma(s[C].op.axis[0], "loop_partition_hint", True)
    with PassContext(config=CONST, disabled_pass={"tir.CommonSubexprElimTIR"}):
        text = str(tvm.lower(s, [A, B, C]))     # TVM's test runs no CSE
    with PassContext(config=CONST):
        f = tvm.build(s, [A, B, C])
    body = [line.strip() for line in text.splitlines()[9:]]
    assert [line for line in body if not line.endswith("= T.Buffer((32,), data=A.data)")
            and "T.Buffer" not in line] == [
        "for i in range(16):", "C_1[i] = A_1[i]",
        "for i in range(16):", "C_1[i + 16] = B_1[i + 16]"]
    a, b = np.random.rand(32).astype("float32"), np.random.rand(32).astype("float32")
    c = tvm.nd.array(np.zeros(32, "float32"))
    f(tvm.nd.array(a), tvm.nd.array(b), c)
    np.testing.assert_array_equal(c.numpy(), np.where(np.arange(32) < 16, a, b))


def test_a_block_launch_of_symbolic_extent_gets_an_unguarded_branch():
    # TVM's test_vectorize: inside the launches, an `if` whose condition does not read the
    # vectorized loop, and whose branch has the vector form
    s, args = vector_add(te.size_var("n"), factor=128)
    C = args[-1]
    bx, x = s[C].leaf_iter_vars
    tx, x = s[C].split(x, nparts=32)
    _, x = s[C].split(x, factor=4)
    s[C].bind(bx, te.thread_axis("blockIdx.x"))
    s[C].bind(tx, te.thread_axis("threadIdx.x"))
    s[C].vectorize(x)
    func = tvm.lower(s, args)["main"]
    ifs = []
    post_order_visit(func.body, lambda n: ifs.append(n) if isinstance(n, S.IfThenElse) else None)
    unguarded = [i for i in ifs if count(i.then_case, E.Ramp)
                 and x.var.name not in str(i.condition)]
    assert unguarded and "blockIdx" in str(unguarded[0].condition)


def test_a_guard_whose_bound_cannot_be_deduced_stays():
    # TVM's test_everything_during_deduction: truncdiv(i, j) < m has no interval in i
    m, n = te.size_var("m"), te.size_var("n")
    ib = tvm.tir.ir_builder.create()
    with ib.for_range(0, n, "i") as i:
        with ib.for_range(0, 32, "j") as j:
            with ib.if_scope(ib.likely(tvm.tir.truncdiv(i, j) < m)):
                ib.emit(S.Evaluate(m))
    func = loop_partition(tvm.tir.PrimFunc([m, n], ib.get()))
    assert isinstance(func.body.body.body, S.IfThenElse)
    assert "likely" not in str(func.body.body.body.condition)


def test_an_equality_partitions_at_its_point():
    # TVM's test_condition_EQ: Select(likely(i == 5), m, n) over a constant loop of 10
    m, n = te.size_var("m"), te.size_var("n")
    ib = tvm.tir.ir_builder.create()
    with ib.for_range(0, 10, "i") as i:
        ib.emit(S.Evaluate(E.Select(ib.likely(E.EQ(i, E.IntImm("int32", 5))), m, n)))
    with PassContext(config=CONST):
        func = loop_partition(tvm.tir.PrimFunc([m, n], ib.get()))
    func = tvm.lower(func, simple_mode=True)["main"]
    assert count(top_level(func.body)[0], E.Select) == 0


@settings(max_examples=20, deadline=None)
@given(fx=st.integers(1, 6), fy=st.integers(1, 6), vectorize=st.booleans(),
       sizes=st.lists(st.tuples(st.integers(0, 13), st.integers(0, 13)), min_size=1,
                      max_size=3))
def test_symbolic_tiles_equal_numpy_at_any_size(fx, fy, vectorize, sizes):
    """A 2-D symbolic program tiled by (fx, fy): partitioned in both loops (the inner
    partition inside each outer part); every size gives numpy's result."""
    m, n = te.size_var("m"), te.size_var("n")
    A = te.placeholder((m, n), name="A")
    C = te.compute((m, n), lambda i, j: A[i, j] * 2.0 + 1.0, name="C")
    s = te.create_schedule(C.op)
    xo, xi = s[C].split(C.op.axis[0], factor=fx)
    yo, yi = s[C].split(C.op.axis[1], factor=fy)
    s[C].reorder(xo, yo, xi, yi)
    if vectorize:
        s[C].vectorize(yi)
    f = tvm.build(s, [A, C])
    for rows, cols in sizes:
        a = np.random.rand(rows, cols).astype("float32")
        c = tvm.nd.array(np.zeros((rows, cols), "float32"))
        f(tvm.nd.array(a), c)
        np.testing.assert_allclose(c.numpy(), a * 2 + 1, rtol=1e-6)


def test_no_unroll_loop_with_extent_one_keeps_the_unit_loops():
    # TVM's test_no_unroll_loop: 21 split by 4 is [0, 20) in 5 x 4 and 20 in a 1 x 1 nest
    s, args = vector_add(21)
    options = {"partition_const_loop": True, "no_unroll_loop_with_extent_one": True}
    with PassContext(config={"tir.LoopPartition": options}):
        func = tvm.lower(s, args)["main"]
    assert count(func.body, S.For) == 4
    with PassContext(config=CONST):
        assert count(tvm.lower(s, args)["main"].body, S.For) == 2


def test_an_unknown_option_is_refused():
    s, args = vector_add(21)
    with PassContext(config={"tir.LoopPartition": {"partition_constant_loops": True}}):
        with pytest.raises(LoopPartitionConfigError, match="unknown option "
                                                           "'partition_constant_loops'"):
            tvm.lower(s, args)
