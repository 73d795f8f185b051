"""Depthwise 2-D convolution (TVM's `topi.testing.depthwise_conv2d_python_nchw`):
window sums over each channel with its own filters, computed directly."""
from __future__ import annotations

import numpy as np

from .conv2d_nchw_python import _pads


def depthwise_conv2d_python_nchw(input_np, filter_np, stride, padding):
    """input (N, C, H, W), filter (C, M, KH, KW) -> (N, C * M, OH, OW)."""
    n, c, h, w = input_np.shape
    fc, m, kh, kw = filter_np.shape
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    top, left, bottom, right = _pads(padding, (kh, kw))
    wide = np.float64 if input_np.dtype.kind == "f" else np.int64
    padded = np.zeros((n, c, h + top + bottom, w + left + right), wide)
    padded[:, :, top:top + h, left:left + w] = input_np
    oh, ow = (h + top + bottom - kh) // sh + 1, (w + left + right - kw) // sw + 1
    out = np.zeros((n, c, m, oh, ow), wide)
    for y in range(kh):
        for x in range(kw):
            window = padded[:, :, y:y + sh * (oh - 1) + 1:sh, x:x + sw * (ow - 1) + 1:sw]
            out += window[:, :, None] * filter_np[None, :, :, y, x, None, None].astype(wide)
    return out.reshape(n, c * m, oh, ow).astype(input_np.dtype)
