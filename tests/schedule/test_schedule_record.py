"""`Schedule.schedule_record` / `primitive_record` under the PassContext config
"te.keep_schedule_record": the schedule as created, then a copy after each stage
primitive with the primitive's TVM name (C++ method names: `split_by_nparts`; tile
recorded as its split, split, reorder; pragma "unroll" as unroll)."""
import numpy as np

import minitvm as tvm
from minitvm import te
from sched_workloads import elementwise, matmul, run

KEEP = {"te.keep_schedule_record": True}


def test_nothing_is_recorded_by_default():
    A, B, C = matmul()
    s = te.create_schedule(C.op)
    s[C].split(C.op.axis[0], factor=2)
    assert s.schedule_record == [] and s.primitive_record == []


def test_each_stage_primitive_is_recorded_by_its_tvm_name():
    A, B, C = matmul(8, 8, 8)
    with tvm.transform.PassContext(config=KEEP):
        s = te.create_schedule(C.op)
    io, jo, ii, ji = s[C].tile(C.op.axis[0], C.op.axis[1], 4, 4)
    ko, ki = s[C].split(C.op.reduce_axis[0], nparts=2)
    s[C].pragma(ii, "unroll")
    s[C].pragma(io, "auto_unroll_max_step", 4)
    s[C].fuse(ji)
    # cache_read is no stage primitive, but it sets the new stage's scope with one, as
    # TVM's Schedule::cache_read does
    s.cache_read(A, "local", [C])
    assert s.primitive_record == ["vanilla", "split", "split", "reorder", "split_by_nparts",
                                  "unroll", "pragma", "fuse", "set_scope"]
    assert len(s.schedule_record) == len(s.primitive_record)


def test_each_record_is_the_schedule_as_it_was_then():
    A, B, C = matmul(6, 5, 7)
    with tvm.transform.PassContext(config=KEEP):
        s = te.create_schedule(C.op)
    s[C].split(C.op.axis[0], factor=4)
    s[C].reorder(C.op.reduce_axis[0], *s[C].leaf_iter_vars[:3])
    vanilla, after_split, after_reorder = s.schedule_record
    assert len(vanilla[C].leaf_iter_vars) == 3 and len(after_split[C].leaf_iter_vars) == 4
    assert after_split[C].leaf_iter_vars[0] is not C.op.reduce_axis[0]
    assert after_reorder[C].leaf_iter_vars[0] is C.op.reduce_axis[0]
    a = np.random.RandomState(0).uniform(size=(6, 7)).astype("float32")
    b = np.random.RandomState(1).uniform(size=(7, 5)).astype("float32")
    for recorded in s.schedule_record:          # every record lowers on its own
        np.testing.assert_allclose(run(recorded, [A, B, C], [a, b]), a @ b, rtol=1e-5)


def test_a_groups_compute_at_is_recorded():
    # a group is a stage in TVM, and its compute_at a stage primitive (create_group is not)
    A, B, C, D = elementwise()
    with tvm.transform.PassContext(config=KEEP):
        s = te.create_schedule(D.op)
    g = s.create_group(outputs=C, inputs=A)
    g.compute_at(s[D], D.op.axis[0])
    assert s.primitive_record == ["vanilla", "compute_at"]
    last = s.schedule_record[-1]
    assert last.groups[0].attach_stage is last[D] and s.schedule_record[0].groups == []
