"""2-D convolution in HWCN layout (TVM's `topi.testing.conv2d_hwcn_python`)."""
from __future__ import annotations

from .conv2d_nchw_python import conv2d_nchw_python


def conv2d_hwcn_python(a_np, w_np, stride, padding):
    """data (H, W, C, N), kernel (KH, KW, C, O) -> (OH, OW, O, N)."""
    out = conv2d_nchw_python(a_np.transpose(3, 2, 0, 1), w_np.transpose(3, 2, 0, 1),
                             stride, padding)
    return out.transpose(2, 3, 1, 0)
