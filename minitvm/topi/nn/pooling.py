"""Pooling (TVM's `topi.nn.pool2d`, `topi.nn.pooling.pool2d`): the maximum or the
average of each (dilated) window over the layout's 'H' and 'W' axes.

Max pooling pads with the dtype's lowest value ("pad_temp") and reduces into
"pool_max"; average pooling pads with 0, sums into "pool_sum" and divides in
"pool_avg" (tag "elemwise") by the window's size: counting padding
(`count_include_pad`, but not the extra rows `ceil_mode` adds) or only the
elements inside the input. As in TVM's C++ operator, axes are ax0, ax1, ... and the
window's reduce axes rv0, rv1; counts use truncating division, as TVM's do.
"""
from __future__ import annotations

import numpy as np

from ... import te
from ...tir import dtype as dt
from ...tir import op as _op
from ..broadcast import named_axes
from ..utils import simplify
from .conv2d import _per_dim
from .pad import pad


def pool2d(data, kernel, stride, dilation, padding, pool_type, ceil_mode=False,
           layout="NCHW", count_include_pad=True):
    """`pool_type` ("max" or "avg") pooling; `padding` is [top, left, bottom, right]."""
    axes = _spatial_axes(data, layout)
    kernel, stride = _per_dim(kernel, 2, "kernel"), _per_dim(stride, 2, "stride")
    dilation = _per_dim(dilation, 2, "dilation")
    if len(padding) != 4:
        raise ValueError(f"pool2d of '{data.name}': padding must be [top, left, bottom, "
                         f"right], got {tuple(padding)!r}")
    if pool_type not in ("max", "avg"):
        raise ValueError(f"pool2d of '{data.name}': pool_type must be 'max' or 'avg', "
                         f"got {pool_type!r}")
    return _pool(data, kernel, stride, dilation, list(padding[:2]), list(padding[2:]),
                 pool_type, ceil_mode, axes, count_include_pad)


def _spatial_axes(data, layout):
    if len(layout) != data.ndim or "H" not in layout or "W" not in layout:
        raise ValueError(f"pool2d of '{data.name}': layout {layout!r} must name each of "
                         f"its {data.ndim} dimensions, with 'H' and 'W' among them")
    return [layout.index("H"), layout.index("W")]


def _pool(data, kernel, stride, dilation, head, tail, pool_type, ceil_mode, axes,
          count_include_pad):
    # ceil_mode: extra padding at the end makes the output size round up
    offset = [s - 1 if ceil_mode else 0 for s in stride]
    tail = [t + o for t, o in zip(tail, offset)]
    rv = [te.reduce_axis((0, k), name=f"rv{i}") for i, k in enumerate(kernel)]
    pad_before, pad_after = [0] * data.ndim, [0] * data.ndim
    out_shape = list(data.shape)
    for i, ax in enumerate(axes):
        pad_before[ax], pad_after[ax] = head[i], tail[i]
        out_shape[ax] = simplify((data.shape[ax] - (kernel[i] - 1) * dilation[i] - 1 +
                                  head[i] + tail[i]) // stride[i] + 1)
    padded = any(head) or any(tail)

    def window(source, reduce):
        def body(*out):
            index = list(out)
            for i, ax in enumerate(axes):
                index[ax] = out[ax] * stride[i] + rv[i] * dilation[i]
            return reduce(source(*index), axis=rv)
        return named_axes(body, data.ndim)

    if pool_type == "max":
        source = pad(data, pad_before, pad_after, _lowest(data.dtype), "pad_temp") \
            if padded else data
        return te.compute(out_shape, window(source, te.max), name="pool_max",
                          tag="pool_max")
    source = pad(data, pad_before, pad_after, 0.0, "pad_temp") if padded else data
    pool_sum = te.compute(out_shape, window(source, te.sum), name="pool_sum",
                          tag="pool_sum")

    def average(*out):
        count = _op.const(1, "int32")
        for i, ax in enumerate(axes):
            count = count * _window_size(out[ax], i, data.shape[ax], kernel, stride,
                                         dilation, head, tail, offset, count_include_pad)
        if not count_include_pad:
            count = _op.max(count, 1)
        return _divide(pool_sum(*out), count)

    return te.compute(out_shape, named_axes(average, data.ndim), name="pool_avg",
                      tag="elemwise")


def _window_size(o, i, extent, kernel, stride, dilation, head, tail, offset, include_pad):
    """How many window elements count along axis i for output position o."""
    start = o * stride[i] - head[i]
    end = start + (kernel[i] - 1) * dilation[i]
    if include_pad:
        end = _op.min(end, extent + tail[i] - 1 - offset[i])
        return _op.truncdiv(end - start, dilation[i]) + 1
    jumps = _op.max(_op.truncdiv(dilation[i] - 1 - start, dilation[i]), 0)
    end = _op.min(end, extent - 1)
    return _op.truncdiv(end - (start + dilation[i] * jumps), dilation[i]) + 1


def _divide(total, count):
    """TVM's `div`: a float sum divided by the count as a float; integers truncate."""
    if dt.is_float(total.dtype):
        return total / _op.cast(total.dtype, count)
    return _op.truncdiv(total, _op.cast(total.dtype, count))


def _lowest(dtype):
    """The smallest value of `dtype` (the padding that never wins a maximum)."""
    info = np.finfo(dtype) if dt.is_float(dtype) else np.iinfo(dtype)
    value = float(info.min) if dt.is_float(dtype) else int(info.min)
    return _op.const(value, dtype)
