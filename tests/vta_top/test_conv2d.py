"""vta.top.conv2d_packed + schedule_conv2d_packed on ResNet-18's layers, as VTA's
test_benchmark_topi_conv2d writes them: shift, bias add and clip fused on the ALU, run on
the simulator and compared with topi.testing.conv2d_nchw_python followed by the same
requantisation in numpy."""
import logging

import numpy as np
import pytest

import minitvm as tvm
from minitvm import autotvm, relay, te
import vta_backend as vta
from vta_backend.top.workloads import RESNET18_CONV, Conv2DWorkload
from vta_ops import build_and_run, conv2d_reference, env, requantise


def run_conv2d(wl, rng, with_bias=True):
    data_shape = (wl.batch // env.BATCH, wl.in_filter // env.BLOCK_IN, wl.height, wl.width,
                  env.BATCH, env.BLOCK_IN)
    kernel_shape = (wl.out_filter // env.BLOCK_OUT, wl.in_filter // env.BLOCK_IN, wl.hkernel,
                    wl.wkernel, env.BLOCK_OUT, env.BLOCK_IN)
    bias_shape = (wl.batch // env.BATCH, wl.out_filter // env.BLOCK_OUT, 1, 1, env.BATCH,
                  env.BLOCK_OUT)
    data = te.placeholder(data_shape, name="data", dtype=env.inp_dtype)
    kernel = te.placeholder(kernel_shape, name="kernel", dtype=env.wgt_dtype)
    bias = te.placeholder(bias_shape, name="bias", dtype=env.acc_dtype)
    padding = relay.nn.get_pad_tuple2d((wl.hpad, wl.wpad))
    with env.target:
        res = vta.top.conv2d_packed(data, kernel, (wl.hstride, wl.wstride), padding, (1, 1),
                                    f"NCHW{env.BATCH}n{env.BLOCK_IN}c", env.acc_dtype)
        res = requantise(res, bias if with_bias else None)
        s = vta.top.schedule_conv2d_packed([res])
    a, w, b, ref = conv2d_reference(wl, rng, with_bias)
    arrays = [vta.top.pack_nchw(a), vta.top.pack_kernel(w)]
    tensors = [data, kernel]
    if with_bias:
        arrays.append(vta.top.pack_nchw(b.astype("int32"), block=env.BLOCK_OUT))
        tensors.append(bias)
    out, stats = build_and_run(s, tensors + [res], arrays, tuple(int(d) for d in res.shape))
    return vta.top.unpack_nchw(out), ref, stats


@pytest.mark.parametrize("name,wl", RESNET18_CONV, ids=[n for n, _ in RESNET18_CONV])
def test_resnet18_layer_with_tophub_configs(name, wl, caplog):
    autotvm.task.DispatchContext.warning_messages.clear()
    with caplog.at_level(logging.WARNING, logger="autotvm"):
        with autotvm.tophub.context(env.target):
            out, ref, _ = run_conv2d(wl, np.random.RandomState(len(name)))
    assert not caplog.records, "the operator fell back: no tuned config for its workload"
    np.testing.assert_array_equal(out, ref)


def test_fallback_config_small_layer():
    # No tuned config for this shape: the fallback (every tile 1) must be right too.
    wl = Conv2DWorkload(1, 8, 8, 32, 32, 3, 3, 1, 1, 1, 1)
    autotvm.GLOBAL_SCOPE.silent = True
    try:
        out, ref, _ = run_conv2d(wl, np.random.RandomState(0))
    finally:
        autotvm.GLOBAL_SCOPE.silent = False
    np.testing.assert_array_equal(out, ref)


def test_conv2d_packed_on_the_host_matches_numpy():
    # The declaration alone, unscheduled, built for the ARM CPU beside VTA (the host here).
    wl = Conv2DWorkload(1, 9, 7, 32, 16, 3, 3, 1, 1, 2, 2)
    args = vta.top.workloads.conv2d_args(wl)
    with env.target_vta_cpu:
        s, tensors = vta.top.conv2d_packed_task(*args)
    f = tvm.build(s, tensors, target="llvm")
    a, w, _, ref = conv2d_reference(wl, np.random.RandomState(1), with_bias=False)
    out = tvm.nd.array(np.zeros([int(d) for d in tensors[-1].shape], "int8"))
    f(tvm.nd.array(vta.top.pack_nchw(a)), tvm.nd.array(vta.top.pack_kernel(w)), out)
    np.testing.assert_array_equal(vta.top.unpack_nchw(out.numpy()), ref)


def test_tophub_gives_tuned_configs():
    for name, wl in RESNET18_CONV:
        task = autotvm.task.create("conv2d_packed.vta",
                                   args=vta.top.workloads.conv2d_args(wl), target=env.target)
        with autotvm.tophub.context(env.target):
            cfg = autotvm.task.DispatchContext.current.query(env.target, task.workload)
        assert not cfg.is_fallback, name


# ---- user errors ----
def _tensors(shape=(1, 2, 8, 8, 1, 16), kshape=(2, 2, 3, 3, 16, 16)):
    return (te.placeholder(shape, name="data", dtype="int8"),
            te.placeholder(kshape, name="kernel", dtype="int8"))


def test_error_unpacked_layout():
    data, kernel = _tensors()
    with pytest.raises(vta.top.VTAOperatorError, match="layout 'NCHW' is not packed"):
        vta.top.conv2d_packed(data, kernel, (1, 1), (1, 1), (1, 1), "NCHW", "int32")


def test_error_dilation():
    data, kernel = _tensors()
    with pytest.raises(vta.top.VTAOperatorError, match=r"dilation \(2, 2\)"):
        vta.top.conv2d_packed(data, kernel, (1, 1), (1, 1), (2, 2), "NCHW1n16c", "int32")


def test_error_asymmetric_padding():
    data, kernel = _tensors()
    with pytest.raises(vta.top.VTAOperatorError, match=r"padding \(1, 1, 0, 0\)"):
        vta.top.conv2d_packed(data, kernel, (1, 1), (1, 1, 0, 0), (1, 1), "NCHW1n16c", "int32")


def test_error_not_packed_tensor():
    data, kernel = _tensors(shape=(1, 32, 8, 8))
    with pytest.raises(vta.top.VTAOperatorError, match="data 'data' has 4 dimensions"):
        vta.top.conv2d_packed(data, kernel, (1, 1), (1, 1), (1, 1), "NCHW1n16c", "int32")


def test_error_channel_mismatch():
    data, kernel = _tensors(kshape=(2, 3, 3, 3, 16, 16))
    with pytest.raises(vta.top.VTAOperatorError, match="input channels"):
        vta.top.conv2d_packed(data, kernel, (1, 1), (1, 1), (1, 1), "NCHW1n16c", "int32")


def test_error_non_elementwise_op_after_conv():
    data, kernel = _tensors()
    with env.target:
        res = vta.top.conv2d_packed(data, kernel, (1, 1), (1, 1), (1, 1), "NCHW1n16c",
                                    "int32")
        k = te.reduce_axis((0, 16), name="k")
        total = te.compute((1, 2, 8, 8, 1), lambda a, b, c, d, e: te.sum(res[a, b, c, d, e, k],
                                                                         axis=k), name="total")
        with pytest.raises(vta.top.VTAOperatorError, match="'total'.*neither"):
            vta.top.schedule_conv2d_packed([total])
