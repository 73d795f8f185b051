"""vta.top.group_conv2d_packed + its schedule on MobileNet's grouped layers (VTA's
test_benchmark_topi_group_conv2d), run on the simulator against numpy."""
from collections import namedtuple

import numpy as np
import pytest

from minitvm import autotvm, te
import vta_backend as vta
from vta_ops import build_and_run, conv2d_reference, env, requantise

GroupConv2DWorkload = namedtuple("GroupConv2DWorkload", [
    "batch", "height", "width", "in_filter", "out_filter", "groups", "hkernel", "wkernel",
    "hpad", "wpad", "hstride", "wstride"])

# MobileNet's grouped layers (VTA's test's list). D7-D9 run with the fallback config (every
# tile one block); D1-D6, 4 to 64 times larger, with whole-row tiles found by sampling
# configs the fit check accepts (knobs tile_b, tile_h, tile_w, tile_ci, tile_co, oc_nthread,
# h_nthread), a tenth of a second each where the fallback takes tens.
WORKLOADS = [
    ("mobilenet.D1", GroupConv2DWorkload(1, 112, 112, 32, 32, 2, 3, 3, 1, 1, 1, 1)),
    ("mobilenet.D2", GroupConv2DWorkload(1, 112, 112, 64, 64, 4, 3, 3, 1, 1, 2, 2)),
    ("mobilenet.D3", GroupConv2DWorkload(1, 56, 56, 128, 128, 8, 3, 3, 1, 1, 1, 1)),
    ("mobilenet.D4", GroupConv2DWorkload(1, 56, 56, 128, 128, 8, 3, 3, 1, 1, 2, 2)),
    ("mobilenet.D5", GroupConv2DWorkload(1, 28, 28, 256, 256, 16, 3, 3, 1, 1, 1, 1)),
    ("mobilenet.D6", GroupConv2DWorkload(1, 28, 28, 256, 256, 16, 3, 3, 1, 1, 2, 2)),
    ("mobilenet.D7", GroupConv2DWorkload(1, 14, 14, 512, 512, 32, 3, 3, 1, 1, 1, 1)),
    ("mobilenet.D8", GroupConv2DWorkload(1, 14, 14, 512, 512, 32, 3, 3, 1, 1, 2, 2)),
    ("mobilenet.D9", GroupConv2DWorkload(1, 7, 7, 1024, 1024, 64, 3, 3, 1, 1, 1, 1)),
]
KNOBS = {"mobilenet.D1": [0, 4, 6, 0, 0, 0, 0], "mobilenet.D2": [0, 6, 4, 0, 0, 0, 0],
         "mobilenet.D3": [0, 5, 7, 0, 0, 0, 0], "mobilenet.D4": [0, 5, 2, 0, 0, 0, 0],
         "mobilenet.D5": [0, 5, 3, 0, 0, 1, 0], "mobilenet.D6": [0, 3, 2, 0, 0, 0, 0]}


def config_of(name, data, kernel, wl):
    """The config of KNOBS[name], or the fallback."""
    if name not in KNOBS:
        return autotvm.task.FallbackConfigEntity()
    task = autotvm.task.create("group_conv2d_packed.vta",
                               args=(data, kernel, (wl.hstride, wl.wstride), (wl.hpad, wl.wpad),
                                     (1, 1), wl.groups, env.acc_dtype), target=env.target)
    return task.config_space.get(task.config_space.knob2point(KNOBS[name]))


@pytest.mark.parametrize("name,wl", WORKLOADS, ids=[n for n, _ in WORKLOADS])
def test_group_conv2d(name, wl):
    cin_per_group = wl.in_filter // wl.groups
    data = te.placeholder((1, wl.in_filter // env.BLOCK_IN, wl.height, wl.width, 1,
                           env.BLOCK_IN), name="data", dtype=env.inp_dtype)
    kernel = te.placeholder((wl.out_filter // env.BLOCK_OUT, cin_per_group // env.BLOCK_IN,
                             wl.hkernel, wl.wkernel, env.BLOCK_OUT, env.BLOCK_IN),
                            name="kernel", dtype=env.wgt_dtype)
    with env.target, autotvm.task.dispatcher.ApplyConfig(config_of(name, data, kernel, wl)):
        res = vta.top.group_conv2d_packed(data, kernel, (wl.hstride, wl.wstride),
                                          (wl.hpad, wl.wpad), (1, 1), wl.groups, env.acc_dtype)
        res = requantise(res)
        s = vta.top.schedule_group_conv2d_packed([res])
    a, w, _, ref = conv2d_reference(wl, np.random.RandomState(3), with_bias=False,
                                    groups=wl.groups)
    out, _ = build_and_run(s, [data, kernel, res],
                           [vta.top.pack_nchw(a), vta.top.pack_kernel(w)],
                           tuple(int(d) for d in res.shape))
    np.testing.assert_array_equal(vta.top.unpack_nchw(out), ref)


def test_error_groups_do_not_divide():
    data = te.placeholder((1, 4, 8, 8, 1, 16), name="data", dtype="int8")
    kernel = te.placeholder((4, 3, 3, 3, 16, 16), name="kernel", dtype="int8")
    with pytest.raises(vta.top.VTAOperatorError, match="2 groups do not divide"):
        vta.top.group_conv2d_packed(data, kernel, (1, 1), (1, 1), (1, 1), 2, "int32")
