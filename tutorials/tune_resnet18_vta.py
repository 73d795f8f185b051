"""
Tuning ResNet-18's Convolutions on VTA
======================================

VTA's operator library (``vta.top``) schedules each convolution with an AutoTVM template:
how the output is tiled (``tile_h``, ``tile_w``, ``tile_co``), how many input channels each
step loads (``tile_ci``) and how many virtual threads hide memory latency (``oc_nthread``,
``h_nthread``). Without a tuned configuration a template runs its fallback (every tile of
size 1), which keeps VTA's GEMM core idle most of the time. Upstream, tuning needed an FPGA
board to time each candidate; minitvm's timing model of VTA's pipeline gives the cycles of
a candidate in milliseconds, so a layer tunes on a laptop.

This tutorial tunes one ResNet-18 layer with a progress bar, uses the best configuration
it found, and compares every layer's cycles before and after tuning (with the tuned
configurations minitvm ships as TopHub logs), drawing them when matplotlib is installed.

Run it with ``python tutorials/tune_resnet18_vta.py``; the figure is saved in the
directory named by ``TUNE_RESNET18_DIR`` (default: the current directory).
"""

######################################################################
# Set up
# ------
# A tuning task names the operator's template and its arguments: the packed data and
# kernel tensors, strides, padding, dilation, layout and accumulator type. VTA's template
# for "conv2d_packed.vta" measures the convolution together with the shift, clip and cast
# VTA's networks fuse after it.

import os
import tempfile

import numpy as np

import minitvm as tvm
from minitvm import autotvm
from minitvm.autotvm.task import FallbackConfigEntity
from minitvm.topi.testing import conv2d_nchw_python
import vta_backend as vta
from vta_backend.top.workloads import RESNET18_CONV, conv2d_args
from vta_backend.testing import simulator
from gallery import render_when_run_directly; render_when_run_directly(globals())  # noqa: E702

env = vta.get_env()
out_dir = os.environ.get("TUNE_RESNET18_DIR", ".")
autotvm.GLOBAL_SCOPE.silent = True          # no warnings about fallback configs below

name, wl = RESNET18_CONV[9]                 # resnet-18.C11: 7x7, 512 -> 512 channels, 3x3
task = autotvm.task.create("conv2d_packed.vta", args=conv2d_args(wl), target=env.target)
print(name, wl)
print(task.config_space)

######################################################################
# Tune
# ----
# A genetic-algorithm tuner proposes candidates; each is checked statically (does every
# tile fit VTA's on-chip buffers?), compiled, run under the timing model in one of two
# local worker processes, and its output compared with the unscheduled program. Many
# candidates of VTA's space are invalid (a tile that overflows a buffer, a padded load of
# several channel blocks that VTA's 2-D DMA cannot do); they score nothing.

log_file = os.path.join(tempfile.mkdtemp(), "c11.log")
n_trial = 48
tuner = autotvm.tuner.GATuner(task, pop_size=16, seed=0)
tuner.tune(n_trial=n_trial, measure_option=autotvm.measure_option(),
           callbacks=[autotvm.callback.progress_bar(n_trial, prefix=f"[{name}]"),
                      autotvm.callback.log_to_file(log_file)])
records = list(autotvm.record.load_from_file(log_file))
valid = sum(res.error_no == 0 for _, res in records)
print(f"{valid} of {len(records)} candidates were valid")
print("best:", tuner.best_config)

######################################################################
# Use the best configuration
# --------------------------
# ``apply_history_best`` makes the template pick the best record of the log. The operator
# is called the way VTA's own benchmarks call it; its output is checked against numpy.

data, kernel, strides, padding, dilation, layout, out_dtype = conv2d_args(wl)
with autotvm.apply_history_best(log_file), env.target:
    res = vta.top.conv2d_packed(data, kernel, strides, padding, dilation, layout, out_dtype)
    res = vta.top.shift_clip_cast(res)
    s = vta.top.schedule_conv2d_packed([res])
with vta.build_config(disabled_pass={"tir.CommonSubexprElimTIR"}):
    conv = vta.build(s, [data, kernel, res], tvm.target.Target(env.target, host=env.target_host))

rng = np.random.RandomState(0)
a = rng.randint(-128, 128, size=(wl.batch, wl.in_filter, wl.height, wl.width)).astype("int8")
w = rng.randint(-128, 128, size=(wl.out_filter, wl.in_filter, wl.hkernel,
                                  wl.wkernel)).astype("int8")
dev = tvm.ext_dev(0)
out = tvm.nd.array(np.zeros([int(d) for d in res.shape], "int8"), dev)
simulator.timing_mode(True)
conv(tvm.nd.array(vta.top.pack_nchw(a), dev), tvm.nd.array(vta.top.pack_kernel(w), dev), out)
report = simulator.timing()
simulator.timing_mode(False)
ref = conv2d_nchw_python(a.astype("int32"), w.astype("int32"), strides, padding)
ref = np.clip(ref >> env.WGT_WIDTH, 0, (1 << (env.OUT_WIDTH - 1)) - 1).astype("int8")
print("output equals numpy:", np.array_equal(vta.top.unpack_nchw(out.numpy()), ref))
print(f"{report.cycles:,} cycles, GEMM utilisation {report.gemm_utilisation:.1%}")

######################################################################
# Every layer, before and after tuning
# ------------------------------------
# ``autotvm.tophub.context(env.target)`` loads the tuned configurations shipped with
# vta_backend (GATuner runs of 240-400 candidates a layer under the timing model;
# ``bench/resnet18_vta.py --write-tophub`` regenerates them). Each layer runs once with the
# fallback and once with its tuned configuration (the fallbacks take a while: they are slow).

rows = []
for name, wl in RESNET18_CONV:
    layer = autotvm.task.create("conv2d_packed.vta", args=conv2d_args(wl), target=env.target)
    with autotvm.tophub.context(env.target):
        tuned_cfg = autotvm.task.DispatchContext.current.query(env.target, layer.workload)
    before = vta.top.evaluate(layer, FallbackConfigEntity()).report.cycles
    after = vta.top.evaluate(layer, tuned_cfg).report.cycles
    rows.append((name, before, after))
    print(f"{name:<14} fallback {before:>11,} cycles, tuned {after:>9,}: {before / after:5.1f}x")

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    x = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.bar(x - 0.2, [r[1] for r in rows], 0.4, label="fallback")
    ax.bar(x + 0.2, [r[2] for r in rows], 0.4, label="tuned")
    ax.set_yscale("log")
    ax.set_xticks(x, [r[0].split(".")[1] for r in rows])
    ax.set_ylabel("cycles (timing model)")
    ax.legend()
    path = os.path.join(out_dir, "resnet18_vta_cycles.svg")
    fig.savefig(path)
    print("figure saved to", path)
except ImportError:
    print("No figure: matplotlib is not installed (pip install 'minitvm[plot]')")
