"""Transposed 2-D convolution (TVM's `topi.testing.conv2d_transpose_nchw_python`),
computed as what it is: every input element scatters its kernel-weighted copy into
the output at stride spacing, then the padding is cut off."""
from __future__ import annotations

import numpy as np

from .conv2d_nchw_python import _pads


def conv2d_transpose_nchw_python(a_np, w_np, stride, padding, output_padding=(0, 0)):
    """data (N, C, H, W), kernel (C, O, KH, KW) -> (N, O, OH, OW) with
    OH = (H - 1) * stride - top - bottom + KH + output_padding."""
    n, c, h, w = a_np.shape
    _, o, kh, kw = w_np.shape
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    oph, opw = output_padding
    top, left, bottom, right = _pads(padding, (kh, kw))
    wide = np.float64 if a_np.dtype.kind == "f" else np.int64
    full = np.zeros((n, o, (h - 1) * sh + kh + oph, (w - 1) * sw + kw + opw), wide)
    contrib = np.einsum("nchw,coyx->noyxhw", a_np.astype(wide), w_np.astype(wide))
    for y in range(kh):
        for x in range(kw):
            full[:, :, y:y + sh * (h - 1) + 1:sh, x:x + sw * (w - 1) + 1:sw] += \
                contrib[:, :, y, x]
    out = full[:, :, top:full.shape[2] - bottom, left:full.shape[3] - right]
    return out.astype(a_np.dtype)
