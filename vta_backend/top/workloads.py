"""ResNet-18's layers as VTA's benchmarks list them, and the task arguments they make.

`RESNET18_CONV` holds conv2d layers C2-C11 (C1, with 3 input channels, does not fit VTA's
16-channel blocks and runs on the CPU), `RESNET18_DENSE` the final fully connected layer
(1000 classes, padded to 1008 = 63 x 16 output channels). Shared by the tests, the
benchmark (bench/resnet18_vta.py) and the tuning tutorial.
"""
from __future__ import annotations

from collections import namedtuple

from minitvm import relay, te

from ..environment import get_env

Conv2DWorkload = namedtuple("Conv2DWorkload", ["batch", "height", "width", "in_filter",
                                               "out_filter", "hkernel", "wkernel", "hpad",
                                               "wpad", "hstride", "wstride"])
DenseWorkload = namedtuple("DenseWorkload", ["batch", "in_filter", "out_filter"])

RESNET18_CONV = [
    ("resnet-18.C2", Conv2DWorkload(1, 56, 56, 64, 64, 3, 3, 1, 1, 1, 1)),
    ("resnet-18.C3", Conv2DWorkload(1, 56, 56, 64, 128, 3, 3, 1, 1, 2, 2)),
    ("resnet-18.C4", Conv2DWorkload(1, 56, 56, 64, 128, 1, 1, 0, 0, 2, 2)),
    ("resnet-18.C5", Conv2DWorkload(1, 28, 28, 128, 128, 3, 3, 1, 1, 1, 1)),
    ("resnet-18.C6", Conv2DWorkload(1, 28, 28, 128, 256, 3, 3, 1, 1, 2, 2)),
    ("resnet-18.C7", Conv2DWorkload(1, 28, 28, 128, 256, 1, 1, 0, 0, 2, 2)),
    ("resnet-18.C8", Conv2DWorkload(1, 14, 14, 256, 256, 3, 3, 1, 1, 1, 1)),
    ("resnet-18.C9", Conv2DWorkload(1, 14, 14, 256, 512, 3, 3, 1, 1, 2, 2)),
    ("resnet-18.C10", Conv2DWorkload(1, 14, 14, 256, 512, 1, 1, 0, 0, 2, 2)),
    ("resnet-18.C11", Conv2DWorkload(1, 7, 7, 512, 512, 3, 3, 1, 1, 1, 1)),
]
RESNET18_DENSE = [("resnet-18.dense", DenseWorkload(1, 512, 1008))]


def conv2d_args(wl, env=None):
    """(data, kernel, strides, padding, dilation, layout, out_dtype) of `wl`, packed; the
    padding as (top, left, bottom, right), as VTA's benchmarks pass it."""
    env = env or get_env()
    data = te.placeholder((wl.batch // env.BATCH, wl.in_filter // env.BLOCK_IN, wl.height,
                           wl.width, env.BATCH, env.BLOCK_IN), name="data", dtype=env.inp_dtype)
    kernel = te.placeholder((wl.out_filter // env.BLOCK_OUT, wl.in_filter // env.BLOCK_IN,
                             wl.hkernel, wl.wkernel, env.BLOCK_OUT, env.BLOCK_IN),
                            name="kernel", dtype=env.wgt_dtype)
    layout = f"NCHW{env.BATCH}n{env.BLOCK_IN}c"
    padding = relay.nn.get_pad_tuple2d((wl.hpad, wl.wpad))
    return data, kernel, (wl.hstride, wl.wstride), padding, (1, 1), layout, env.acc_dtype


def dense_args(wl, env=None):
    """(data, weight, bias, out_dtype) of `wl`, packed."""
    env = env or get_env()
    data = te.placeholder((wl.batch // env.BATCH, wl.in_filter // env.BLOCK_IN, env.BATCH,
                           env.BLOCK_IN), name="data", dtype=env.inp_dtype)
    weight = te.placeholder((wl.out_filter // env.BLOCK_OUT, wl.in_filter // env.BLOCK_IN,
                             env.BLOCK_OUT, env.BLOCK_IN), name="weight", dtype=env.wgt_dtype)
    return data, weight, None, env.acc_dtype


def conv2d_ops(wl):
    """Multiply-adds x 2 of the layer."""
    oh = (wl.height + 2 * wl.hpad - wl.hkernel) // wl.hstride + 1
    ow = (wl.width + 2 * wl.wpad - wl.wkernel) // wl.wstride + 1
    return 2 * wl.batch * oh * ow * wl.hkernel * wl.wkernel * wl.out_filter * wl.in_filter
