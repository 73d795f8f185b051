"""A schedule VTA cannot run fails in `vta.lower` with an error naming the stage (or the
buffer) and the rule it breaks: one test per rule."""
import pytest

from minitvm import te
from minitvm.schedule.errors import TensorizeError
from minitvm.transform.storage_flatten import FlattenError
from minitvm.transform.storage_rewrite import StorageRewriteError
from vta_backend import build_module
from vta_backend.environment import get_env
from vta_backend.intrin import gemm
from vta_backend.transform.inject_alu_intrin import ALUPatternError
from vta_backend.transform.inject_dma_intrin import DMAPatternError

from conv_schedule import conv2d, vta_schedule

ENV = get_env()


def needs_pipeline():
    pytest.importorskip("minitvm.transform.simplify")


def copy_of(tensor):
    return lambda *i: tensor(*i)


def copy_stage(tensor, name):
    return te.compute(tensor.shape, copy_of(tensor), name)


def test_tensorize_on_a_body_that_is_not_gemm():
    """matrix_multiply with `+` instead of `*` in the reduction."""
    a = te.placeholder((1, 16, 1, 16), name="A", dtype="int8")
    b = te.placeholder((16, 16, 16, 16), name="B", dtype="int8")
    a_buf, b_buf = copy_stage(a, "A_buf"), copy_stage(b, "B_buf")
    ko, ki = te.reduce_axis((0, 16), name="ko"), te.reduce_axis((0, 16), name="ki")
    c_buf = te.compute((1, 16, 1, 16), lambda bo, co, bi, ci: te.sum(
        a_buf[bo, ko, bi, ki].astype("int32") + b_buf[co, ko, ci, ki].astype("int32"),
        axis=[ko, ki]), name="C_buf")
    c = te.compute(c_buf.shape, lambda *i: c_buf(*i).astype("int8"), name="C")
    s = te.create_schedule(c.op)
    s[a_buf].set_scope(ENV.inp_scope)
    s[b_buf].set_scope(ENV.wgt_scope)
    s[c_buf].set_scope(ENV.acc_scope)
    bo, co, bi, ci = s[c_buf].op.axis
    s[c_buf].reorder(ko, bo, co, bi, ci, ki)
    s[a_buf].compute_at(s[c_buf], ko)
    s[b_buf].compute_at(s[c_buf], ko)
    s[c_buf].tensorize(bi, gemm(ENV))
    with pytest.raises(TensorizeError, match="tensorize on stage 'C_buf', axis 'bi': intrinsic "
                                             "'GEMM': the loops under the axis do not compute"):
        build_module.lower(s, [a, b, c])


def vector_program(make_c_buf, blocks=64, inputs=1, a_shape=None, load=None):
    """vta_get_started's shape: inputs loaded into the accumulator, one ALU stage, stored.
    `load(a)` gives A_buf's compute function (default: a plain copy of A)."""
    shape = (1, blocks, 1, 16)
    ins = [te.placeholder(a_shape or shape, name=n, dtype="int32") for n in "AB"[:inputs]]
    bufs = [te.compute(shape, (load or copy_of)(t), t.name + "_buf") for t in ins]
    c_buf = make_c_buf(*bufs)
    c = te.compute(c_buf.shape, lambda *i: c_buf(*i).astype("int8"), name="C")
    s = te.create_schedule(c.op)
    for buf in bufs:
        s[buf].set_scope(ENV.acc_scope)
        s[buf].pragma(s[buf].op.axis[0], ENV.dma_copy)
    s[c_buf].set_scope(ENV.acc_scope)
    s[c_buf].pragma(s[c_buf].op.axis[0], ENV.alu)
    s[c].pragma(s[c].op.axis[0], ENV.dma_copy)
    return s, ins + [c]


def test_alu_stage_not_elementwise_in_place():
    """C_buf reads A_buf with its blocks reversed: no operand at the element it writes."""
    needs_pipeline()
    s, args = vector_program(lambda a_buf: te.compute(
        (1, 64, 1, 16), lambda bo, co, bi, ci: a_buf[bo, 63 - co, bi, ci] + 1, "C_buf"))
    with pytest.raises(ALUPatternError, match="alu stage 'C_buf': it is not element-wise in "
                                              "place"):
        build_module.lower(s, args)


def test_dma_copy_without_2d_pattern():
    """A_buf loads A transposed: its 16 lanes are 64 elements apart in DRAM."""
    needs_pipeline()
    s, args = vector_program(
        lambda a_buf: te.compute(a_buf.shape, lambda *i: a_buf(*i) + 1, "C_buf"),
        a_shape=(1, 1, 16, 64), load=lambda a: lambda bo, co, bi, ci: a[bo, bi, ci, co])
    with pytest.raises(DMAPatternError, match="dma_copy of stage 'A_buf': cannot detect a 2-D "
                                              "DMA pattern with elements of 16 lanes in A "
                                              r"\(global; axes 'co' x 64 with stride 1, 'ci' "
                                              "x 16 with stride 64\\)"):
        build_module.lower(s, args)


