"""Each illegal schedule raises a ScheduleError naming the primitive, the stage and the
axis (one test per rule)."""
import pytest

from minitvm import te
from minitvm.schedule import ScheduleError, TensorizeError, schedule_to_primfunc
from sched_workloads import elementwise, matmul


def schedule(*outputs):
    return te.create_schedule([t.op for t in outputs])


def test_compute_at_an_axis_of_another_stage():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError,
                       match=r"compute_at on stage 'B', axis 'i': the axis is not a loop of "
                             r"stage 'D'"):
        s[B].compute_at(s[D], C.op.axis[0])


def test_reorder_naming_an_axis_twice():
    A, B, C, D = elementwise()
    s = schedule(D)
    i, j = D.op.axis
    with pytest.raises(ScheduleError, match=r"reorder on stage 'D', axis 'j': the axis is "
                                            r"given more than once"):
        s[D].reorder(j, i, j)


def test_reorder_naming_an_axis_of_another_stage():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"reorder on stage 'D', axis 'i': the axis "
                                            r"belongs to stage 'C', not to this one"):
        s[D].reorder(D.op.axis[1], C.op.axis[0])


def test_splitting_an_axis_already_split():
    A, B, C, D = elementwise()
    s = schedule(D)
    i = D.op.axis[0]
    s[D].split(i, factor=2)
    with pytest.raises(ScheduleError, match=r"split on stage 'D', axis 'i': the axis was "
                                            r"already split or fused"):
        s[D].split(i, factor=5)


def test_fusing_non_adjacent_axes():
    A, B, C = matmul()
    s = schedule(C)
    i, j = C.op.axis
    k, = C.op.reduce_axis
    with pytest.raises(ScheduleError, match=r"fuse on stage 'C', axis 'k': axes 'i' \(loop 0\) "
                                            r"and 'k' \(loop 2\) are not adjacent"):
        s[C].fuse(i, k)


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_a_non_positive_split_factor(bad):
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"argument 'factor' to split on stage 'D': must "
                                            r"be a positive integer, got"):
        s[D].split(D.op.axis[0], factor=bad)
    with pytest.raises(ScheduleError, match=r"argument 'nparts' to split on stage 'D'"):
        s[D].split(D.op.axis[0], nparts=bad)


def gemm_intrin(body=lambda a, b: a * b, rows=1, cols=4, depth=4):
    a = te.placeholder((rows, depth), "float32", name="a")
    b = te.placeholder((depth, cols), "float32", name="b")
    k = te.reduce_axis((0, depth), name="kk")
    c = te.compute((rows, cols), lambda i, j: te.sum(body(a[i, k], b[k, j]), axis=k),
                   name="c")
    from minitvm.tir import call_extern
    return te.decl_tensor_intrin(
        c.op, lambda ins, outs: call_extern("int32", "gemm", outs[0].data, ins[0].data,
                                            ins[1].data), name="gemm")


def test_tensorize_on_a_body_that_does_not_match_the_intrinsic():
    A, B, C = matmul(n=4, m=8, k=4)
    s = schedule(C)
    i, j = C.op.axis
    jo, ji = s[C].split(j, factor=4)
    s[C].tensorize(ji, gemm_intrin(body=lambda a, b: a + b))
    with pytest.raises(TensorizeError, match=r"tensorize on stage 'C', axis 'j.inner': "
                                             r"intrinsic 'gemm': the loops under the axis do "
                                             r"not compute what the intrinsic declares"):
        schedule_to_primfunc(s, [A, B, C])


def test_tensorize_on_a_region_of_the_wrong_size():
    A, B, C = matmul(n=4, m=8, k=4)
    s = schedule(C)
    jo, ji = s[C].split(C.op.axis[1], factor=2)
    s[C].tensorize(ji, gemm_intrin())
    with pytest.raises(TensorizeError, match=r"axis 'j' spans 2 values per call, the "
                                             r"intrinsic's 'j' 4"):
        schedule_to_primfunc(s, [A, B, C])


def test_binding_one_axis_twice():
    A, B, C, D = elementwise()
    s = schedule(D)
    i = D.op.axis[0]
    s[D].bind(i, te.thread_axis("cthread"))
    with pytest.raises(ScheduleError, match=r"bind on stage 'D', axis 'i': the axis is "
                                            r"already bound to thread 'cthread'"):
        s[D].bind(i, te.thread_axis("vthread"))


def test_binding_a_thread_of_unknown_kind():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"argument 'thread_ivar' to bind on stage 'D': "
                                            r"must be a thread axis tagged 'blockIdx.x/y/z'"):
        s[D].bind(D.op.axis[0], te.thread_axis("warpIdx.x"))


def test_unknown_storage_scope():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"argument 'scope' to set_scope on stage 'B': "
                                            r"must be one of global, shared, warp, local"):
        s[B].set_scope("sram")


def test_a_tensor_outside_the_schedule():
    A, B, C, D = elementwise()
    s = schedule(C)
    with pytest.raises(ScheduleError, match="not an operation or tensor of this schedule"):
        s[D]


def tensorized_matmul(intrin, depth=8, split_k=True):
    A, B, C = matmul(n=4, m=8, k=depth)
    s = schedule(C)
    i, j = C.op.axis
    jo, ji = s[C].split(j, factor=4)
    k, = C.op.reduce_axis
    if split_k:
        ko, ki = s[C].split(k, factor=4)
        s[C].reorder(i, jo, ko, ji, ki)
    s[C].tensorize(ji, intrin)
    return s, [A, B, C]


def test_tensorize_inside_the_reduction_needs_an_update_statement():
    s, args = tensorized_matmul(gemm_intrin())
    with pytest.raises(TensorizeError, match=r"the axis lies inside the reduction loops but "
                                             r"the intrinsic declares no update statement"):
        schedule_to_primfunc(s, args)


def test_tensorize_over_a_reduction_the_intrinsic_does_not_cover():
    s, args = tensorized_matmul(gemm_intrin(), depth=8, split_k=False)
    with pytest.raises(TensorizeError, match=r"reduction axis 'k' covers 8 values per call, "
                                             r"the intrinsic's 'kk' 4"):
        schedule_to_primfunc(s, args)


def test_tensorize_over_guarded_loops():
    A, B, C = matmul(n=4, m=6, k=4)
    s = schedule(C)
    jo, ji = s[C].split(C.op.axis[1], factor=4)
    s[C].tensorize(ji, gemm_intrin())
    with pytest.raises(TensorizeError, match=r"a split inside the tensorized loops does not "
                                             r"divide its axis"):
        schedule_to_primfunc(s, [A, B, C])


def test_tensorize_over_a_virtual_thread():
    A, B, C = matmul(n=4, m=8, k=4)
    s = schedule(C)
    jo, ji = s[C].split(C.op.axis[1], factor=4)
    s[C].bind(s[C].leaf_iter_vars[0], te.thread_axis("cthread"))
    s[C].tensorize(s[C].leaf_iter_vars[0], gemm_intrin())
    with pytest.raises(TensorizeError, match=r"a loop inside the tensorized scope is bound "
                                             r"to a thread"):
        schedule_to_primfunc(s, [A, B, C])
