"""Dilation reference (TVM's `topi.testing.dilate_python`): the input's elements spread
`strides[k]` apart along axis k, `dilation_value` between them."""
from __future__ import annotations

import numpy as np


def dilate_python(input_np, strides, dilation_value=0.0, out_dtype=None):
    out_dtype = out_dtype or input_np.dtype
    shape = tuple((d - 1) * s + 1 for d, s in zip(input_np.shape, strides))
    out = np.full(shape, dilation_value, dtype=out_dtype)
    out[tuple(slice(None, None, s) for s in strides)] = input_np
    return out
