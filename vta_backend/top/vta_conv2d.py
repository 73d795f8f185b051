"""Packed 2-D convolution on VTA (VTA's `vta.top.conv2d_packed` and its schedule).

`conv2d_packed` declares the convolution over VTA's packed layouts: data
NCHW{BATCH}n{BLOCK_IN}c, i.e. (N/BATCH, C/BLOCK_IN, H, W, BATCH, BLOCK_IN), kernel
(O/BLOCK_OUT, C/BLOCK_IN, KH, KW, BLOCK_OUT, BLOCK_IN), output (N/BATCH, O/BLOCK_OUT, OH,
OW, BATCH, BLOCK_OUT) in `out_dtype` (the accumulator's int32).
`schedule_conv2d_packed` is the AutoTVM template that maps it, and the elementwise ops
fused after it (shift, bias add, clip, cast), onto VTA; group convolution shares it.

Knobs (VTA's): tile_b, tile_h, tile_w, tile_ci, tile_co (two-way splits of the batch,
output rows, output columns, input-channel blocks and output-channel blocks), oc_nthread
and h_nthread (1 or 2 virtual threads over output channels and rows). Each output tile
(tile_co x tile_h x tile_w) is computed in the accumulator SRAM, the reduction walks the
input channels tile_ci blocks at a time, loading a data tile and a kernel tile for each.
"""
from __future__ import annotations

import math

from minitvm import autotvm, te, topi

from ..environment import get_env
from .utils import (VTAOperatorError, attach_at_store_point, bind_virtual_threads,
                    is_packed_layout, load_and_compute, place_ewise_ops, sort_fused_ops)


def _check_conv_args(who, data, kernel, strides, dilation, layout=None):
    if layout is not None and not is_packed_layout(layout):
        raise VTAOperatorError(f"{who}: layout {layout!r} is not packed; VTA takes "
                               "NCHW{BATCH}n{BLOCK_IN}c tensors (e.g. 'NCHW1n16c')")
    if tuple(dilation) != (1, 1):
        raise VTAOperatorError(f"{who}: dilation {tuple(dilation)} is not supported (1, 1)")
    for tensor, what in ((data, "data"), (kernel, "kernel")):
        if len(tensor.shape) != 6:
            raise VTAOperatorError(f"{who}: {what} '{tensor.name}' has {len(tensor.shape)} "
                                   "dimensions; packed tensors have 6")
    if len(strides) != 2:
        raise VTAOperatorError(f"{who}: strides {strides!r} must be (stride_h, stride_w)")


def pad_packed(data, padding):
    """`data` padded by `padding` = (pad_h, pad_w) or (top, left, bottom, right), the same
    on both sides, on its spatial axes (or itself)."""
    if len(padding) not in (2, 4) or tuple(padding[2:]) not in ((), tuple(padding[:2])):
        raise VTAOperatorError(f"padding {tuple(padding)} of '{data.name}': VTA's packed "
                               "convolutions pad both sides alike: (pad_h, pad_w) or "
                               "(pad_h, pad_w, pad_h, pad_w)")
    if not padding[0] and not padding[1]:
        return data
    return topi.nn.pad(data, [0, 0, padding[0], padding[1], 0, 0], name="pad_data")


def packed_conv_shape(data, kernel, pad_data, strides):
    oheight = (int(pad_data.shape[2]) - int(kernel.shape[2])) // strides[0] + 1
    owidth = (int(pad_data.shape[3]) - int(kernel.shape[3])) // strides[1] + 1
    return (data.shape[0], kernel.shape[0], oheight, owidth, data.shape[4], kernel.shape[4])


