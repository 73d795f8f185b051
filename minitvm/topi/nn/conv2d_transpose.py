"""Transposed 2-D convolution (TVM's `topi.nn.conv2d_transpose_nchw`), the gradient of
conv2d with respect to its input: the input dilated by the strides ("data_dilate"),
padded by kernel - 1 - padding ("data_pad", plus `output_padding` at the bottom/right),
then convolved with stride 1 by the kernel flipped and with its first two axes swapped
("kernel_transform")."""
from __future__ import annotations

from ... import te
from ..utils import get_const_tuple, simplify
from .conv2d import ConvolutionShapeError, _per_dim
from .dilate import dilate
from .pad import pad
from .utils import get_pad_tuple


def conv2d_transpose_nchw(Input, Filter, strides, padding, out_dtype, output_padding):
    """Input [N, C, H, W], Filter [C, O, KH, KW] -> [N, O, (H - 1) * s - pads + KH + op, ...]."""
    data_pad, kernel_transform = _preprocess(Input, Filter, strides, padding, output_padding)
    batch, in_c, in_h, in_w = get_const_tuple(data_pad.shape)
    out_c, _, filter_h, filter_w = get_const_tuple(kernel_transform.shape)
    dc = te.reduce_axis((0, in_c), name="dc")
    dh = te.reduce_axis((0, filter_h), name="dh")
    dw = te.reduce_axis((0, filter_w), name="dw")
    return te.compute(
        (batch, simplify(out_c), simplify(in_h - filter_h + 1), simplify(in_w - filter_w + 1)),
        lambda b, c, h, w: te.sum(
            data_pad[b, dc, h + dh, w + dw].astype(out_dtype)
            * kernel_transform[c, dc, dh, dw].astype(out_dtype), axis=[dc, dh, dw]),
        tag="conv2d_transpose_nchw")


def _preprocess(data, kernel, strides, padding, output_padding):
    _, in_c, _, _ = get_const_tuple(data.shape)
    kernel_in, out_c, filter_h, filter_w = get_const_tuple(kernel.shape)
    if kernel_in != in_c:
        raise ConvolutionShapeError(
            f"conv2d_transpose_nchw: kernel '{kernel.name}' is for {kernel_in} input "
            f"channels, data '{data.name}' has {in_c}")
    stride_h, stride_w = _per_dim(strides, 2, "strides")
    opad_h, opad_w = _per_dim(output_padding, 2, "output_padding")
    if not (0 <= opad_h < stride_h and 0 <= opad_w < stride_w):
        raise ValueError(f"conv2d_transpose_nchw of '{data.name}': output_padding "
                         f"{(opad_h, opad_w)} must be smaller than the strides "
                         f"{(stride_h, stride_w)}")
    dilated = dilate(data, [1, 1, stride_h, stride_w], name="data_dilate")
    top, left, bottom, right = get_pad_tuple(padding, (filter_h, filter_w))
    data_pad = pad(dilated, [0, 0, filter_h - 1 - top, filter_w - 1 - left],
                   [0, 0, filter_h - 1 - bottom + opad_h, filter_w - 1 - right + opad_w],
                   name="data_pad")
    kernel_transform = te.compute(
        (out_c, in_c, filter_h, filter_w),
        lambda o, i, h, w: kernel[i][o][filter_h - 1 - h][filter_w - 1 - w],
        name="kernel_transform")
    return data_pad, kernel_transform
