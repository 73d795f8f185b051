"""Schedules that once failed to print or build (found by hand or by the property tests
in test_schedule_properties.py); each is printed, built and checked against numpy."""
import numpy as np

import minitvm as tvm
from minitvm import te
from minitvm.schedule.bound import infer_bound


def build_and_run(s, args, inputs):
    f = tvm.build(s, args)
    out = args[-1]
    result = tvm.nd.empty(tuple(int(x) for x in out.shape), out.dtype)
    f(*[tvm.nd.array(x) for x in inputs], result)
    return result.numpy()


def fuse_split_chain(factor=7):
    A = te.placeholder((6, 5), name="A", dtype="int32")
    B = te.compute((6, 5), lambda i, j: A[i, j] + 1, name="B")
    C = te.compute((6, 5), lambda i, j: B[i, j] * 2, name="C")
    s = te.create_schedule(C.op)
    fused = s[C].fuse(*s[C].op.axis)
    fo, fi = s[C].split(fused, factor=factor)
    s[B].compute_at(s[C], fo)
    return s, A, B, C, fo


def test_producer_at_a_fused_then_split_loop_prints_and_builds():
    """Both bugs of the reproducer: B, attached at the outer loop of fuse(i, j) split by
    7, reads rows fo*7//5 .. (fo*7 + 6)//5, an extent that depends on fo, as TVM's
    InferBound gives it (test_bound_fusesplit1). StorageRewrite hoisted that allocation
    out of the fo loop, which crashed the printer (fo used before its loop) and the host
    build (fo has no value there). Now the hoisted allocation gets the constant bound."""
    s, A, B, C, fo = fuse_split_chain()
    bounds = infer_bound(s)
    rows = bounds[B.op.axis[0]].extent
    assert any(n is fo.var for n in _vars(rows))       # symbolic, as in TVM
    text = str(tvm.lower(s, [A, C], simple_mode=True))
    assert 'B = T.allocate([15], "int32", "global")' in text
    assert "i_j_fused_outer = T.int32()" not in text
    a = np.arange(30, dtype="int32").reshape(6, 5)
    np.testing.assert_array_equal(build_and_run(s, [A, C], [a]), (a + 1) * 2)


def test_every_split_factor_of_a_fused_axis_builds():
    a = np.arange(30, dtype="int32").reshape(6, 5) - 7
    for factor in range(1, 32):
        s, A, B, C, fo = fuse_split_chain(factor)
        str(tvm.lower(s, [A, C], simple_mode=True))
        np.testing.assert_array_equal(build_and_run(s, [A, C], [a]), (a + 1) * 2)


def test_producer_at_a_split_of_a_fused_loop_inside_another_one():
    """Found by the property tests: D's fused loop split by 2, C attached at its outer
    loop with C's own fused loop split into 2 parts, B attached at C's outer loop. The
    extents of B's loops repeat a computation inside one expression, which CSE names by a
    `T.Let` expression; sorting the candidates by legacy text then failed on the Let."""
    A = te.placeholder((2, 3), name="A")
    B = te.compute((2, 3), lambda i, j: A[i, j] * 2.0, name="B")
    C = te.compute((2, 3), lambda i, j: B[i, j] + 1.0, name="C")
    D = te.compute((2, 3), lambda i, j: C[i, j] * C[i, j], name="D")
    s = te.create_schedule(D.op)
    outer, _ = s[D].split(s[D].fuse(*s[D].op.axis), factor=2)
    s[C].compute_at(s[D], outer)
    c_outer, _ = s[C].split(s[C].fuse(*s[C].op.axis), nparts=2)
    s[B].compute_at(s[C], c_outer)
    assert "T.Let(" in str(tvm.lower(s, [A, D], simple_mode=True))
    x = np.random.default_rng(0).uniform(-2, 2, (2, 3)).astype("float32")
    np.testing.assert_array_equal(build_and_run(s, [A, D], [x]), (x * 2 + 1) ** 2)


def test_nested_splits_of_a_fused_loop_with_a_producer_inside_build():
    """Found by the property tests: C at D's outer loop, C's fused loop split by 4, its
    outer part split in 3 and that outer part in 2 (loops with variable extents, so they
    run in Python), B attached at the middle loop. The vectorized nest of B's guard binds a loop-invariant
    `T.Let`, whose value the host build made a numpy int32 that its Python-int wrapping
    then overflowed."""
    A = te.placeholder((2, 3), name="A")
    B = te.compute((2, 3), lambda i, j: A[i, j] * 2.0, name="B")
    C = te.compute((2, 3), lambda i, j: B[i, j] + 1.0, name="C")
    D = te.compute((2, 3), lambda i, j: C[i, j] * C[i, j], name="D")
    s = te.create_schedule(D.op)
    outer, _ = s[D].split(s[D].fuse(*s[D].op.axis), nparts=3)
    s[C].compute_at(s[D], outer)
    c_outer, _ = s[C].split(s[C].fuse(*s[C].op.axis), factor=4)
    c_oo, c_oi = s[C].split(c_outer, nparts=3)
    s[C].split(c_oo, nparts=2)
    s[B].compute_at(s[C], c_oi)
    str(tvm.lower(s, [A, D], simple_mode=True))
    x = np.random.default_rng(1).uniform(-2, 2, (2, 3)).astype("float32")
    np.testing.assert_array_equal(build_and_run(s, [A, D], [x]), (x * 2 + 1) ** 2)


def _vars(expr):
    from minitvm.tir.expr import Var
    from minitvm.tir.functor import post_order_visit
    found = []
    post_order_visit(expr, lambda n: found.append(n) if isinstance(n, Var) else None)
    return found
