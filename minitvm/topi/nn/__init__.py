"""Neural-network operators declared in TE (TVM's `topi.nn`), one module per family as
in TVM: pad, conv2d (and depthwise, grouped, transposed), dense, pooling, softmax,
elementwise activations, flatten, dilate, and the padding helpers in utils."""
from .conv2d import (conv, conv2d, conv2d_hwcn, conv2d_nchw, conv2d_nhwc,
                     group_conv2d_nchw)
from .conv2d_transpose import conv2d_transpose_nchw
from .dense import dense
from .depthwise_conv2d import depthwise_conv2d_nchw
from .dilate import dilate
from .elemwise import leaky_relu, relu
from .flatten import batch_flatten, flatten
from .pad import pad
from .pooling import pool2d
from .softmax import log_softmax, softmax
from .utils import get_pad_tuple
from . import pooling, utils  # noqa: F401 - TVM's module paths (topi.nn.pooling.pool2d)

__all__ = ["batch_flatten", "conv", "conv2d", "conv2d_hwcn", "conv2d_nchw", "conv2d_nhwc",
           "conv2d_transpose_nchw", "dense", "depthwise_conv2d_nchw", "dilate", "flatten",
           "get_pad_tuple", "group_conv2d_nchw", "leaky_relu", "log_softmax", "pad",
           "pool2d", "pooling", "relu", "softmax", "utils"]
