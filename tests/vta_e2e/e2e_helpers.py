"""Running the tutorials (in a subprocess or in this process) and reading their output.

Reading the output (listings, statistics) is tests/reference_text.py's job.
"""
from __future__ import annotations

import contextlib
import io
import pathlib
import subprocess
import sys

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
TUTORIALS = ROOT / "tutorials"
from reference_text import SEED, SEED_DIFF, ir_listings, statistics  # noqa: F401


def run_script(*args: str) -> str:
    """stdout of `python *args` run from the repository root (fails on a non-zero exit)."""
    done = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stderr[-3000:]}"
    return done.stdout


def run_tutorial(name: str):
    """Run tutorials/<name>.py in this process, rendered as its page (tutorials/gallery.py):
    (its globals, its printed output)."""
    if str(TUTORIALS) not in sys.path:
        sys.path.insert(0, str(TUTORIALS))
    import gallery
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        namespace = gallery.run(str(TUTORIALS / f"{name}.py"))
    return namespace, out.getvalue()


def vector_add(env, m=64):
    """The get-started schedule (spec vta.md 7.1): (schedule, [A, B, C]) adding two int32
    (1, m, BATCH, BLOCK_OUT) tensors on the ALU and storing the sum as int8."""
    from minitvm import te
    shape = (1, m, env.BATCH, env.BLOCK_OUT)
    a = te.placeholder(shape, name="A", dtype=env.acc_dtype)
    b = te.placeholder(shape, name="B", dtype=env.acc_dtype)
    a_buf = te.compute(shape, lambda *i: a(*i), "A_buf")
    b_buf = te.compute(shape, lambda *i: b(*i), "B_buf")
    c_buf = te.compute(shape, lambda *i: a_buf(*i) + b_buf(*i), "C_buf")
    c = te.compute(shape, lambda *i: c_buf(*i).astype(env.inp_dtype), "C")
    s = te.create_schedule(c.op)
    for buf in (a_buf, b_buf, c_buf):
        s[buf].set_scope(env.acc_scope)
    for buf in (a_buf, b_buf, c):
        s[buf].pragma(s[buf].op.axis[0], env.dma_copy)
    s[c_buf].pragma(s[c_buf].op.axis[0], env.alu)
    return s, [a, b, c]


