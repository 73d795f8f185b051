"""Property: a schedule with a vectorized loop computes what numpy computes, and what the
same schedule without `vectorize` computes.

Hypothesis draws a workload (an elementwise chain, a matmul, a row reduction; small
shapes that the split factor often does not divide) and a schedule: split an axis of the
output by a factor, vectorize the inner loop, maybe reorder, run the outer loop in
parallel, `cache_write` the output (vectorizing the cache's inner axis) or attach the
producer at a loop of the output. Each schedule is built twice, with and without the
`vectorize` call, and both results are compared with numpy.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minitvm as tvm
from minitvm import te
from minitvm.tir import dtype
from minitvm.tir.functor import post_order_visit
from minitvm.tir.stmt import BufferStore

from run import run

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def elementwise(n, m):
    A = te.placeholder((n, m), name="A")
    B = te.compute((n, m), lambda i, j: A[i, j] * 2.0 + 1.0, name="B")
    C = te.compute((n, m), lambda i, j: B[i, j] * B[i, j] - A[i, j], name="C")
    ref = lambda a: (a * np.float32(2) + np.float32(1)) ** 2 - a  # noqa: E731
    return [A], B, C, ref


def matmul(n, m):
    A = te.placeholder((n, 3), name="A")
    W = te.placeholder((3, m), name="W")
    k = te.reduce_axis((0, 3), name="k")
    P = te.compute((3, m), lambda i, j: W[i, j] + 1.0, name="P")
    C = te.compute((n, m), lambda i, j: te.sum(A[i, k] * P[k, j], axis=k), name="C")
    return [A, W], P, C, lambda a, w: a @ (w + np.float32(1))


def row_sum(n, m):
    A = te.placeholder((n, m), name="A")
    B = te.compute((n, m), lambda i, j: A[i, j] * A[i, j], name="B")
    k = te.reduce_axis((0, m), name="k")
    C = te.compute((n,), lambda i: te.sum(B[i, k], axis=k), name="C")
    return [A], B, C, lambda a: (a * a).sum(axis=1)


WORKLOADS = {"elementwise": elementwise, "matmul": matmul, "row_sum": row_sum}


def schedule(plan, make, vectorize):
    """The schedule `plan` describes; `vectorize=False` leaves out the vectorize calls."""
    inputs, producer, out, _ = make(*plan["shape"])
    s = te.create_schedule(out.op)
    target = out
    if plan["cache_write"]:
        target = s.cache_write(out, "global")
    axes = list(s[target].op.axis)
    outer, inner = s[target].split(axes[-1], factor=plan["factor"])
    if plan["reorder"] and len(axes) == 2:
        s[target].reorder(outer, axes[0], inner)
    if plan["reduce_outside"] and s[target].op.reduce_axis:
        s[target].reorder(*s[target].op.reduce_axis, inner)
    if vectorize:
        s[target].vectorize(inner)
    if plan["cache_write"]:
        s[target].compute_at(s[out], s[out].op.axis[0])
    elif plan["parallel"]:
        s[out].parallel(s[out].leaf_iter_vars[0])
    if plan["attach"]:
        s[producer].compute_at(s[target], outer)
    return s, inputs + [out]


@st.composite
def plans(draw):
    return {"workload": draw(st.sampled_from(sorted(WORKLOADS))),
            "shape": (draw(st.integers(1, 5)), draw(st.integers(1, 9))),
            "factor": draw(st.integers(1, 8)),
            "reorder": draw(st.booleans()), "reduce_outside": draw(st.booleans()),
            "cache_write": draw(st.booleans()), "parallel": draw(st.booleans()),
            "attach": draw(st.booleans())}


@SETTINGS
@given(plan=plans(), seed=st.integers(0, 2**16))
def test_vectorized_schedule_equals_numpy_and_the_scalar_schedule(plan, seed):
    make = WORKLOADS[plan["workload"]]
    inputs = make(*plan["shape"])[0]
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-2, 2, [int(d) for d in t.shape]).astype("float32") for t in inputs]
    want = make(*plan["shape"])[3](*arrays)
    (vector,) = run(*schedule(plan, make, True), arrays)
    (scalar,) = run(*schedule(plan, make, False), arrays)
    np.testing.assert_allclose(vector, want, rtol=1e-5, atol=1e-5)
    # the host build may sum a reduction in another order (numpy's pairwise sums)
    np.testing.assert_allclose(vector, scalar, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("workload", sorted(WORKLOADS))
def test_every_workload_vectorizes_into_vector_forms(workload):
    """The fixed plan `factor 4, no other step` really produces vector expressions."""
    plan = {"shape": (4, 8), "factor": 4, "reorder": False, "reduce_outside": True,
            "cache_write": False, "parallel": False, "attach": False}
    s, args = schedule(plan, WORKLOADS[workload], True)
    mod = tvm.lower(s, args, simple_mode=True)
    assert "T.vectorized" not in str(mod)
    # and not by scalarizing the loop: the output is stored four lanes at a time
    stores = []
    post_order_visit(mod["main"].body, lambda n: stores.append(n)
                     if isinstance(n, BufferStore) and n.buffer.name == "C" else None)
    assert stores and all(dtype.lanes(store.value.dtype) == 4 for store in stores)
