"""InjectDMAIntrin on the copies of the convolution tutorial, written by hand as they look
after StorageFlatten; expected arguments derived from spec vta.md 5.3 and listing 3."""
import pytest

from minitvm.tir import op
from vta_backend.environment import get_env
from vta_backend.transform import inject_dma_intrin
from vta_backend.transform.inject_dma_intrin import DMAPatternError

from vtair import (attrs, calls, extern_args, flat, func, load, loop, nest, pragma, same_values,
                   store, var)

ENV = get_env()


def data_copy(ic_outer, i2_outer):
    """data_buf (9x16x16 int8 tile of the zero-padded input) at (ic_outer, i2_outer)."""
    data = flat("data", "int8", 50176)
    data_buf = flat("data_buf", "int8", 2304, ENV.inp_scope)
    i2, i3, i5 = var("i2"), var("i3"), var("i5")
    row = i2_outer * 7 + i2
    cond = op.all(1 <= row, row < 15, 1 <= i3, i3 < 15)
    value = op.if_then_else(cond, load(data, ic_outer * 3136 + row * 224 + i3 * 16 + i5 - 240),
                            op.const(0, "int8"))
    copy = nest([(i2, 9), (i3, 16), (i5, 16)], store(data_buf, i2 * 256 + i3 * 16 + i5, value))
    return data, data_buf, pragma("dma_copy", copy)


def lower_one(stmt, *params):
    return inject_dma_intrin(func(stmt, params)).body


def test_padded_input_load_matches_listing_3():
    ic_outer, i2_outer = var("ic_outer"), var("i2_outer")
    data, data_buf, copy = data_copy(ic_outer, i2_outer)
    body = lower_one(loop(i2_outer, 2, loop(ic_outer, 16, copy)), data)
    (scope,) = attrs(body, "coproc_scope")
    assert scope.value.value == 1 and scope.node.var.name == "vta"
    (call,) = calls(body, "VTALoadBuffer2D")
    cmd, src, offset, x, y, x_stride, xpb, ypb, xpa, ypa, sram, mem = extern_args(call)
    assert cmd.op == "tir.tvm_thread_context" and src is data.data
    ranges = {ic_outer: range(16), i2_outer: range(2)}
    top = lambda o: max(1 - 7 * o, 0)        # noqa: E731 - rows of padding above the tile
    bottom = lambda o: max(7 * o - 6, 0)     # noqa: E731 - rows of padding below it
    assert same_values(offset, lambda ic, o: ic * 196 + o * 98 + top(o) * 14 - 14, ranges)
    assert same_values(y, lambda ic, o: 9 - top(o) - bottom(o), ranges)
    assert same_values(ypb, lambda ic, o: top(o), ranges)
    assert same_values(ypa, lambda ic, o: bottom(o), ranges)
    assert [e.value for e in (x, x_stride, xpb, xpa, mem)] == [14, 14, 1, 1, 2]
    assert sram.op == "tir.tvm_access_ptr" and sram.args[1] is data_buf.data
    assert sram.args[2].value == 0 and sram.args[3].value == 2304


def test_weight_load_folds_into_rows_of_nine_elements():
    ic_outer, cthread = var("ic_outer"), var("cthread")
    kernel = flat("kernel", "int8", 589824)
    kernel_buf = flat("kernel_buf", "int8", 18432, ENV.wgt_scope)
    i0, i2, i3, i4, i5 = (var(n) for n in ("i0", "i2", "i3", "i4", "i5"))
    index = i2 * 768 + i3 * 256 + i4 * 16 + i5
    copy = nest([(i0, 8), (i2, 3), (i3, 3), (i4, 16), (i5, 16)],
                store(kernel_buf, i0 * 2304 + index,
                      load(kernel, cthread * 294912 + i0 * 36864 + ic_outer * 2304 + index)))
    body = lower_one(pragma("dma_copy", copy), kernel)
    (call,) = calls(body, "VTALoadBuffer2D")
    args = extern_args(call)
    assert same_values(args[2], lambda t, ic: t * 1152 + ic * 9,
                       {cthread: range(2), ic_outer: range(16)})
    assert [a.value for a in args[3:10]] == [9, 8, 144, 0, 0, 0, 0]
    assert args[11].value == 1 and attrs(body, "coproc_scope")[0].value.value == 1


