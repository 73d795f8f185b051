"""What VTA's integration benchmarks write around `vta.top`'s operators: the requantising
ALU ops (shift, bias add, clip, cast), packed random data, the numpy reference, and one
build-and-run on the simulator. Shared by the tests of this folder."""
import numpy as np

import minitvm as tvm
from minitvm import te, topi
from minitvm.topi.testing import conv2d_nchw_python
import vta_backend as vta
from vta_backend.testing import simulator

env = vta.get_env()


@te.tag_scope(tag=topi.tag.ELEMWISE)
def my_clip(x, a_min, a_max):
    """Clip as two ALU stages (min, then max), as VTA's tests write it."""
    const_min = tvm.tir.const(a_min, x.dtype)
    const_max = tvm.tir.const(a_max, x.dtype)
    x = te.compute(x.shape, lambda *i: te.min(x(*i), const_max), name="clipA")
    return te.compute(x.shape, lambda *i: te.max(x(*i), const_min), name="clipB")


def requantise(res, bias=None):
    """res >> 8 (+ bias) clipped to [0, 127], cast to int8: ALU stages after the GEMM."""
    res = te.compute(res.shape, lambda *i: res(*i) >> env.WGT_WIDTH, name="shr",
                     tag=topi.tag.ELEMWISE)
    if bias is not None:
        res = te.compute(res.shape, lambda b, c, h, w, bi, ci: res[b, c, h, w, bi, ci] +
                         bias[b, c, 0, 0, bi, ci], name="bias_add", tag=topi.tag.BROADCAST)
    res = my_clip(res, 0, (1 << (env.OUT_WIDTH - 1)) - 1)
    return te.compute(res.shape, lambda *i: res(*i).astype(env.out_dtype), name="cast",
                      tag=topi.tag.ELEMWISE)


def requantise_np(acc, bias=None):
    acc = acc >> env.WGT_WIDTH
    if bias is not None:
        acc = acc + bias
    return np.clip(acc, 0, (1 << (env.OUT_WIDTH - 1)) - 1).astype(env.out_dtype)


def random_int(shape, bits, rng):
    return rng.randint(-(1 << (bits - 1)), 1 << (bits - 1), size=shape)


def conv2d_reference(wl, rng, with_bias=True, groups=1):
    """Random NCHW data, OIHW kernel, bias and the requantised numpy result."""
    a = random_int((wl.batch, wl.in_filter, wl.height, wl.width), env.INP_WIDTH, rng)
    w = random_int((wl.out_filter, wl.in_filter // groups, wl.hkernel, wl.wkernel),
                   env.WGT_WIDTH, rng)
    b = random_int((wl.batch, wl.out_filter, 1, 1), env.INP_WIDTH + env.WGT_WIDTH - 2, rng) \
        if with_bias else None
    acc = conv2d_nchw_python(a.astype("int32"), w.astype("int32"), (wl.hstride, wl.wstride),
                             (wl.hpad, wl.wpad), groups=groups)
    return a.astype("int8"), w.astype("int8"), b, requantise_np(acc, b)


def build_and_run(s, tensors, arrays, out_shape):
    """Build for VTA, run once on the simulator; the output and the seven statistics."""
    with vta.build_config(disabled_pass={"tir.CommonSubexprElimTIR"}):
        f = vta.build(s, tensors, tvm.target.Target(env.target, host=env.target_host),
                      name="op")
    dev = tvm.ext_dev(0)
    nd_args = [tvm.nd.array(a, dev) for a in arrays]
    out = tvm.nd.array(np.zeros(out_shape, dtype=env.out_dtype), dev)
    simulator.clear_stats()
    f(*nd_args, out)
    return out.numpy(), simulator.stats()
