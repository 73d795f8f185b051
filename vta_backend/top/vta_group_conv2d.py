"""Packed group convolution on VTA (VTA's `vta.top.group_conv2d_packed` and schedule).

The kernel is (O/BLOCK_OUT, (C/group)/BLOCK_IN, KH, KW, BLOCK_OUT, BLOCK_IN): each output
channel block reads the input channel blocks of its group. The schedule is the packed
convolution's (`vta_conv2d.schedule_packed_conv`), with the same knobs.
"""
from __future__ import annotations

import math

from minitvm import autotvm, te

from .utils import VTAOperatorError
from .vta_conv2d import _check_conv_args, packed_conv_shape, pad_packed, schedule_packed_conv


@autotvm.register_topi_compute("group_conv2d_packed.vta")
def group_conv2d_packed(cfg, data, kernel, strides, padding, dilation, group, out_dtype):
    """The packed convolution of `data` by `kernel` in `group` groups."""
    _check_conv_args("group_conv2d_packed", data, kernel, strides, dilation)
    ishape = tuple(int(d) for d in data.shape)
    kshape = tuple(int(d) for d in kernel.shape)
    if group * kshape[1] != ishape[1] or kshape[0] % group:
        raise VTAOperatorError(f"group_conv2d_packed: {group} groups do not divide data "
                               f"'{data.name}' ({ishape[1]} channel blocks) and kernel "
                               f"'{kernel.name}' ({kshape[0]} output, {kshape[1]} input "
                               "channel blocks) evenly")
    pad_data = pad_packed(data, padding)
    oshape = packed_conv_shape(data, kernel, pad_data, strides)
    d_i = te.reduce_axis((0, kshape[2]), name="d_i")
    d_j = te.reduce_axis((0, kshape[3]), name="d_j")
    k_o = te.reduce_axis((0, kshape[1]), name="k_o")
    k_i = te.reduce_axis((0, kshape[-1]), name="k_i")
    hstride, wstride = strides
    per_group = kshape[0] // group
    res = te.compute(
        oshape,
        lambda b_o, c_o, i, j, b_i, c_i: te.sum(
            pad_data[b_o, c_o // per_group * kshape[1] + k_o, i * hstride + d_i,
                     j * wstride + d_j, b_i, k_i].astype(out_dtype)
            * kernel[c_o, k_o, d_i, d_j, c_i, k_i].astype(out_dtype),
            axis=[k_o, d_i, d_j, k_i]),
        name="res", tag="packed_group_conv2d")
    cfg.add_flop(2 * math.prod(int(d) for d in oshape) * kshape[2] * kshape[3] * ishape[1]
                 * kshape[-1])
    return res


@autotvm.register_topi_schedule("group_conv2d_packed.vta")
def schedule_group_conv2d_packed(cfg, outs):
    """The AutoTVM template scheduling a packed group convolution and its fused ALU ops."""
    return schedule_packed_conv(cfg, outs, "packed_group_conv2d",
                                "schedule_group_conv2d_packed")