@autotvm.register_topi_compute("conv2d_packed.vta")
def conv2d_packed(cfg, data, kernel, strides, padding, dilation, layout, out_dtype):
    """The packed convolution of `data` by `kernel` (see the module docstring)."""
    _check_conv_args("conv2d_packed", data, kernel, strides, dilation, layout)
    if int(data.shape[1]) != int(kernel.shape[1]) or int(data.shape[5]) != int(kernel.shape[5]):
        raise VTAOperatorError(f"conv2d_packed: data '{data.name}' has {data.shape[1]}x"
                               f"{data.shape[5]} input channels, kernel '{kernel.name}' "
                               f"{kernel.shape[1]}x{kernel.shape[5]}")
    pad_data = pad_packed(data, padding)
    oshape = packed_conv_shape(data, kernel, pad_data, strides)
    kh, kw = int(kernel.shape[2]), int(kernel.shape[3])
    d_i = te.reduce_axis((0, kh), name="d_i")
    d_j = te.reduce_axis((0, kw), name="d_j")
    k_o = te.reduce_axis((0, int(data.shape[1])), name="k_o")
    k_i = te.reduce_axis((0, int(data.shape[5])), name="k_i")
    hstride, wstride = strides
    res = te.compute(
        oshape,
        lambda b_o, c_o, i, j, b_i, c_i: te.sum(
            pad_data[b_o, k_o, i * hstride + d_i, j * wstride + d_j, b_i, k_i].astype(out_dtype)
            * kernel[c_o, k_o, d_i, d_j, c_i, k_i].astype(out_dtype),
            axis=[k_o, d_i, d_j, k_i]),
        name="res", tag="conv2d_dense")
    cfg.add_flop(2 * math.prod(int(d) for d in oshape) * kh * kw * int(data.shape[1])
                 * int(data.shape[5]))
    return res


@autotvm.register_topi_schedule("conv2d_packed.vta")
def schedule_conv2d_packed(cfg, outs):
    """The AutoTVM template scheduling a packed convolution and its fused ALU ops."""
    return schedule_packed_conv(cfg, outs, "conv2d_dense", "schedule_conv2d_packed")


def define_conv_knobs(cfg, conv):
    """VTA's knobs of a packed convolution stage `conv` (an op)."""
    b, c_o, x_i, x_j, _, _ = conv.axis
    cfg.define_split("tile_b", b, num_outputs=2)
    cfg.define_split("tile_h", x_i, num_outputs=2)
    cfg.define_split("tile_w", x_j, num_outputs=2)
    cfg.define_split("tile_ci", conv.reduce_axis[0], num_outputs=2)
    cfg.define_split("tile_co", c_o, num_outputs=2)
    cfg.define_knob("oc_nthread", [1, 2])
    cfg.define_knob("h_nthread", [1, 2])


def schedule_packed_conv(cfg, outs, tag, who):
    """The schedule of a packed (group) convolution tagged `tag` behind `outs[0]`."""
    if len(outs) != 1:
        raise VTAOperatorError(f"{who}: takes one output, got {len(outs)}")
    output = outs[0]
    fused = sort_fused_ops(output, tag, who)
    conv = fused.main.output(0)
    s = te.create_schedule(output.op)
    define_conv_knobs(cfg, conv.op)
    env = get_env()
    data, kernel = conv.op.input_tensors
    if "pad" in data.op.tag:
        cdata = data
        s[data].set_scope(env.inp_scope)
    else:
        cdata = s.cache_read(data, env.inp_scope, [conv.op])
    ckernel = s.cache_read(kernel, env.wgt_scope, [conv.op])
    s[conv].set_scope(env.acc_scope)
    ewise_cache = place_ewise_ops(s, fused, env)

    x_bo, x_co, x_i, x_j, x_bi, x_ci = s[output].op.axis
    x_co0, x_co1 = cfg["tile_co"].apply(s, output, x_co)
    x_i0, x_i1 = cfg["tile_h"].apply(s, output, x_i)
    x_j0, x_j1 = cfg["tile_w"].apply(s, output, x_j)
    s[output].reorder(x_bo, x_i0, x_co0, x_j0, x_co1, x_i1, x_j1, x_bi, x_ci)
    attach_at_store_point(s, output, conv, fused, ewise_cache, x_j0, env)
    bind_virtual_threads(s, output, x_bo, [(x_co0, cfg["oc_nthread"].val),
                                           (x_i0, cfg["h_nthread"].val)])

    x_bo, x_co, x_i, x_j, x_bi, x_ci = s[conv].op.axis
    k_o, d_i, d_j, k_i = s[conv].op.reduce_axis
    s[conv].reorder(x_bo, k_o, x_j, d_j, d_i, x_co, x_i, x_bi, x_ci, k_i)
    k_o, _ = cfg["tile_ci"].apply(s, conv, k_o)
    load_and_compute(s, conv, k_o, (cdata, ckernel), x_bi, env)
    s[output].pragma(x_co1, env.dma_copy)
    return s
