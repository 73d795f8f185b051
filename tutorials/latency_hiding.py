"""
Seeing Latency Hiding
=====================

The 2D convolution tutorial (``convolution_opt.py``) binds the outer output-channel axis
to two virtual threads and says that this "increases compute resource utilization by
hiding memory access latency". The functional simulator cannot show it: it counts bytes
and operations, which are the same with one thread or two. This tutorial runs the same
convolution -- the same declarations and the same schedule -- with one virtual thread and
with two under minitvm's timing model of VTA's pipeline, and prints how many cycles each
takes, how busy each hardware module is, and the speed-up.

The timing model (``vta_backend.simulator.timing``) replays the instruction stream the
simulator ran. VTA's load, compute and store modules each run their own instructions in
order, concurrently, and wait for one another only through dependence tokens (queues of
depth 8). Each instruction costs cycles from named parameters modelled on the Pynq design:
a 64-bit DRAM bus, one GEMM micro-op per cycle, 100 MHz.

Run it with ``python tutorials/latency_hiding.py``; the two timelines are saved in the
directory named by ``LATENCY_HIDING_DIR`` (default: the current directory) when matplotlib
is installed.
"""

######################################################################
# Setup
# -----
# As in the convolution tutorial, the simulator is reached through a local RPC session.
# ``simulator.timing_mode(True)`` switches the timing model on; ``simulator.timing()``
# then returns the last run's report.

from __future__ import absolute_import, print_function

import os

import numpy as np

import minitvm as tvm
import minitvm.testing
from minitvm import rpc, te, topi
from minitvm.topi.testing import conv2d_nchw_python
import vta_backend as vta
from vta_backend.simulator.timeline import TimelineUnavailable, save_timeline
from vta_backend.testing import simulator

env = vta.get_env()
remote = rpc.LocalSession()
out_dir = os.environ.get("LATENCY_HIDING_DIR", ".")

######################################################################
# Computation Declaration
# -----------------------
# ResNet-18's 9th convolution layer, with the shift and clip of the reference tutorial.

batch_size, height, width = 1, 14, 14
in_channels, out_channels = 256, 256
kernel_h, kernel_w, pad_h, pad_w, stride_h, stride_w = 3, 3, 1, 1, 1, 1

data_shape = (batch_size // env.BATCH, in_channels // env.BLOCK_IN, height, width, env.BATCH,
              env.BLOCK_IN)
kernel_shape = (out_channels // env.BLOCK_OUT, in_channels // env.BLOCK_IN, kernel_h,
                kernel_w, env.BLOCK_OUT, env.BLOCK_IN)
fout_height = (height + 2 * pad_h - kernel_h) // stride_h + 1
fout_width = (width + 2 * pad_w - kernel_w) // stride_w + 1
output_shape = (batch_size // env.BATCH, out_channels // env.BLOCK_OUT, fout_height,
                fout_width, env.BATCH, env.BLOCK_OUT)
inp_max = (1 << (env.INP_WIDTH - 1)) - 1


