"""vta.top.conv2d_transpose_packed + schedule_conv2d_transpose_packed on DCGAN's
generator layers, as VTA's test_benchmark_topi_conv2d_transpose writes them (shift and
clip fused on the ALU), on the simulator against topi.testing.conv2d_transpose_nchw_python
followed by the same requantisation in numpy."""
from collections import namedtuple

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from minitvm import autotvm, relay, te
from minitvm.topi.testing import conv2d_transpose_nchw_python
import vta_backend as vta
from vta_ops import build_and_run, env, random_int, requantise, requantise_np

Workload = namedtuple("Conv2DTransposeWorkload",
                      ["batch", "height", "width", "in_filter", "out_filter", "hkernel",
                       "wkernel", "hpad", "wpad", "hstride", "wstride", "o_hpad", "o_wpad"])
DCGAN = [("DCGAN.CT1", Workload(env.BATCH, 4, 4, 1024, 512, 4, 4, 1, 1, 2, 2, 0, 0)),
         ("DCGAN.CT2", Workload(env.BATCH, 8, 8, 512, 256, 4, 4, 1, 1, 2, 2, 0, 0)),
         ("DCGAN.CT3", Workload(env.BATCH, 16, 16, 256, 128, 4, 4, 1, 1, 2, 2, 0, 0))]


def placeholders(wl):
    data = te.placeholder((wl.batch // env.BATCH, wl.in_filter // env.BLOCK_IN, wl.height,
                           wl.width, env.BATCH, env.BLOCK_IN), name="data", dtype=env.inp_dtype)
    kernel = te.placeholder((wl.out_filter // env.BLOCK_OUT, wl.in_filter // env.BLOCK_IN,
                             wl.hkernel, wl.wkernel, env.BLOCK_OUT, env.BLOCK_IN),
                            name="kernel", dtype=env.wgt_dtype)
    return data, kernel


def pack_transposed_kernel(w):
    """(I, O, KH, KW) -> packed (O/BLOCK_OUT, I/BLOCK_IN, KH, KW, BLOCK_OUT, BLOCK_IN),
    flipped in both spatial axes (VTA's test)."""
    i, o, kh, kw = w.shape
    packed = w.reshape(i // env.BLOCK_IN, env.BLOCK_IN, o // env.BLOCK_OUT, env.BLOCK_OUT,
                       kh, kw).transpose((2, 0, 4, 5, 3, 1))
    return np.flip(np.flip(packed, 2), 3)


def run_conv2d_transpose(wl, rng, config=None):
    data, kernel = placeholders(wl)
    with env.target:
        res = vta.top.conv2d_transpose_packed(data, kernel, (wl.hstride, wl.wstride),
                                              relay.nn.get_pad_tuple2d((wl.hpad, wl.wpad)),
                                              env.acc_dtype, (wl.o_hpad, wl.o_wpad))
        res = requantise(res)
        if config is None:
            s = vta.top.schedule_conv2d_transpose_packed([res])
        else:
            with autotvm.task.dispatcher.ApplyConfig(config):
                s = vta.top.schedule_conv2d_transpose_packed([res])
    a = random_int((wl.batch, wl.in_filter, wl.height, wl.width), env.INP_WIDTH, rng)
    w = random_int((wl.in_filter, wl.out_filter, wl.hkernel, wl.wkernel), env.WGT_WIDTH, rng)
    acc = conv2d_transpose_nchw_python(a.astype("int32"), w.astype("int32"),
                                       (wl.hstride, wl.wstride), wl.hpad, (wl.o_hpad, wl.o_wpad))
    out, stats = build_and_run(s, [data, kernel, res],
                               [vta.top.pack_nchw(a.astype("int8")),
                                pack_transposed_kernel(w.astype("int8"))],
                               tuple(int(d) for d in res.shape))
    return vta.top.unpack_nchw(out), requantise_np(acc), stats


def task_of(wl):
    data, kernel = placeholders(wl)
    return autotvm.task.create("conv2d_transpose_packed.vta",
                               args=(data, kernel, (wl.hstride, wl.wstride),
                                     relay.nn.get_pad_tuple2d((wl.hpad, wl.wpad)),
                                     env.acc_dtype), target=env.target)


def config_of(wl, knobs):
    task = task_of(wl)
    return task.config_space.get(task.config_space.knob2point(knobs))


