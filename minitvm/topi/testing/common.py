"""Small references: dense, relu and batch_flatten in numpy."""
from __future__ import annotations

import numpy as np


def dense_python(data, weight, bias=None, out_dtype=None):
    """data @ weight.T (+ bias), accumulated in float64 / int64, cast to `out_dtype`."""
    out_dtype = out_dtype or data.dtype
    wide = np.float64 if np.dtype(out_dtype).kind == "f" else np.int64
    out = data.astype(wide) @ weight.astype(wide).T
    if bias is not None:
        out = out + bias.astype(wide)
    return out.astype(out_dtype)


def relu_python(x):
    return np.where(x > 0, x, np.zeros_like(x))


def batch_flatten_python(x):
    return x.reshape(x.shape[0], -1)