def declare():
    """The convolution's tensors: (data, kernel, res) and the intermediate stages."""
    dy = te.reduce_axis((0, kernel_h), name="dy")
    dx = te.reduce_axis((0, kernel_w), name="dx")
    ic = te.reduce_axis((0, in_channels // env.BLOCK_IN), name="ic")
    ic_tns = te.reduce_axis((0, env.BLOCK_IN), name="ic_tns")
    data = te.placeholder(data_shape, name="data", dtype=env.inp_dtype)
    kernel = te.placeholder(kernel_shape, name="kernel", dtype=env.wgt_dtype)
    data_buf = topi.nn.pad(data, [0, 0, pad_h, pad_w, 0, 0], name="data_buf")
    kernel_buf = te.compute(kernel_shape, lambda *i: kernel(*i), "kernel_buf")
    res_conv = te.compute(
        output_shape,
        lambda bo, co, i, j, bi, ci: te.sum(
            data_buf[bo, ic, i * stride_h + dy, j * stride_w + dx, bi, ic_tns].astype(
                env.acc_dtype)
            * kernel_buf[co, ic, dy, dx, ci, ic_tns].astype(env.acc_dtype),
            axis=[ic, dy, dx, ic_tns]),
        name="res_conv")
    res_shr = te.compute(output_shape, lambda *i: res_conv(*i) >> 8, name="res_shr")
    res_max = te.compute(output_shape, lambda *i: tvm.te.max(res_shr(*i), 0), "res_max")
    res_min = te.compute(output_shape, lambda *i: tvm.te.min(res_max(*i), inp_max), "res_min")
    res = te.compute(output_shape, lambda *i: res_min(*i).astype(env.inp_dtype), name="res")
    return data, kernel, data_buf, kernel_buf, res_conv, res_shr, res_max, res_min, res


######################################################################
# The Schedule, With a Number of Virtual Threads
# ----------------------------------------------
# This is the reference tutorial's schedule step by step: blocking, virtual threading,
# on-chip scopes, DMA copies, tensorization and the ALU pragmas. With ``v_threads = 2``
# the outer output-channel axis is split in two and bound to ``cthread``: each thread gets
# its own input, weight and accumulator tiles, so the load module can fill one thread's
# tiles while the compute module works on the other's. With ``v_threads = 1`` the axis is
# not bound, and the two halves of the output channels run one after the other on one set
# of tiles.


def schedule(v_threads):
    """The reference schedule with `v_threads` (1 or 2) virtual threads."""
    (data, kernel, data_buf, kernel_buf, res_conv, res_shr, res_max, res_min,
     res) = declare()
    s = te.create_schedule(res.op)
    b_block, oc_block, ic_block = 1 // env.BATCH, 128 // env.BLOCK_OUT, 16 // env.BLOCK_IN
    h_block, w_block = 7, 14
    b, oc, y, x, b_tns, oc_tns = s[res].op.axis
    b_out, b_inn = s[res].split(b, factor=b_block)
    oc_out, oc_inn = s[res].split(oc, factor=oc_block)
    y_out, y_inn = s[res].split(y, factor=h_block)
    x_out, x_inn = s[res].split(x, factor=w_block)
    s[res].reorder(b_out, oc_out, y_out, x_out, b_inn, oc_inn, y_inn, x_inn, b_tns, oc_tns)
    for stage in (res_conv, res_shr, res_max, res_min):
        s[stage].compute_at(s[res], x_out)
    b_inn, oc_inn, y_inn, x_inn, b_tns, oc_tns = s[res_conv].op.axis
    ic_out, ic_inn = s[res_conv].split(s[res_conv].op.reduce_axis[0], factor=ic_block)
    dy, dx = s[res_conv].op.reduce_axis[1:3]
    ic_tns = s[res_conv].op.reduce_axis[3]
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
    return s, [data, kernel, res]


######################################################################
# Build and Run Both, Timed
# -------------------------
# Both programs compute the same convolution from the same data, so their results and
# their simulator statistics agree (except the micro-op bytes: each thread loads its own
# kernels); their instruction order and dependence tokens differ. The timing model reports
# what that difference costs.

data_np = np.random.randint(-128, 128, size=(batch_size, in_channels, height, width)).astype(
    env.inp_dtype)
kernel_np = np.random.randint(
    -128, 128, size=(out_channels, in_channels, kernel_h, kernel_w)).astype(env.wgt_dtype)
data_packed = data_np.reshape(batch_size // env.BATCH, env.BATCH, in_channels // env.BLOCK_IN,
                              env.BLOCK_IN, height, width).transpose((0, 2, 4, 5, 1, 3))
kernel_packed = kernel_np.reshape(out_channels // env.BLOCK_OUT, env.BLOCK_OUT,
                                  in_channels // env.BLOCK_IN, env.BLOCK_IN, kernel_h,
                                  kernel_w).transpose((0, 2, 4, 5, 1, 3))
res_ref = conv2d_nchw_python(data_np.astype(env.acc_dtype), kernel_np.astype(env.acc_dtype),
                             (stride_h, stride_w), (pad_h, pad_w)).astype(env.acc_dtype)
res_ref = np.clip(res_ref >> env.INP_WIDTH, 0, inp_max).astype(env.inp_dtype)
res_ref = res_ref.reshape(batch_size // env.BATCH, env.BATCH, out_channels // env.BLOCK_OUT,
                          env.BLOCK_OUT, fout_height, fout_width).transpose((0, 2, 4, 5, 1, 3))

ctx = remote.ext_dev(0)
simulator.timing_mode(True)
reports, stats = {}, {}
for v_threads in (1, 2):
    s, args = schedule(v_threads)
    with vta.build_config(disabled_pass={"tir.CommonSubexprElimTIR"}):
        my_conv = vta.build(s, args, tvm.target.Target("ext_dev", host=env.target_host),
                            name="my_conv")
    data_nd = tvm.nd.array(data_packed, ctx)
    kernel_nd = tvm.nd.array(kernel_packed, ctx)
    res_nd = tvm.nd.array(np.zeros(output_shape).astype(env.inp_dtype), ctx)
    simulator.clear_stats()
    my_conv(data_nd, kernel_nd, res_nd)
    tvm.testing.assert_allclose(res_ref, res_nd.numpy())
    reports[v_threads], stats[v_threads] = simulator.timing(), simulator.stats()

######################################################################
# What the Timing Model Says
# --------------------------
# With one thread, every load waits for the GEMM that last read its tile, and the GEMM
# waits for the load: the two modules take turns. With two threads the loads of one thread
# run while the other thread's GEMM computes, so the compute module waits far less.

same = [k for k in stats[1] if stats[1][k] == stats[2][k]]
print("Statistics equal with one and two threads:", ", ".join(same))
print("Each thread loads its own micro-op kernels: uop_load_nbytes",
      stats[1]["uop_load_nbytes"], "with one thread,", stats[2]["uop_load_nbytes"], "with two")
print("Timing parameters:", reports[1].params)
print()
for v_threads, report in reports.items():
    label = f"{v_threads} virtual thread{'s' if v_threads > 1 else ''}"
    busy = ", ".join(f"{f.name} {f.utilisation:.1%}" for f in report.modules.values())
    print(f"{label}: {report.cycles:,} cycles ({report.seconds * 1e3:.2f} ms at "
          f"{report.params.clock_mhz:g} MHz), GEMM utilisation {report.gemm_utilisation:.1%}")
    print(f"  module utilisation: {busy}")
speed_up = reports[1].cycles / reports[2].cycles
print(f"Speed-up from latency hiding: {speed_up:.2f}x")
print()
print(reports[2].summary())

######################################################################
# Timelines
# ---------
# One row per module, one bar per instruction; the thin grey bars are cycles spent
# waiting for a dependence token. (Drawing needs matplotlib; the figures above do not.)

for v_threads, report in reports.items():
    path = os.path.join(out_dir, f"latency_hiding_{v_threads}_thread.svg")
    try:
        save_timeline(report, path, title=f"{v_threads} virtual thread(s): "
                                          f"{report.cycles:,} cycles, GEMM "
                                          f"{report.gemm_utilisation:.0%} of peak")
        print(f"Timeline of the {v_threads}-thread run saved to {path}")
    except TimelineUnavailable as missing:
        print(f"No timeline picture: {missing}")
        break
simulator.timing_mode(False)
