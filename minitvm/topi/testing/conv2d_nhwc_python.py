"""2-D convolution in NHWC layout (TVM's `topi.testing.conv2d_nhwc_python`)."""
from __future__ import annotations

from .conv2d_nchw_python import conv2d_nchw_python


def conv2d_nhwc_python(a_np, w_np, stride, padding, groups=1):
    """data (N, H, W, C), kernel (KH, KW, C // groups, O) -> (N, OH, OW, O)."""
    out = conv2d_nchw_python(a_np.transpose(0, 3, 1, 2), w_np.transpose(3, 2, 0, 1),
                             stride, padding, groups)
    return out.transpose(0, 2, 3, 1)
