"""TVM's names around the schedule at their TVM paths: `tvm.te.schedule.AutoInline*`,
`ScanGetBody`, the `tir` names its module re-exports, `tvm.container`,
`tvm.tir.stmt_functor`; and two things TVM's TE tests do that minitvm refused or hung on:
a scan given one tensor as `inputs`, and a producer bound to the GPU thread its consumer
is bound to."""
import numpy as np
import pytest

import minitvm as tvm
from minitvm import te
from minitvm.tir import stmt as S

K_GROUP_ROOT, K_INLINE = 1, 2           # TVM's AttachType codes


def chain(tag=""):
    """T2 = T1 + C, with T1 = A[i] * B[i, j] (broadcast) or A[i, j] * B[i, j]."""
    m, n = te.var("m"), te.var("n")
    B = te.placeholder((m, n), name="B")
    C = te.placeholder((m, n), name="C")
    if tag == "broadcast" or tag == "injective":
        A = te.placeholder((m,), name="A")
        T1 = te.compute((m, n), lambda i, j: A[i] * B[i, j], name="T1",
                        tag="broadcast" if tag == "broadcast" else "")
    else:
        A = te.placeholder((m, n), name="A")
        T1 = te.compute((m, n), lambda i, j: A[i, j] * B[i, j], name="T1")
    T2 = te.compute((m, n), lambda i, j: T1[i, j] + C[i, j], name="T2")
    return te.create_schedule(T2.op), T1, T2, [A, B, C, T2]


@pytest.mark.parametrize("kind, inliner", [
    ("elemwise", te.schedule.AutoInlineElemWise),
    ("broadcast", te.schedule.AutoInlineBroadcast),
    ("injective", te.schedule.AutoInlineInjective)])
def test_auto_inline_inlines_its_kind(kind, inliner):
    s, T1, T2, args = chain(kind)
    assert s[T1].attach_type == K_GROUP_ROOT
    inliner(s)
    assert s[T1].attach_type == K_INLINE and s[T2].attach_type == K_GROUP_ROOT  # output
    assert "T1" not in str(tvm.lower(s, args))


def test_auto_inline_leaves_other_kinds_and_scheduled_stages():
    s, T1, _, _ = chain("broadcast")           # A[i] * B[i, j] is not elementwise
    te.schedule.AutoInlineElemWise(s)
    assert s[T1].attach_type == K_GROUP_ROOT
    s, T1, _, _ = chain("elemwise")            # untagged: not a broadcast
    te.schedule.AutoInlineBroadcast(s)
    assert s[T1].attach_type == K_GROUP_ROOT
    s, T1, _, _ = chain("elemwise")
    s[T1].split(T1.op.axis[0], factor=2)     # scheduled by the user: left alone
    te.schedule.AutoInlineInjective(s)
    assert s[T1].attach_type == K_GROUP_ROOT


def cumulative():
    X = te.placeholder((4, 3), name="X")
    state = te.placeholder((4, 3), name="state")
    init = te.compute((1, 3), lambda _, i: X[0, i], name="init")
    mid = te.compute((4, 3), lambda t, i: state[t - 1, i] + X[t, i], name="mid")
    update = te.compute((4, 3), lambda t, i: mid[t, i] * 1.0, name="update")
    return X, mid, update, te.scan(init, update, state, inputs=X)   # one tensor


def test_scan_get_body_and_one_tensor_as_scan_inputs():
    X, mid, update, out = cumulative()
    assert list(out.op.inputs) == [X]
    assert list(te.schedule.ScanGetBody(out.op)) == [mid.op, update.op]
    x = np.arange(12, dtype="float32").reshape(4, 3)
    f = tvm.build(te.create_schedule(out.op), [X, out])
    got = tvm.nd.empty((4, 3))
    f(tvm.nd.array(x), got)
    np.testing.assert_allclose(got.numpy(), np.cumsum(x, axis=0))


def test_a_tensor_is_not_iterable():
    X = te.placeholder((4, 3), name="X")
    with pytest.raises(TypeError, match="tensor 'X' is not iterable"):
        list(X)


def test_tvm_names_of_containers_functors_and_schedule_types():
    s, _, _, _ = chain()
    bounds = te.schedule.InferBound(s.normalize())
    assert isinstance(bounds, tvm.container.Map) and tvm.container is tvm.ir.container
    assert tvm.tir.stmt_functor.post_order_visit is tvm.tir.post_order_visit
    assert te.schedule.IterVar is tvm.tir.IterVar and te.schedule.Buffer is tvm.tir.Buffer
    assert te.schedule.IterVar.Vectorized == 6


def test_producer_bound_to_its_consumers_gpu_thread_lowers():
    # TVM's pattern: B computed per thread under the thread index C is bound to
    A = te.placeholder((1, 3, 2), name="A")
    B = te.compute(A.shape, lambda i, j, k: A[i, j, k] + 1.0, name="B")
    C = te.compute(A.shape, lambda i, j, k: B[i, j, k] * 2.0, name="C")
    s = te.create_schedule(C.op)
    tx = te.thread_axis("threadIdx.x")
    s[B].compute_at(s[C], C.op.axis[0])
    s[B].set_scope("local")
    _, inner = s[B].split(B.op.axis[1], factor=3)
    s[C].bind(C.op.axis[1], tx)
    s[B].bind(inner, tx)
    body = tvm.lower(s, [A, C])["main"].body
    launches = []
    tvm.tir.stmt_functor.post_order_visit(body, lambda n: launches.append(n.value)
                                          if isinstance(n, S.AttrStmt)
                                          and n.attr_key == "thread_extent" else None)
    assert [int(v) for v in launches] == [3, 3]      # one launch per stage, 3 threads


def test_warp_memory_spans_the_lanes_of_thread_x():
    # TVM's NeedRelax: a "warp" stage read under threadIdx.x holds every lane's part
    A = te.placeholder((64, 8), name="A")
    A1 = te.compute(A.shape, lambda i, j: A[i, j], name="A1")
    A2 = te.compute(A.shape, lambda i, j: A1[i, j] + 3.0, name="A2")
    s = te.create_schedule(A2.op)
    s[A1].set_scope("warp")
    _, xi = s[A2].split(A2.op.axis[0], 32)
    xi0, xi1 = s[A2].split(xi, factor=16)
    tx = te.thread_axis("threadIdx.x")
    s[A2].bind(xi1, tx)
    s[A2].bind(xi0, te.thread_axis("threadIdx.y"))
    s[A1].compute_at(s[A2], A2.op.axis[1])
    _, inner = s[A1].split(A1.op.axis[0], factor=16)
    s[A1].bind(inner, tx)
    bounds = te.schedule.InferBound(s.normalize())
    assert bounds[A1.op.axis[0]].extent.value == 16      # the 16 lanes, not one row
