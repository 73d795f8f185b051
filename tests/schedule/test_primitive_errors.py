"""One test per rule of the legacy schedule primitives added for issue 14 (tile, split
by an expression, cache_read, cache_write, rfactor, storage_align, double_buffer,
set_store_predicate, create_group, env_threads): each raises a ScheduleError (a
ValueError, as TVM's Python checks raise) whose message names the primitive, the stage
and the axis or tensor."""
import numpy as np
import pytest

import minitvm as tvm
from minitvm import te
from minitvm.schedule import ScheduleError
from sched_workloads import elementwise, matmul, run


def schedule(*outputs):
    return te.create_schedule([t.op for t in outputs])


def test_tile_of_an_axis_of_another_stage():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"tile on stage 'D', axis 'i': the axis belongs "
                                            r"to stage 'C', not to this one"):
        s[D].tile(C.op.axis[0], D.op.axis[1], 2, 2)


def test_tile_of_one_axis_twice():
    A, B, C, D = elementwise()
    s = schedule(D)
    i = D.op.axis[0]
    with pytest.raises(ScheduleError, match=r"tile on stage 'D', axis 'i': x_parent and "
                                            r"y_parent must be two different axes"):
        s[D].tile(i, i, 2, 2)


def test_split_by_a_non_integer_expression():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"argument 'factor' to split on stage 'D': must "
                                            r"be a positive integer or an integer expression, not of dtype "
                                            r"float32"):
        s[D].split(D.op.axis[0], factor=te.var("f", "float32"))


def test_cache_read_for_a_stage_that_does_not_read_the_tensor():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"cache_read on stage 'A': stage 'C' does not "
                                            r"read tensor 'A'"):
        s.cache_read(A, "local", [B, C])


def test_cache_read_for_a_reader_outside_the_schedule():
    A, B, C, D = elementwise()
    s = schedule(C)
    with pytest.raises(ScheduleError, match=r"cache_read on stage 'A': reader .*D.* is not "
                                            r"an operation or tensor of this schedule"):
        s.cache_read(A, "local", [D])


def test_cache_read_of_a_tensor_outside_the_schedule():
    A, B, C, D = elementwise()
    s = schedule(B)
    with pytest.raises(ScheduleError, match=r"cache_read: tensor 'C' is not computed by "
                                            r"this schedule"):
        s.cache_read(C, "local", [B])


def test_cache_read_into_an_unknown_scope():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"argument 'scope' to cache_read on stage 'A': "
                                            r"must be one of global, shared, warp, local"):
        s.cache_read(A, "sram", [B])


def test_cache_write_of_a_placeholder():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"cache_write on stage 'A': only a compute can "
                                            r"be cached for writing"):
        s.cache_write(A, "local")


def test_cache_write_after_splitting_a_reduction():
    A, B, C = matmul()
    s = schedule(C)
    ko, ki = s[C].split(C.op.reduce_axis[0], factor=2)
    with pytest.raises(ScheduleError, match=r"cache_write on stage 'C', axis 'k.outer': can "
                                            r"only relayout data-parallel loops"):
        s.cache_write(C, "local")


def test_cache_write_of_tensors_of_two_stages():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"cache_write on stage 'C': tensor 'D' is not an "
                                            r"output of this stage"):
        s.cache_write([C, D], "local")


def test_cache_write_of_some_outputs_of_a_multi_output_compute():
    A = te.placeholder((4,), name="A")
    B0, B1 = te.compute((4,), lambda i: (A[i] + 1.0, A[i] * 2.0), name="B")
    s = schedule(B0, B1)
    with pytest.raises(ScheduleError, match=r"cache_write on stage 'B': give all 2 outputs "
                                            r"of the stage, got 1"):
        s.cache_write(B0, "local")


def test_rfactor_of_a_data_parallel_axis():
    A, B, C = matmul()
    s = schedule(C)
    with pytest.raises(ScheduleError, match=r"rfactor on stage 'C', axis 'i': only a "
                                            r"reduction axis can be factored"):
        s.rfactor(C, C.op.axis[0])


def test_rfactor_of_a_stage_without_reduction():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"rfactor on stage 'D', axis 'i': only a "
                                            r"reduction compute can be factored"):
        s.rfactor(D, D.op.axis[0])


def test_rfactor_of_a_loop_fused_with_a_data_axis():
    A, B, C = matmul()
    s = schedule(C)
    j, k = C.op.axis[1], C.op.reduce_axis[0]
    fused = s[C].fuse(j, k)
    with pytest.raises(ScheduleError, match=r"rfactor on stage 'C', axis 'j.k.fused': the "
                                            r"axis is fused with the data-parallel axis 'j'"):
        s.rfactor(C, fused)