# knobs (tile_b, tile_h, tile_w, tile_ci, tile_co, oc_nthread, h_nthread) of whole-width
# tiles, 2 threads over output channels: a few seconds per layer where the fallback's
# one-block tiles take ten
KNOBS = {"DCGAN.CT1": [0, 3, 1, 0, 4, 1, 0], "DCGAN.CT2": [0, 2, 4, 0, 0, 1, 0],
         "DCGAN.CT3": [0, 2, 5, 0, 2, 1, 0]}


@pytest.mark.parametrize("name,wl", DCGAN, ids=[n for n, _ in DCGAN])
def test_dcgan_layer(name, wl):
    config = config_of(wl, KNOBS[name])
    assert config["tile_co"].size[1] * config["oc_nthread"].val <= wl.out_filter // env.BLOCK_OUT
    out, ref, _ = run_conv2d_transpose(wl, np.random.RandomState(len(name)), config)
    np.testing.assert_array_equal(out, ref)


def test_tuning_task_measures_on_the_simulator():
    # the AutoTVM template registered as VTA's: its knobs, and a measurement (timing model)
    # whose output equals the unscheduled program's on the host
    wl = DCGAN[2][1]
    task = task_of(wl)
    assert list(task.config_space.space_map) == ["tile_b", "tile_h", "tile_w", "tile_ci",
                                                 "tile_co", "oc_nthread", "h_nthread"]
    result = vta.top.evaluate(task, config_of(wl, KNOBS["DCGAN.CT3"]))
    assert result.correct and result.report.cycles > 0


@st.composite
def small_layers(draw):
    kernel, stride = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    height, width = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    # padding up to kernel - 1 on both sides, leaving an output of one pixel at least
    pad = draw(st.integers(0, min(kernel - 1, ((min(height, width) - 1) * stride + kernel - 1)
                                  // 2)))
    return Workload(env.BATCH, height, width, 16 * draw(st.integers(1, 2)),
                    16 * draw(st.integers(1, 2)), kernel, kernel, pad, pad, stride, stride, 0, 0)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_layers(), st.integers(0, 2**16))
@example(Workload(env.BATCH, 5, 4, 32, 16, 3, 3, 1, 1, 2, 2, 0, 0), 0)
@example(Workload(env.BATCH, 5, 4, 32, 16, 3, 3, 0, 0, 1, 1, 0, 0), 1)
@example(Workload(env.BATCH, 5, 4, 32, 16, 3, 3, 2, 2, 3, 3, 0, 0), 2)
def test_random_layers_match_numpy(wl, seed):
    # no tuned config for these shapes: the fallback (every tile one block)
    autotvm.GLOBAL_SCOPE.silent = True
    try:
        out, ref, _ = run_conv2d_transpose(wl, np.random.RandomState(seed))
    finally:
        autotvm.GLOBAL_SCOPE.silent = False
    np.testing.assert_array_equal(out, ref)


# ---- user errors ----
def test_error_output_padding():
    data, kernel = placeholders(DCGAN[0][1])
    with pytest.raises(vta.top.VTAOperatorError, match=r"output padding \(1, 1\)"):
        vta.top.conv2d_transpose_packed(data, kernel, (2, 2), (1, 1), "int32", (1, 1))


def test_error_padding_beyond_the_kernel():
    data, kernel = placeholders(DCGAN[0][1])
    with pytest.raises(vta.top.VTAOperatorError, match=r"padding \(4, 4\) must lie in "
                                                       r"\[0, kernel - 1\] for a 4x4 kernel"):
        vta.top.conv2d_transpose_packed(data, kernel, (2, 2), (4, 4), "int32")


def test_error_empty_output():
    data = te.placeholder((1, 1, 1, 1, 1, 16), name="data", dtype="int8")
    kernel = te.placeholder((1, 1, 3, 3, 16, 16), name="kernel", dtype="int8")
    with pytest.raises(vta.top.VTAOperatorError, match="leave an output of -1x-1"):
        vta.top.conv2d_transpose_packed(data, kernel, (1, 1), (2, 2), "int32")


def test_error_channel_mismatch():
    data = te.placeholder((1, 4, 4, 4, 1, 16), name="data", dtype="int8")
    kernel = te.placeholder((2, 3, 4, 4, 16, 16), name="kernel", dtype="int8")
    with pytest.raises(vta.top.VTAOperatorError, match="input channels"):
        vta.top.conv2d_transpose_packed(data, kernel, (2, 2), (1, 1), "int32")
