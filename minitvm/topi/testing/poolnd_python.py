"""N-d pooling reference (TVM's `topi.testing.poolnd_python`): each output element
computed from its window directly, counting for averages the window positions inside
the padded input (`count_include_pad`; the extra end rows of `ceil_mode` never count)
or inside the input itself."""
from __future__ import annotations

import itertools
import math

import numpy as np


def poolnd_python(np_data, kernel, strides, dilation, padding_before, padding_after,
                  pool_type, count_include_pad=True, ceil_mode=False, dtype="float32",
                  layout=None):
    """Pool over the spatial axes: the layout's letters other than N and C (default:
    every axis after the first two)."""
    axes = _spatial_axes(np_data.ndim, layout)
    sizes = [np_data.shape[a] for a in axes]
    rounding = math.ceil if ceil_mode else math.floor
    out_sizes = [int(rounding((d + pb + pa - dl * (k - 1) - 1) / s)) + 1
                 for d, pb, pa, dl, k, s in zip(sizes, padding_before, padding_after,
                                                dilation, kernel, strides)]
    out_shape = list(np_data.shape)
    for a, o in zip(axes, out_sizes):
        out_shape[a] = o
    out = np.zeros(out_shape, np.float64)
    data = np.moveaxis(np_data.astype(np.float64), axes, range(-len(axes), 0))
    result = np.moveaxis(out, axes, range(-len(axes), 0))
    for position in itertools.product(*[range(o) for o in out_sizes]):
        taps = [[p * s - pb + t * dl for t in range(k)] for p, s, pb, dl, k in
                zip(position, strides, padding_before, dilation, kernel)]
        inside = [[i for i in tap if 0 <= i < d] for tap, d in zip(taps, sizes)]
        values = data[(Ellipsis,) + np.ix_(*inside)] if all(inside) else None
        if pool_type == "max":    # a window of padding only gives the dtype's lowest value
            result[(Ellipsis,) + position] = values.max(axis=tuple(range(-len(axes), 0))) \
                if values is not None else _lowest(dtype)
            continue
        total = values.sum(axis=tuple(range(-len(axes), 0))) if values is not None else 0.0
        if count_include_pad:
            count = math.prod(sum(1 for i in tap if -pb <= i < d + pa)
                              for tap, pb, pa, d in zip(taps, padding_before,
                                                        padding_after, sizes))
        else:
            count = max(math.prod(len(i) for i in inside), 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            # a ceil_mode window wholly past the input counts nothing (0 / 0)
            result[(Ellipsis,) + position] = np.divide(total, count)
    if np.dtype(dtype).kind in "iu":
        return np.trunc(out).astype(dtype)
    return out.astype(dtype)


def _spatial_axes(ndim, layout):
    if layout is None:
        return list(range(2, ndim))
    return [k for k, c in enumerate(layout) if c not in "NC" and c.isupper()]


def _lowest(dtype):
    dtype = np.dtype(dtype)
    return float(np.finfo(dtype).min if dtype.kind == "f" else np.iinfo(dtype).min)
