"""VectorizeLoop's scalarizing: a guarded vectorized loop becomes a serial `<var>.s` loop;
an unguarded one stays vectorized; both compute what numpy computes."""
import numpy as np
import pytest

import minitvm as tvm
from minitvm import te
from minitvm.tir import stmt as S
from minitvm.tir.functor import post_order_visit


def loops(func):
    found = []
    post_order_visit(func.body, lambda n: found.append((n.loop_var.name, n.kind))
                     if isinstance(n, S.For) else None)
    return sorted(found)


def vector_add(n):
    A = te.placeholder((n,), name="A")
    B = te.placeholder((n,), name="B")
    C = te.compute(A.shape, lambda i: A[i] + B[i], name="C")
    s = te.create_schedule(C.op)
    outer, inner = s[C].split(C.op.axis[0], factor=4)
    s[C].vectorize(inner)
    return s, [A, B, C]


def test_guarded_lanes_become_a_serial_loop():
    s, args = vector_add(te.var("n"))
    assert loops(tvm.lower(s, args)["main"]) == [("i.inner.s", "serial"), ("i.outer", "serial")]


def test_unguarded_lanes_stay_vectorized():
    s, args = vector_add(64)
    assert loops(tvm.lower(s, args)["main"]) == [("i.inner", "vectorized"), ("i.outer", "serial")]


@pytest.mark.parametrize("size", [5, 64])
def test_both_compute_the_sum(size):
    s, args = vector_add(te.var("n") if size == 5 else size)
    f = tvm.build(s, args)
    a, b = np.random.rand(size).astype("float32"), np.random.rand(size).astype("float32")
    c = tvm.nd.array(np.zeros(size, "float32"))
    f(tvm.nd.array(a), tvm.nd.array(b), c)
    np.testing.assert_allclose(c.numpy(), a + b, rtol=1e-6)
