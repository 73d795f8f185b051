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


def _vars(expr):
    from minitvm.tir.expr import Var
    from minitvm.tir.functor import post_order_visit
    found = []
    post_order_visit(expr, lambda n: found.append(n) if isinstance(n, Var) else None)
    return found
