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

# MobileNet's grouped layers small enough for the fallback config in a test (D1-D6 take
# the same schedule at 28x28-112x112).
WORKLOADS = [
    ("mobilenet.D7", GroupConv2DWorkload(1, 14, 14, 512, 512, 32, 3, 3, 1, 1, 1, 1)),
    ("mobilenet.D8", GroupConv2DWorkload(1, 14, 14, 512, 512, 32, 3, 3, 1, 1, 2, 2)),
    ("mobilenet.D9", GroupConv2DWorkload(1, 7, 7, 1024, 1024, 64, 3, 3, 1, 1, 1, 1)),
]


@pytest.mark.parametrize("name,wl", WORKLOADS, ids=[n for n, _ in WORKLOADS])
def test_group_conv2d(name, wl):
    cin_per_group = wl.in_filter // wl.groups
    data = te.placeholder((1, wl.in_filter // env.BLOCK_IN, wl.height, wl.width, 1,
                           env.BLOCK_IN), name="data", dtype=env.inp_dtype)
    kernel = te.placeholder((wl.out_filter // env.BLOCK_OUT, cin_per_group // env.BLOCK_IN,
                             wl.hkernel, wl.wkernel, env.BLOCK_OUT, env.BLOCK_IN),
                            name="kernel", dtype=env.wgt_dtype)
    autotvm.GLOBAL_SCOPE.silent = True
    try:
        with env.target:
            res = vta.top.group_conv2d_packed(data, kernel, (wl.hstride, wl.wstride),
                                              (wl.hpad, wl.wpad), (1, 1), wl.groups,
                                              env.acc_dtype)
            res = requantise(res)
            s = vta.top.schedule_group_conv2d_packed([res])
    finally:
        autotvm.GLOBAL_SCOPE.silent = False
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
