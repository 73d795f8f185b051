"""Convolutions in any layout (TVM's `topi.nn.conv`, `conv2d_nchw`, `conv2d_nhwc`,
`group_conv2d_nchw`, `conv2d`).

`conv` pads the input ("pad_temp") and sums over input channels (rc) and kernel
positions (ry, rx): out[n, f, y, x] = sum pad_temp[n, g*C/G + rc, y*s + ry*d, x*s + rx*d]
* filter[f, rc, ry, rx] with g = f // (F/G), written in the data layout (N, C and one
letter per spatial axis, e.g. "NCHW", "NHWC") and the kernel layout (O, I and spatial
letters, e.g. "OIHW", "HWIO"). The output is named and tagged as TVM does:
"conv2d_nchw", "group_conv2d_nchw", ..., with axes nn, ff, yy, xx.
"""
from __future__ import annotations

from ... import te
from ...error import TVMError
from ..broadcast import named_axes_as
from ..utils import get_const_tuple, simplify
from .pad import pad
from .utils import get_pad_tuple_generic

_OUT_AXES = ("nn", "ff", "yy", "xx", "zz")
_REDUCE_AXES = ("ry", "rx", "rz")


class ConvolutionShapeError(TVMError, ValueError):
    """Data and kernel shapes that do not make a convolution."""


