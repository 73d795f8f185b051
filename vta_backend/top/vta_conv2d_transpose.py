"""Packed transposed 2-D convolution on VTA (VTA's `vta.top.conv2d_transpose_packed` and
its schedule), the up-sampling layers of DCGAN's generator.

`conv2d_transpose_packed` declares it as VTA's does: the input is dilated by the strides
(`topi.nn.dilate`, stride - 1 zeros between neighbours), padded by kernel - 1 - padding on
each side, and convolved at stride 1 with the kernel as given, so the kernel the caller
packs is the transposed convolution's kernel flipped in both spatial axes and packed
(O/BLOCK_OUT, I/BLOCK_IN, KH, KW, BLOCK_OUT, BLOCK_IN), as VTA's test packs it.
`schedule_conv2d_transpose_packed` is the AutoTVM template, with the convolution's knobs
(tile_b, tile_h, tile_w, tile_ci, tile_co, oc_nthread, h_nthread) and the elementwise ops
fused after it on the ALU.

Where ours differs from VTA's: the dilation runs on the host CPU into a DRAM buffer that
the padded input tiles are loaded from by DMA (VTA's does the same), and the GEMM stage
is tensorized with `env.gemm` like the convolution's, instead of VTA's
`conv2d_transpose_gemm` pragma and the IR pass behind it that emits the micro-ops itself;
the accelerator therefore also multiplies the dilation's zeros.
"""
from __future__ import annotations

import math

from minitvm import autotvm, te, topi
from minitvm.topi.nn.utils import get_pad_tuple

from .utils import VTAOperatorError
from .vta_conv2d import _check_conv_args, schedule_packed_conv


@autotvm.register_topi_compute("conv2d_transpose_packed.vta")
def conv2d_transpose_packed(cfg, data, kernel, strides, padding, out_dtype,
                            output_padding=(0, 0)):
    """The packed transposed convolution of `data` by `kernel` (see the module docstring)."""
    who = "conv2d_transpose_packed"
    _check_conv_args(who, data, kernel, strides, (1, 1))
    if tuple(output_padding) != (0, 0):
        raise VTAOperatorError(f"{who}: output padding {tuple(output_padding)} is not "
                               "supported on VTA (VTA's own operator refuses it too)")
    ishape = tuple(int(d) for d in data.shape)
    kshape = tuple(int(d) for d in kernel.shape)
    if ishape[1] != kshape[1] or ishape[5] != kshape[5]:
        raise VTAOperatorError(f"{who}: data '{data.name}' has {ishape[1]}x{ishape[5]} input "
                               f"channels, kernel '{kernel.name}' {kshape[1]}x{kshape[5]}")
    k_h, k_w = kshape[2], kshape[3]
    top, left, bottom, right = get_pad_tuple(padding, (k_h, k_w))
    if min(top, left, bottom, right) < 0 or max(top, bottom) >= k_h or max(left, right) >= k_w:
        raise VTAOperatorError(f"{who}: padding {tuple(padding)} must lie in [0, kernel - 1] "
                               f"for a {k_h}x{k_w} kernel")
    dilated = topi.nn.dilate(data, [1, 1, strides[0], strides[1], 1, 1], name="dilated_input")
    pad_data = topi.nn.pad(dilated, [0, 0, k_h - 1 - top, k_w - 1 - left, 0, 0],
                           [0, 0, k_h - 1 - bottom, k_w - 1 - right, 0, 0], name="pad_data")
    out_h = (ishape[2] - 1) * strides[0] - top - bottom + k_h
    out_w = (ishape[3] - 1) * strides[1] - left - right + k_w
    if out_h < 1 or out_w < 1:
        raise VTAOperatorError(f"{who}: data '{data.name}' of {ishape[2]}x{ishape[3]} pixels, "
                               f"strides {tuple(strides)} and padding {tuple(padding)} leave an "
                               f"output of {out_h}x{out_w}")
    oshape = (ishape[0], kshape[0], out_h, out_w, ishape[4], kshape[4])
    d_c = te.reduce_axis((0, ishape[1]), name="d_c")
    d_h = te.reduce_axis((0, k_h), name="d_h")
    d_w = te.reduce_axis((0, k_w), name="d_w")
    d_ci = te.reduce_axis((0, ishape[5]), name="d_ci")
    res = te.compute(
        oshape,
        lambda i_n, i_c, i_h, i_w, j_n, j_c: te.sum(
            pad_data[i_n, d_c, i_h + d_h, i_w + d_w, j_n, d_ci].astype(out_dtype)
            * kernel[i_c, d_c, d_h, d_w, j_c, d_ci].astype(out_dtype),
            axis=[d_c, d_h, d_w, d_ci]),
        name="res", tag="packed_conv2d_transpose")
    cfg.add_flop(2 * math.prod(oshape) * k_h * k_w * ishape[1] * ishape[5])
    return res


@autotvm.register_topi_schedule("conv2d_transpose_packed.vta")
def schedule_conv2d_transpose_packed(cfg, outs):
    """The AutoTVM template scheduling a packed transposed convolution and its fused ALU
    ops: the convolution's schedule over the padded, dilated input."""
    return schedule_packed_conv(cfg, outs, "packed_conv2d_transpose",
                                "schedule_conv2d_transpose_packed")