def conv2d(env, height, width, in_channels, out_channels, kernel, pad, stride,
           oc_block, h_block, w_block, v_threads):
    """The convolution tutorial's computation and schedule (spec vta.md 7.4) for other
    layer shapes and tilings: (schedule, [data, kernel, res], output shape)."""
    from minitvm import te, topi
    data_shape = (1, in_channels // env.BLOCK_IN, height, width, env.BATCH, env.BLOCK_IN)
    kernel_shape = (out_channels // env.BLOCK_OUT, in_channels // env.BLOCK_IN, kernel, kernel,
                    env.BLOCK_OUT, env.BLOCK_IN)
    out_h = (height + 2 * pad - kernel) // stride + 1
    out_w = (width + 2 * pad - kernel) // stride + 1
    output_shape = (1, out_channels // env.BLOCK_OUT, out_h, out_w, env.BATCH, env.BLOCK_OUT)
    dy, dx = te.reduce_axis((0, kernel), name="dy"), te.reduce_axis((0, kernel), name="dx")
    ic = te.reduce_axis((0, in_channels // env.BLOCK_IN), name="ic")
    ic_tns = te.reduce_axis((0, env.BLOCK_IN), name="ic_tns")
    data = te.placeholder(data_shape, name="data", dtype=env.inp_dtype)
    weights = te.placeholder(kernel_shape, name="kernel", dtype=env.wgt_dtype)
    data_buf = topi.nn.pad(data, [0, 0, pad, pad, 0, 0], name="data_buf")
    kernel_buf = te.compute(kernel_shape, lambda *i: weights(*i), "kernel_buf")
    res_conv = te.compute(output_shape, lambda bo, co, i, j, bi, ci: te.sum(
        data_buf[bo, ic, i * stride + dy, j * stride + dx, bi, ic_tns].astype(env.acc_dtype)
        * kernel_buf[co, ic, dy, dx, ci, ic_tns].astype(env.acc_dtype),
        axis=[ic, dy, dx, ic_tns]), name="res_conv")
    res_shr = te.compute(output_shape, lambda *i: res_conv(*i) >> 8, name="res_shr")
    res_max = te.compute(output_shape, lambda *i: te.max(res_shr(*i), 0), "res_max")
    res_min = te.compute(output_shape, lambda *i: te.min(res_max(*i), 127), "res_min")
    res = te.compute(output_shape, lambda *i: res_min(*i).astype(env.inp_dtype), name="res")

    s = te.create_schedule(res.op)
    b, oc, y, x, b_tns, oc_tns = s[res].op.axis
    b_out, b_inn = s[res].split(b, factor=1)
    oc_out, oc_inn = s[res].split(oc, factor=oc_block)
    y_out, y_inn = s[res].split(y, factor=h_block)
    x_out, x_inn = s[res].split(x, factor=w_block)
    s[res].reorder(b_out, oc_out, y_out, x_out, b_inn, oc_inn, y_inn, x_inn, b_tns, oc_tns)
    for stage in (res_conv, res_shr, res_max, res_min):
        s[stage].compute_at(s[res], x_out)
    b_inn, oc_inn, y_inn, x_inn, b_tns, oc_tns = s[res_conv].op.axis
    ic_out, ic_inn = s[res_conv].split(ic, factor=1)
    s[res_conv].reorder(ic_out, b_inn, oc_inn, y_inn, ic_inn, dy, dx, x_inn, b_tns, oc_tns,
                        ic_tns)
    if v_threads > 1:
        _, tx = s[res].split(oc_out, factor=v_threads)
        s[res].reorder(tx, b_out)
        s[res].bind(tx, te.thread_axis("cthread"))
    s[data_buf].set_scope(env.inp_scope)
    s[kernel_buf].set_scope(env.wgt_scope)
    for stage in (res_conv, res_shr, res_min, res_max):
        s[stage].set_scope(env.acc_scope)
    s[data_buf].compute_at(s[res_conv], ic_out)
    s[kernel_buf].compute_at(s[res_conv], ic_out)
    s[data_buf].pragma(s[data_buf].op.axis[0], env.dma_copy)
    s[kernel_buf].pragma(s[kernel_buf].op.axis[0], env.dma_copy)
    s[res].pragma(s[res].op.axis[4], env.dma_copy)
    s[res_conv].tensorize(b_tns, env.gemm)
    for stage in (res_shr, res_min, res_max):
        s[stage].pragma(s[stage].op.axis[0], env.alu)
    return s, [data, weights, res], output_shape


def conv2d_reference(env, data_np, kernel_np, stride, pad):
    """The tutorial's numpy check: int32 convolution, >> 8, clip to [0, 127], int8, packed
    as (N, OC, H, W, n, oc)."""
    from minitvm.topi.testing import conv2d_nchw_python
    out = conv2d_nchw_python(data_np.astype("int32"), kernel_np.astype("int32"),
                             (stride, stride), (pad, pad)).astype("int32")
    out = np.clip(out >> env.INP_WIDTH, 0, (1 << (env.INP_WIDTH - 1)) - 1).astype("int8")
    n, c, h, w = out.shape
    return out.reshape(n // env.BATCH, env.BATCH, c // env.BLOCK_OUT, env.BLOCK_OUT, h,
                       w).transpose((0, 2, 4, 5, 1, 3))


def pack_nchw(env, array, block_outer, block_inner):
    """(A, B, H, W) -> (A/ao, B/bi, H, W, ao, bi): the tutorials' tiled layout."""
    a, b, h, w = array.shape
    return array.reshape(a // block_outer, block_outer, b // block_inner, block_inner, h,
                         w).transpose((0, 2, 4, 5, 1, 3))


def blocked_matmul(env, in_channels, out_channels, i_block, o_block, v_threads=1):
    """The blocked matrix multiply tutorial (spec vta.md 7.3) for other sizes:
    (schedule, [data, weight, res]); `i_block`/`o_block` count BLOCK_IN/BLOCK_OUT tiles;
    `v_threads` > 1 splits the output tiles over that many virtual threads."""
    from minitvm import te
    data_shape = (1, in_channels // env.BLOCK_IN, env.BATCH, env.BLOCK_IN)
    weight_shape = (out_channels // env.BLOCK_OUT, in_channels // env.BLOCK_IN, env.BLOCK_OUT,
                    env.BLOCK_IN)
    output_shape = (1, out_channels // env.BLOCK_OUT, env.BATCH, env.BLOCK_OUT)
    ic = te.reduce_axis((0, in_channels // env.BLOCK_IN), name="ic")
    ic_tns = te.reduce_axis((0, env.BLOCK_IN), name="ic_tns")
    data = te.placeholder(data_shape, name="data", dtype=env.inp_dtype)
    weight = te.placeholder(weight_shape, name="weight", dtype=env.wgt_dtype)
    data_buf = te.compute(data_shape, lambda *i: data(*i), "data_buf")
    weight_buf = te.compute(weight_shape, lambda *i: weight(*i), "weight_buf")
    res_gem = te.compute(output_shape, lambda bo, co, bi, ci: te.sum(
        data_buf[bo, ic, bi, ic_tns].astype(env.acc_dtype)
        * weight_buf[co, ic, ci, ic_tns].astype(env.acc_dtype), axis=[ic, ic_tns]), "res_gem")
    res_shr = te.compute(output_shape, lambda *i: res_gem(*i) >> env.INP_WIDTH, "res_shr")
    inp_max = (1 << (env.INP_WIDTH - 1)) - 1
    res_max = te.compute(output_shape, lambda *i: te.max(res_shr(*i), 0), "res_max")
    res_min = te.compute(output_shape, lambda *i: te.min(res_max(*i), inp_max), "res_min")
    res = te.compute(output_shape, lambda *i: res_min(*i).astype(env.inp_dtype), "res")
    s = te.create_schedule(res.op)
    b, oc, b_tns, oc_tns = s[res].op.axis
    b_out, b_inn = s[res].split(b, 1)
    oc_out, oc_inn = s[res].split(oc, o_block)
    s[res].reorder(b_out, oc_out, b_inn, oc_inn)
    attach = oc_out
    if v_threads > 1:           # as the convolution tutorial threads its output channels
        _, tx = s[res].split(oc_out, factor=v_threads)
        s[res].reorder(tx, b_out)
        s[res].bind(tx, te.thread_axis("cthread"))
        attach = b_out
    for stage in (res_gem, res_shr, res_max, res_min):
        s[stage].compute_at(s[res], attach)
        s[stage].set_scope(env.acc_scope)
    b_inn, oc_inn, b_tns, oc_tns = s[res_gem].op.axis
    ic_out, ic_inn = s[res_gem].split(ic, i_block)
    s[res_gem].reorder(ic_out, b_inn, oc_inn, ic_inn, b_tns, oc_tns, ic_tns)
    s[data_buf].set_scope(env.inp_scope)
    s[weight_buf].set_scope(env.wgt_scope)
    s[data_buf].compute_at(s[res_gem], ic_out)
    s[weight_buf].compute_at(s[res_gem], ic_out)
    s[data_buf].pragma(s[data_buf].op.axis[0], env.dma_copy)
    s[weight_buf].pragma(s[weight_buf].op.axis[0], env.dma_copy)
    s[res].pragma(s[res].op.axis[2], env.dma_copy)
    s[res_gem].tensorize(b_tns, env.gemm)
    for stage in (res_shr, res_min, res_max):
        s[stage].pragma(s[stage].op.axis[0], env.alu)
    return s, [data, weight, res]


def single_tile_matmul(env, in_blocks, out_blocks):
    """The simple matrix multiply tutorial (spec vta.md 7.2): (schedule, [A, B, C])."""
    from minitvm import te
    a = te.placeholder((1, in_blocks, env.BATCH, env.BLOCK_IN), name="A", dtype=env.inp_dtype)
    b = te.placeholder((out_blocks, in_blocks, env.BLOCK_OUT, env.BLOCK_IN), name="B",
                       dtype=env.wgt_dtype)
    a_buf = te.compute(a.shape, lambda *i: a(*i), "A_buf")
    b_buf = te.compute(b.shape, lambda *i: b(*i), "B_buf")
    ko = te.reduce_axis((0, in_blocks), name="ko")
    ki = te.reduce_axis((0, env.BLOCK_IN), name="ki")
    c_buf = te.compute((1, out_blocks, env.BATCH, env.BLOCK_OUT), lambda bo, co, bi, ci: te.sum(
        a_buf[bo, ko, bi, ki].astype(env.acc_dtype) * b_buf[co, ko, ci, ki].astype(env.acc_dtype),
        axis=[ko, ki]), name="C_buf")
    c = te.compute(c_buf.shape, lambda *i: c_buf(*i).astype(env.inp_dtype), name="C")
    s = te.create_schedule(c.op)
    s[a_buf].set_scope(env.inp_scope)
    s[b_buf].set_scope(env.wgt_scope)
    s[c_buf].set_scope(env.acc_scope)
    s[a_buf].compute_at(s[c_buf], ko)
    s[b_buf].compute_at(s[c_buf], ko)
    for buf in (a_buf, b_buf, c):
        s[buf].pragma(s[buf].op.axis[0], env.dma_copy)
    axes = s[c_buf].op.axis
    s[c_buf].reorder(ko, *axes, ki)
    s[c_buf].tensorize(axes[2], env.gemm)
    return s, [a, b, c]


def pack_matrix(env, matrix, rows_block, cols_block):
    """(R, C) -> (R/rows_block, C/cols_block, rows_block, cols_block)."""
    r, c = matrix.shape
    return matrix.reshape(r // rows_block, rows_block, c // cols_block,
                          cols_block).transpose((0, 2, 1, 3))