def conv(inp, filt, stride, padding, dilation, groups, data_layout, kernel_layout="",
         out_dtype=None):
    """A `groups`-grouped convolution of `inp` by `filt` in the given layouts."""
    dim = inp.ndim - 2
    out_dtype = out_dtype or inp.dtype
    data_perm = _layout_permutation(data_layout, "NC", inp, "data")
    kernel_perm = _layout_permutation(kernel_layout or _default_kernel_layout(data_layout),
                                      "OI", filt, "kernel")
    strides, dilations = _per_dim(stride, dim, "stride"), _per_dim(dilation, dim, "dilation")
    batch, in_channel, *dims = _permuted(get_const_tuple(inp.shape), data_perm)
    num_filter, filter_channel, *kernel = _permuted(get_const_tuple(filt.shape), kernel_perm)
    _check_channels(inp, filt, in_channel, num_filter, filter_channel, groups)
    dilated = [(k - 1) * d + 1 for k, d in zip(kernel, dilations)]
    pad_begin, pad_end = get_pad_tuple_generic(padding, dilated)
    out_dims = [simplify((d - dk + pb + pe) // s + 1)
                for d, dk, pb, pe, s in zip(dims, dilated, pad_begin, pad_end, strides)]
    temp = pad(inp, _unpermuted([0, 0] + list(pad_begin), data_perm),
               _unpermuted([0, 0] + list(pad_end), data_perm), name="pad_temp")
    rc = te.reduce_axis((0, in_channel // groups), name="rc")
    rs = [te.reduce_axis((0, k), name=name) for k, name in zip(kernel, _REDUCE_AXES)]
    # reduction axes in the order their data axes appear in the layout (TVM's schedules
    # rely on it)
    reduce_order = [r for _, r in sorted(zip(data_perm[1:], [rc] + rs), key=lambda t: t[0])]

    def body(*indices):
        nn, ff, *spatial = _permuted(indices, data_perm)
        channel = rc if groups == 1 else \
            ff // (num_filter // groups) * (in_channel // groups) + rc
        positions = [i * s + r * d for i, s, r, d in zip(spatial, strides, rs, dilations)]
        data = temp(*_unpermuted([nn, channel] + positions, data_perm))
        weight = filt(*_unpermuted([ff, rc] + rs, kernel_perm))
        return te.sum(data.astype(out_dtype) * weight.astype(out_dtype), axis=reduce_order)

    name = f"{'group_' if groups > 1 else ''}conv{dim}d_{data_layout.lower()}"
    out_shape = _unpermuted([batch, num_filter] + out_dims, data_perm)
    names = _unpermuted(list(_OUT_AXES[:dim + 2]), data_perm)
    return te.compute(out_shape, named_axes_as(body, names), name=name, tag=name)


def conv2d_nchw(Input, Filter, stride, padding, dilation, out_dtype=None):
    """2-D convolution: Input [N, C, H, W], Filter [O, C, KH, KW] -> [N, O, OH, OW]."""
    return conv(Input, Filter, stride, padding, dilation, 1, "NCHW", "OIHW", out_dtype)


def conv2d_nhwc(Input, Filter, stride, padding, dilation, out_dtype="float32"):
    """2-D convolution: Input [N, H, W, C], Filter [KH, KW, C, O] -> [N, OH, OW, O]."""
    return conv(Input, Filter, stride, padding, dilation, 1, "NHWC", "HWIO", out_dtype)


def group_conv2d_nchw(Input, Filter, stride, padding, dilation, groups, out_dtype=None):
    """Grouped 2-D convolution: Filter [O, C // groups, KH, KW]."""
    return conv(Input, Filter, stride, padding, dilation, groups, "NCHW", "OIHW", out_dtype)


def conv2d_hwcn(Input, Filter, stride, padding, dilation, out_dtype=None):
    """2-D convolution: Input [H, W, C, N], Filter [KH, KW, C, O] -> [OH, OW, O, N]."""
    return conv(Input, Filter, stride, padding, dilation, 1, "HWCN", "HWIO", out_dtype)


def conv2d(input, filter, strides, padding, dilation, data_layout="NCHW",  # noqa: A002
           kernel_layout="", out_dtype=None):
    """2-D convolution in `data_layout` ("NCHW", "NHWC" or "HWCN")."""
    if data_layout not in ("NCHW", "NHWC", "HWCN"):
        raise ValueError(f"topi.nn.conv2d: data layout {data_layout!r} is not supported "
                         f"(use NCHW, NHWC or HWCN)")
    return conv(input, filter, strides, padding, dilation, 1, data_layout, kernel_layout,
                out_dtype)


def _default_kernel_layout(data_layout):
    """OIHW-like when channels precede the spatial axes in the data, else HWIO-like."""
    spatial = "".join(c for c in data_layout if c not in "NC")
    return "OI" + spatial if data_layout.index("C") < data_layout.index(spatial[0]) \
        else spatial + "IO"


def _layout_permutation(layout, leading, tensor, what):
    """Positions in `layout` of the two `leading` letters, then of the spatial letters."""
    if len(layout) != tensor.ndim or any(c not in layout for c in leading) or \
            len(set(layout)) != len(layout):
        raise ConvolutionShapeError(
            f"{what} '{tensor.name}' of shape {tuple(tensor.shape)} does not fit the layout "
            f"{layout!r} (one letter per dimension, including {' and '.join(leading)})")
    return [layout.index(c) for c in leading] + \
        [k for k, c in enumerate(layout) if c not in leading]


def _permuted(values, perm):
    return [values[p] for p in perm]


def _unpermuted(canonical, perm):
    out = [None] * len(perm)
    for k, p in enumerate(perm):
        out[p] = canonical[k]
    return out


def _per_dim(value, dim, what):
    if isinstance(value, int):
        return [value] * dim
    if len(value) != dim:
        raise ValueError(f"{what} {tuple(value)!r} must have {dim} values (or be one int)")
    return list(value)


def _check_channels(inp, filt, in_channel, num_filter, filter_channel, groups):
    if in_channel % groups or num_filter % groups or filter_channel != in_channel // groups:
        raise ConvolutionShapeError(
            f"convolution of '{inp.name}' ({in_channel} channels) by '{filt.name}' "
            f"({num_filter} filters of {filter_channel} channels) in {groups} group(s): "
            f"the channels and filters must divide into the groups and each filter must "
            f"have {in_channel} // {groups} channels")