def test_store_of_one_output_element_per_call():
    res = flat("res", "int8", 50176)
    res_min = flat("res_min", "int32", 12544, ENV.acc_scope)
    i1, i2, i3, i5, o = (var(n) for n in ("i1_inner", "i2_inner", "i3_inner", "i5", "i2_outer"))
    copy = loop(i5, 16, store(res, i1 * 3136 + (o * 7 + i2) * 224 + i3 * 16 + i5,
                              op.cast("int8", load(res_min, i1 * 1568 + i2 * 224 + i3 * 16 + i5))))
    body = lower_one(nest([(o, 2), (i1, 8), (i2, 7), (i3, 14)], pragma("dma_copy", copy)), res)
    (scope,) = attrs(body, "coproc_scope")
    assert scope.value.value == 3
    (call,) = calls(body, "VTAStoreBuffer2D")
    cmd, sram, mem, dst, offset, x, y, x_stride = extern_args(call)
    ranges = {o: range(2), i1: range(8), i2: range(7), i3: range(14)}
    assert dst is res.data and mem.value == 4 and [x.value, y.value, x_stride.value] == [1, 1, 1]
    assert same_values(offset, lambda a, b, c, d: b * 196 + a * 98 + c * 14 + d, ranges)
    assert same_values(sram.args[2], lambda a, b, c, d: b * 1568 + c * 224 + d * 16, ranges)


def test_int8_into_the_accumulator_uses_acc_8bit():
    a = flat("A", "int8", 1024)
    a_buf = flat("A_buf", "int32", 1024, ENV.acc_scope)
    i, j = var("i1"), var("i3")
    copy = nest([(i, 64), (j, 16)],
                store(a_buf, i * 16 + j, op.cast("int32", load(a, i * 16 + j))))
    (call,) = calls(lower_one(pragma("dma_copy", copy), a), "VTALoadBuffer2D")
    args = extern_args(call)
    assert [args[k].value for k in (2, 3, 4, 5)] == [0, 64, 1, 64]
    assert args[-1].value == ENV.dev.MEM_ID_ACC_8BIT


def test_copy_without_2d_pattern_names_the_stage():
    """Rows of 8 lanes cannot form whole 16-lane input elements."""
    a = flat("A", "int8", 4096)
    a_buf = flat("A_buf", "int8", 256, ENV.inp_scope)
    i, j = var("i"), var("j")
    copy = nest([(i, 32), (j, 8)], store(a_buf, i * 8 + j, load(a, i * 128 + j)))
    with pytest.raises(DMAPatternError, match=r"stage 'A_buf': cannot detect a 2-D DMA pattern with elements of 16 lanes in A .*whole elements"):
        lower_one(pragma("dma_copy", copy), a)


def test_strided_elements_have_no_2d_pattern():
    """Three levels of strided elements need a 3-D transfer, which VTA has not."""
    a = flat("A", "int8", 1 << 16)
    a_buf = flat("A_buf", "int8", 512, ENV.inp_scope)
    i, j, k, lane = var("i"), var("j"), var("k"), var("lane")
    copy = nest([(i, 2), (j, 2), (k, 2), (lane, 16)],
                store(a_buf, i * 64 + j * 32 + k * 16 + lane,
                      load(a, i * 8192 + j * 1024 + k * 128 + lane)))
    with pytest.raises(DMAPatternError, match="stage 'A_buf': cannot detect a 2-D DMA pattern"):
        lower_one(pragma("dma_copy", copy), a)


def test_pad_on_a_lane_dimension_is_refused():
    a = flat("A", "int8", 4096)
    a_buf = flat("A_buf", "int8", 4096, ENV.inp_scope)
    i, j, k = var("i"), var("j"), var("k")
    value = op.if_then_else(k < 15, load(a, i * 256 + j * 16 + k), op.const(0, "int8"))
    copy = nest([(i, 16), (j, 16), (k, 16)], store(a_buf, i * 256 + j * 16 + k, value))
    with pytest.raises(DMAPatternError, match="stage 'A_buf': VTA's DMA pads only rows and "
                                              "columns, which are the copy's axes 'i' and 'j' "
                                              "here, not axis 'k'"):
        lower_one(pragma("dma_copy", copy), a)


def test_store_from_a_non_accumulator_scope_is_refused():
    res = flat("res", "int8", 256)
    res_buf = flat("res_buf", "int8", 256, ENV.inp_scope)
    i = var("i")
    copy = loop(i, 256, store(res, i, load(res_buf, i)))
    with pytest.raises(DMAPatternError, match="stage 'res': stores to DRAM read local.acc_buffer"):
        lower_one(pragma("dma_copy", copy), res)
