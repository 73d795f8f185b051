"""Reference implementations for tests (TVM's `tvm.topi.testing`), in plain numpy,
independent of minitvm's compiler so that they can check it."""
from .common import batch_flatten_python, dense_python, relu_python
from .conv2d_hwcn_python import conv2d_hwcn_python
from .conv2d_nchw_python import conv2d_nchw_python
from .conv2d_nhwc_python import conv2d_nhwc_python
from .conv2d_transpose_python import conv2d_transpose_nchw_python
from .depthwise_conv2d_python import depthwise_conv2d_python_nchw
from .dilate_python import dilate_python
from .poolnd_python import poolnd_python
from .softmax_python import log_softmax_python, softmax_python

__all__ = ["batch_flatten_python", "conv2d_hwcn_python", "conv2d_nchw_python", "conv2d_nhwc_python",
           "conv2d_transpose_nchw_python", "dense_python", "depthwise_conv2d_python_nchw", "dilate_python",
           "log_softmax_python", "poolnd_python", "relu_python", "softmax_python"]