def test_rfactor_of_an_axis_already_split():
    A, B, C = matmul()
    s = schedule(C)
    k = C.op.reduce_axis[0]
    s[C].split(k, factor=2)
    with pytest.raises(ScheduleError, match=r"rfactor on stage 'C', axis 'k': the axis was "
                                            r"already split or fused"):
        s.rfactor(C, k)


def test_rfactor_with_factor_axis_out_of_range():
    A, B, C = matmul()
    s = schedule(C)
    with pytest.raises(ScheduleError, match=r"argument 'factor_axis' to rfactor on stage "
                                            r"'C': must be an int in \[-3, 2\], got 3"):
        s.rfactor(C, C.op.reduce_axis[0], factor_axis=3)


def test_set_store_predicate_not_boolean():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"argument 'predicate' to set_store_predicate on "
                                            r"stage 'D': must be a boolean expression"):
        s[D].set_store_predicate(D.op.axis[0].var + 1)


def test_storage_align_of_a_placeholder():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"storage_align on stage 'A', axis 'i': only a "
                                            r"compute has a buffer to align"):
        s[A].storage_align(B.op.axis[0], 8, 0)


def test_storage_align_of_a_split_axis():
    A, B, C, D = elementwise()
    s = schedule(D)
    outer, inner = s[C].split(C.op.axis[1], factor=2)
    with pytest.raises(ScheduleError, match=r"storage_align on stage 'C', axis 'j.inner': the "
                                            r"axis must be a dimension of the stage's output"):
        s[C].storage_align(inner, 8, 0)


def test_storage_align_with_a_zero_factor():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"argument 'factor' to storage_align on stage "
                                            r"'C': must be a positive integer, got 0"):
        s[C].storage_align(C.op.axis[0], 0, 1)


def test_double_buffer_of_an_output():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"double_buffer on stage 'D': an output of the "
                                            r"schedule cannot be double buffered"):
        s[D].double_buffer()


def test_env_threads_of_a_compute():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"env_threads on stage 'D': only a scan"):
        s[D].env_threads([te.thread_axis("cthread")])


def test_compute_at_of_a_group_member_outside_its_group():
    A, B, C, D = elementwise()
    s = schedule(D)
    s.create_group(outputs=C, inputs=A)
    with pytest.raises(ScheduleError, match=r"compute_at on stage 'B', axis 'i': the stage "
                                            r"is in a group; stage 'D' is not in it"):
        s[B].compute_at(s[D], D.op.axis[0])


def test_create_group_of_nothing():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"create_group: no stage lies between the inputs "
                                            r"and the outputs"):
        s.create_group(outputs=C, inputs=[])


def test_create_group_across_another_group():
    A, B, C, D = elementwise()
    s = schedule(D)
    s.create_group(outputs=C, inputs=A)         # B and C
    with pytest.raises(ScheduleError, match=r"create_group: the new group would take only "
                                            r"1 of the 2 members of group\(B, C\)"):
        s.create_group(outputs=D, inputs=B)


def test_split_of_a_group():
    A, B, C, D = elementwise()
    s = schedule(D)
    g = s.create_group(outputs=C, inputs=A)
    with pytest.raises(ScheduleError, match=r"split on group: a group has no loops"):
        g.split(C.op.axis[0], factor=2)


def test_cache_read_refused_for_one_reader_rewrites_no_reader():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"stage 'C' does not read tensor 'A'"):
        s.cache_read(A, "local", [B, C])
    a = np.random.RandomState(0).uniform(-1, 1, (10, 6)).astype("float32")
    np.testing.assert_allclose(run(s, [A, D], [a]), (a * 2 + 1) ** 2, rtol=1e-6)


def test_cache_read_without_readers():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"argument 'readers' to cache_read on stage 'A': "
                                            r"must name at least one stage reading the tensor"):
        s.cache_read(A, "local", [])


def test_create_group_of_something_not_a_tensor():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"create_group: outputs must be a tensor or a list "
                                            r"of tensors, got IterVar\(i"):
        s.create_group(outputs=C.op.axis[0], inputs=A)


def test_create_group_of_a_tensor_outside_the_schedule():
    A, B, C, D = elementwise()
    E = te.compute(A.shape, lambda i, j: A[i, j] - 1.0, name="E")
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"create_group: tensor 'E' of outputs is not a "
                                            r"tensor of this schedule"):
        s.create_group(outputs=E, inputs=A)


def test_split_without_predication_that_does_not_divide_fails_at_run_time():
    # the caller promised the split divides; the host build checks every access and
    # reports the broken promise as a TVMError naming the buffer
    A, B, C, D = elementwise()            # 10 rows
    s = schedule(B)
    s[B].split(B.op.axis[0], nparts=3, disable_predication=True)
    with pytest.raises(tvm.TVMError, match=r"buffer '[AB]': element \d+ is outside its 60 "
                                           r"elements"):
        run(s, [A, B], [np.zeros((10, 6), "float32")])
