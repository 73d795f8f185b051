"""Depthwise 2-D convolution (TVM's `topi.nn.depthwise_conv2d_nchw`): each input
channel c convolved with its own `channel_multiplier` filters, giving output channels
c * multiplier + m. Padded input "PaddedInput", output "DepthwiseConv2d"."""
from __future__ import annotations

from ... import te
from ..utils import get_const_tuple, simplify
from .conv2d import ConvolutionShapeError, _per_dim
from .pad import pad
from .utils import get_pad_tuple


def depthwise_conv2d_nchw(Input, Filter, stride, padding, dilation, out_dtype=None):
    """Input [N, C, H, W], Filter [C, M, KH, KW] -> [N, C * M, OH, OW]."""
    out_dtype = out_dtype or Input.dtype
    stride_h, stride_w = _per_dim(stride, 2, "stride")
    dilation_h, dilation_w = _per_dim(dilation, 2, "dilation")
    batch, in_channel, in_height, in_width = get_const_tuple(Input.shape)
    filter_channel, multiplier, filter_height, filter_width = get_const_tuple(Filter.shape)
    if filter_channel != in_channel:
        raise ConvolutionShapeError(
            f"depthwise_conv2d_nchw: filter '{Filter.name}' has {filter_channel} channels, "
            f"input '{Input.name}' {in_channel}; they must be equal")
    dilated_h = (filter_height - 1) * dilation_h + 1
    dilated_w = (filter_width - 1) * dilation_w + 1
    top, left, down, right = get_pad_tuple(padding, (dilated_h, dilated_w))
    out_height = simplify((in_height - dilated_h + top + down) // stride_h + 1)
    out_width = simplify((in_width - dilated_w + left + right) // stride_w + 1)
    padded = pad(Input, [0, 0, top, left], [0, 0, down, right], name="PaddedInput")
    di = te.reduce_axis((0, filter_height), name="di")
    dj = te.reduce_axis((0, filter_width), name="dj")
    return te.compute(
        (batch, simplify(in_channel * multiplier), out_height, out_width),
        lambda b, c, i, j: te.sum(
            padded[b, c // multiplier, i * stride_h + di * dilation_h,
                   j * stride_w + dj * dilation_w].astype(out_dtype)
            * Filter[c // multiplier, c % multiplier, di, dj].astype(out_dtype),
            axis=[di, dj]),
        name="DepthwiseConv2d", tag="depthwise_conv2d_nchw")