def test_tile_too_large_for_the_accumulator():
    """16 x 14 x 14 output elements per tile (3136) exceed the 2048-element accumulator
    (StorageFlatten checks each tile against the registered SRAM size)."""
    needs_pipeline()
    t = conv2d(ENV)
    s = vta_schedule(t, ENV, oc_block=16, h_block=14, v_threads=1)
    with pytest.raises(FlattenError, match=r"res_conv needs 50176 x int32 = 1605632 bits in "
                                           r"'local.acc_buffer', which holds only 1048576 bits"):
        build_module.lower(s, [t["data"], t["kernel"], t["res"]])


def test_tiles_that_fit_alone_but_not_together():
    """A_buf and B_buf (1100 elements each) are both live when C_buf = A_buf + B_buf runs:
    EarlyRewrite packs them into one accumulator allocation of 2200 elements > 2048."""
    needs_pipeline()
    s, args = vector_program(lambda a_buf, b_buf: te.compute(
        a_buf.shape, lambda *i: a_buf(*i) + b_buf(*i), "C_buf"), blocks=1100, inputs=2)
    with pytest.raises(StorageRewriteError, match=r"A_buf.* together need 1126400 bits "
                                                  r"of 'local.acc_buffer', which holds only "
                                                  r"1048576 bits"):
        build_module.lower(s, args)


# --- copies VTA's DMA cannot express, in the schedule's terms -------------------------------

def small_conv(**tiling):
    t = conv2d(ENV, height=4, width=4, in_channels=32, out_channels=64)
    s = vta_schedule(t, ENV, **{**dict(oc_block=1, h_block=2, w_block=4, v_threads=1),
                                **tiling})
    return s, [t["data"], t["kernel"], t["res"]]


def test_split_that_does_not_divide_names_the_split():
    """h_block=3 over 4 output rows: data_buf's last tile is partial (a guard)."""
    s, args = small_conv(h_block=3)
    with pytest.raises(DMAPatternError, match=r"dma_copy of stage 'data_buf': the copy is "
                                              r"guarded by `.*`: the split of axis 'i2' by "
                                              r"factor 3 \(loop 'i2.outer'\) does not divide"
                                              r".*Choose split factors that divide"):
        build_module.lower(s, args)


def test_output_channel_split_that_does_not_divide_names_the_split():
    """oc_block=3 over 4 output-channel blocks: kernel_buf's last tile is partial."""
    s, args = small_conv(oc_block=3)
    with pytest.raises(DMAPatternError, match=r"stage 'kernel_buf': .* the split of axis 'i1' "
                                              r"by factor 3 \(loop 'i1.outer'\) does not divide"):
        build_module.lower(s, args)


def test_more_virtual_threads_than_tiles_names_the_thread_loop():
    """4 virtual threads over 3 output-channel tiles: the fourth thread's copy is guarded."""
    t = conv2d(ENV, height=4, width=4, in_channels=16, out_channels=48)
    s = vta_schedule(t, ENV, oc_block=1, h_block=2, w_block=4, v_threads=4)
    with pytest.raises(DMAPatternError, match=r"stage 'kernel_buf': the copy is guarded by "
                                              r"`cthread < 3`: the split that made loop "
                                              r"'cthread' does not divide"):
        build_module.lower(s, [t["data"], t["kernel"], t["res"]])


def test_padding_on_a_channel_axis_names_the_axis():
    """topi.nn.pad on the channel blocks as well as rows and columns: VTA pads rows and
    columns only (the copy's two outer axes)."""
    from minitvm import topi
    data = te.placeholder((1, 2, 4, 4, 1, 16), name="data", dtype="int8")
    data_buf = topi.nn.pad(data, [0, 1, 1, 1, 0, 0], name="data_buf")
    acc = te.compute(data_buf.shape, lambda *i: data_buf(*i).astype("int32"), "acc")
    out = te.compute(data_buf.shape, lambda *i: acc(*i).astype("int8"), "out")
    s = te.create_schedule(out.op)
    s[data_buf].set_scope(ENV.inp_scope)
    s[data_buf].pragma(s[data_buf].op.axis[0], ENV.dma_copy)
    with pytest.raises(DMAPatternError, match="stage 'data_buf': VTA's DMA pads only rows and "
                                              "columns, which are the copy's axes 'i1' and "
                                              "'i2' here, not axis 'i3'"):
        build_module.lower(s, [data, out])
