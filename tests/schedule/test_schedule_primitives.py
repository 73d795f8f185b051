"""What the primitives record (relations, leaf order, attributes, attachments): record
only; ranges and loops come later."""
from minitvm import te
from minitvm.schedule.relations import Fuse, Split
from sched_workloads import Conv, elementwise, matmul


def names(ivs):
    return [iv.var.name for iv in ivs]


def test_stages_in_post_dfs_order_with_outputs_marked():
    conv = Conv(4, 4, 1, 1, block=2)
    s = conv.s
    assert [st.op.name for st in s.stages] == ["data", "data_buf", "kernel", "kernel_buf",
                                               "res_conv", "res_shr", "res_max", "res_min",
                                               "res"]
    assert [st.is_output for st in s.stages].count(True) == 1 and s[conv.res].is_output
    assert s[conv.res_conv] is s[conv.res_conv.op]
    assert names(s[conv.res_conv].leaf_iter_vars) == ["bo", "co", "i", "j", "bi", "ci", "ic",
                                                      "dy", "dx", "ic_tns"]


def test_split_fuse_and_reorder_record_relations_and_leaf_order():
    A, B, C = matmul()
    s = te.create_schedule(C.op)
    stage = s[C]
    i, j = C.op.axis
    k, = C.op.reduce_axis
    io, ii = stage.split(i, factor=4)
    ko, ki = stage.split(k, nparts=3)
    assert names(stage.leaf_iter_vars) == ["i.outer", "i.inner", "j", "k.outer", "k.inner"]
    split_i, split_k = stage.relations
    assert isinstance(split_i, Split) and (split_i.factor, split_i.nparts) == (4, None)
    assert (split_k.factor, split_k.nparts) == (None, 3) and ko.iter_type == k.iter_type
    # reorder permutes only the positions of the axes it names
    stage.reorder(ki, j, io)
    assert names(stage.leaf_iter_vars) == ["k.inner", "i.inner", "j", "k.outer", "i.outer"]
    fused = stage.fuse(ii, j)
    assert fused.var.name == "i.inner.j.fused" and isinstance(stage.relations[-1], Fuse)
    assert names(stage.leaf_iter_vars) == ["k.inner", "i.inner.j.fused", "k.outer", "i.outer"]
    assert len(stage.all_iter_vars) == 3 + 4 + 1


def test_attachment_and_loop_attributes():
    # attach_type and iter_type are TVM's codes (include/tvm/te/schedule.h: kGroupRoot 1,
    # kInline 2, kScope 4; include/tvm/tir/var.h: kUnrolled 5, kVectorized 6,
    # kParallelized 7)
    A, B, C, D = elementwise()
    s = te.create_schedule(D.op)
    i, j = D.op.axis
    s[B].compute_at(s[D], j)
    assert (s[B].attach_type, s[B].attach_stage, s[B].attach_ivar) == (4, s[D], j)
    s[B].compute_root()
    assert (s[B].attach_type, s[B].attach_stage) == (1, None)
    s[C].compute_inline()
    assert s[C].attach_type == 2
    s[D].pragma(i, "dma_copy")
    s[D].pragma(i, "unroll")
    s[D].parallel(j)
    s[B].vectorize(B.op.axis[1])
    s[B].set_scope("local.acc_buffer")
    attr = s[D].iter_var_attrs[i]
    assert [k.value for k in attr.pragma_keys] == ["dma_copy"] and attr.pragma_values == [None]
    assert s[D].iter_var_attrs[i].iter_type == 5
    assert s[D].iter_var_attrs[j].iter_type == 7
    assert s[B].iter_var_attrs[B.op.axis[1]].iter_type == 6
    assert s[B].scope == "local.acc_buffer"
    tx = te.thread_axis("cthread")
    s[B].bind(B.op.axis[0], tx)
    assert s[B].iter_var_attrs[B.op.axis[0]].bind_thread is tx
