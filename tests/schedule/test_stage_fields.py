"""The fields TVM exposes on a stage, its IterVarAttrs and its relations, with TVM's names
and integer codes. The codes are written out here from TVM's headers
(include/tvm/tir/var.h IterVarType, include/tvm/te/schedule.h AttachType), not taken
from minitvm."""
import pytest

import minitvm as tvm
from minitvm import te
from minitvm.driver.build_module import schedule_to_module
from minitvm.schedule import ScheduleError
from minitvm.te.schedule import Fuse, Singleton, Split
from minitvm.schedule.relations import Rebase
from sched_workloads import elementwise, matmul
from test_schedule_tensorize import gemm_intrin, workload

K_DATA_PAR, K_COMM_REDUCE, K_UNROLLED, K_VECTORIZED, K_PARALLELIZED, K_TENSORIZED = \
    0, 2, 5, 6, 7, 8
K_GROUP_ROOT, K_INLINE, K_INLINED_ALREADY, K_SCOPE = 1, 2, 3, 4


def test_iter_var_type_codes_are_tvms():
    iv = tvm.tir.IterVar
    assert [iv.DataPar, iv.ThreadIndex, iv.CommReduce, iv.Ordered, iv.Opaque, iv.Unrolled,
            iv.Vectorized, iv.Parallelized, iv.Tensorized] == list(range(9))
    A, B, C = matmul()
    assert C.op.axis[0].iter_type == K_DATA_PAR
    assert C.op.reduce_axis[0].iter_type == K_COMM_REDUCE
    assert te.thread_axis("threadIdx.x").iter_type == 1


def test_annotations_set_the_attr_iter_type():
    A, B, C, D = elementwise()
    s = te.create_schedule(D.op)
    i, j = s[D].op.axis
    jo, ji = s[D].split(j, factor=2)
    s[D].unroll(i)
    s[D].parallel(jo)
    s[D].vectorize(ji)
    attrs = s[D].iter_var_attrs
    assert [attrs[iv].iter_type for iv in (i, jo, ji)] == \
        [K_UNROLLED, K_PARALLELIZED, K_VECTORIZED]
    s[D].unroll(ji)                          # the last annotation wins, as in TVM
    assert attrs[ji].iter_type == K_UNROLLED


def test_bind_sets_bind_thread_and_keeps_data_par():
    A, B, C, D = elementwise()
    s = te.create_schedule(D.op)
    tx = te.thread_axis("threadIdx.x")
    s[D].bind(s[D].op.axis[1], tx)
    attr = s[D].iter_var_attrs[s[D].op.axis[1]]
    assert attr.bind_thread is tx and attr.iter_type == K_DATA_PAR
    assert attr.prefetch_data == [] and attr.prefetch_offset == []
    assert (attr.dim_align_factor, attr.dim_align_offset) == (0, 0)
    assert attr.tensor_intrin is None and attr.pragma_keys == [] == attr.pragma_values


def test_pragma_keys_and_values():
    A, B, C, D = elementwise()
    s = te.create_schedule(D.op)
    i = s[D].op.axis[0]
    s[D].pragma(i, "auto_unroll_max_step", 16)
    s[D].pragma(i, "op", "unity")
    s[D].pragma(i, "dma_copy")
    attr = s[D].iter_var_attrs[i]
    assert list(attr.pragma_keys) == ["auto_unroll_max_step", "op", "dma_copy"]
    step, op, none = attr.pragma_values
    assert (step.value, step.dtype, op.value, none) == (16, "int32", "unity", None)
    # each becomes a pragma attribute of the loop, as TVM's MakeLoopNest emits them
    text = str(schedule_to_module(s, [A, D]))
    assert '"pragma_auto_unroll_max_step", 16)' in text and '"pragma_op", "unity")' in text
    assert '"pragma_dma_copy", 1)' in text


def test_pragma_value_that_is_no_expression_is_refused():
    A, B, C, D = elementwise()
    s = te.create_schedule(D.op)
    with pytest.raises(ScheduleError, match="argument 'pragma_value' to pragma on stage 'D'"):
        s[D].pragma(s[D].op.axis[0], "op", [1, 2])


def test_storage_align_and_tensorize_fields():
    A, B, C, D = elementwise()
    s = te.create_schedule(D.op)
    s[B].storage_align(B.op.axis[0], 8, 1)
    attr = s[B].iter_var_attrs[B.op.axis[0]]
    assert (attr.dim_align_factor, attr.dim_align_offset) == (8, 1)
    A, W, C = workload()
    s = te.create_schedule(C.op)
    intrin = gemm_intrin()
    jo, ji = s[C].split(C.op.axis[1], factor=4)
    s[C].tensorize(ji, intrin)
    attr = s[C].iter_var_attrs[ji]
    assert attr.iter_type == K_TENSORIZED and attr.tensor_intrin is intrin


def test_relations_have_tvms_fields():
    A, B, C, D = elementwise()
    s = te.create_schedule(D.op)
    i, j = s[D].op.axis
    io, ii = s[D].split(i, factor=3)
    fused = s[D].fuse(ii, j)
    single = s[D].fuse()
    split, fuse, singleton = s[D].relations
    assert isinstance(split, Split) and (split.parent, split.outer, split.inner) == (i, io, ii)
    assert (split.factor, split.nparts, split.disable_predication) == (3, None, False)
    assert isinstance(fuse, Fuse) and (fuse.outer, fuse.inner, fuse.fused) == (ii, j, fused)
    assert isinstance(singleton, Singleton) and singleton.iter is single
    assert s[D].all_iter_vars == [i, j, io, ii, fused, single]
    assert s[D].leaf_iter_vars == [single, io, fused]


def test_normalize_rebases_root_loops_and_returns_a_schedule():
    A, B, C, D = elementwise()
    s = te.create_schedule(D.op)
    i, j = s[D].op.axis
    normalized = s.normalize()
    assert isinstance(normalized, te.schedule.Schedule) and s[D].relations == []
    rebases = normalized[D].relations
    assert [type(r) for r in rebases] == [Rebase, Rebase]
    assert [r.parent for r in rebases] == [i, j]
    assert normalized[D].leaf_iter_vars == [r.rebased for r in rebases]


def test_attach_fields_are_tvms_codes():
    A, B, C, D = elementwise()
    s = te.create_schedule(D.op)
    assert [s[t].attach_type for t in (A, B, C, D)] == [K_GROUP_ROOT] * 4
    j = s[D].op.axis[1]
    s[B].compute_at(s[D], j)
    s[C].compute_inline()
    assert (s[B].attach_type, s[B].attach_stage, s[B].attach_ivar) == (K_SCOPE, s[D], j)
    assert s[C].attach_type == K_INLINE
    assert s.normalize()[C].attach_type == K_INLINED_ALREADY
