"""topi.arm_cpu.conv2d_nchw_spatial_pack + schedule_conv2d_nchw_spatial_pack (the CPU
variant VTA's benchmarks run on env.target_vta_cpu), built for the host, against
topi.testing.conv2d_nchw_python: a ResNet-18 layer with the fallback config and random
configs of its space, and random small layers (strides, padding, dilation)."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minitvm as tvm
from minitvm import autotvm, te, topi
from minitvm.topi.arm_cpu.conv2d_spatial_pack import SpatialPackError
from minitvm.topi.testing import conv2d_nchw_python, dilate_python
import vta_backend as vta
from vta_backend.top.workloads import RESNET18_CONV

env = vta.get_env()
TASK = "conv2d_nchw_spatial_pack.arm_cpu"


def layer_args(shape, kernel_shape, strides, padding, dilation=(1, 1)):
    data = te.placeholder(shape, name="data", dtype="int8")
    kernel = te.placeholder(kernel_shape, name="kernel", dtype="int8")
    return data, kernel, strides, padding, dilation, "int32"


def run(args, config, seed=0):
    """Build the operator under `config` for VTA's ARM CPU (the host), run it, compare."""
    data, kernel, strides, padding, dilation, _ = args
    with autotvm.task.dispatcher.ApplyConfig(config), env.target_vta_cpu:
        out = topi.arm_cpu.conv2d_nchw_spatial_pack(*args)
        s = topi.arm_cpu.schedule_conv2d_nchw_spatial_pack([out])
    f = tvm.build(s, [data, kernel, out], target=env.target_vta_cpu)
    rng = np.random.RandomState(seed)
    a = rng.randint(-128, 128, size=[int(d) for d in data.shape]).astype("int8")
    w = rng.randint(-128, 128, size=[int(d) for d in kernel.shape]).astype("int8")
    result = tvm.nd.array(np.zeros([int(d) for d in out.shape], "int32"))
    f(tvm.nd.array(a), tvm.nd.array(w), result)
    # a dilated kernel is the kernel with dilation - 1 zeros between its taps
    dilated = dilate_python(w.astype("int32"), (1, 1) + tuple(dilation))
    ref = conv2d_nchw_python(a.astype("int32"), dilated, strides, padding)
    np.testing.assert_array_equal(result.numpy(), ref)


C10 = dict(RESNET18_CONV)["resnet-18.C10"]
C10_ARGS = layer_args((1, C10.in_filter, C10.height, C10.width),
                      (C10.out_filter, C10.in_filter, C10.hkernel, C10.wkernel),
                      (C10.hstride, C10.wstride), (C10.hpad, C10.wpad))


def test_resnet18_layer_with_the_fallback_config():
    autotvm.GLOBAL_SCOPE.silent = True
    try:
        run(C10_ARGS, autotvm.task.FallbackConfigEntity())
    finally:
        autotvm.GLOBAL_SCOPE.silent = False


def test_task_space():
    # 512 = 2^9 output channels: 10 tiles; 7x7 outputs: 2 tiles each; 2 orders; unroll or
    # not for the 1x1 kernel loops (4); none/unroll/vec on 3 tile loops, one vec at most (20)
    task = autotvm.task.create(TASK, args=C10_ARGS, target=env.target_vta_cpu)
    assert {name: len(space) for name, space in task.config_space.space_map.items()} == {
        "tile_co": 10, "tile_oh": 2, "tile_ow": 2, "reorder_0": 2, "ann_reduce": 4,
        "ann_spatial": 20}


# 348: 256 output channels x 7 columns unrolled; CSE nests ~1,700 lets, deeper than
# Python's default recursion limit (minitvm/tir/depth.py)
@pytest.mark.parametrize("index", [348, 421, 2750, 4694, 5903])
def test_resnet18_layer_with_configs_of_its_space(index):
    task = autotvm.task.create(TASK, args=C10_ARGS, target=env.target_vta_cpu)
    run(C10_ARGS, task.config_space.get(index), seed=index)


@st.composite
def small_layers(draw):
    kernel, stride, dilation = (draw(st.integers(1, 3)) for _ in range(3))
    size = draw(st.integers((kernel - 1) * dilation + 1, 7))
    ci, co = draw(st.integers(1, 6)), draw(st.integers(1, 8))
    return layer_args((1, ci, size, size + 1), (co, ci, kernel, kernel), (stride, stride),
                      (draw(st.integers(0, kernel - 1)),) * 2, (dilation, dilation))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_layers(), st.integers(0, 2**31 - 1))
def test_random_layers_and_configs_match_numpy(args, pick):
    task = autotvm.task.create(TASK, args=args, target=env.target_vta_cpu)
    run(args, task.config_space.get(pick % len(task.config_space)), seed=pick % 2**16)


def test_error_mali_tiling():
    args = layer_args((1, 4, 6, 6), (4, 4, 3, 3), (1, 1), (1, 1))
    with pytest.raises(SpatialPackError, match="num_tile 3 is not supported"):
        topi.arm_cpu.conv2d_spatial_pack_nchw(autotvm.task.FallbackConfigEntity(),
                                              *args[:5], "int32", num_tile=3)
