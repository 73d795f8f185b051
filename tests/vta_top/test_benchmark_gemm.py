"""VTA's GEMM integration benchmark (test_benchmark_gemm), under TVM's names: a packed
matrix multiply with shift and clip on the ALU, blocked by `block`, built with vta.build
and timed with time_evaluator on the simulator. The full run is compared with numpy
(VTA's own test only prints its figures); the unit-test variants replace every other unit
by the mock environment's no-ops, and the simulator's counters show that only the unit
under test ran."""
import numpy as np
import pytest

import minitvm as tvm
from minitvm import te
import vta_backend as vta
from vta_backend.testing import simulator
from vta_backend.transform.verify_gemm_kernels import UopKernelError

env = vta.get_env()


def gemm_tensors(batch_size, channel):
    data_shape = (batch_size // env.BATCH, channel // env.BLOCK_IN, env.BATCH, env.BLOCK_IN)
    weight_shape = (channel // env.BLOCK_OUT, channel // env.BLOCK_IN, env.BLOCK_OUT,
                    env.BLOCK_IN)
    res_shape = (batch_size // env.BATCH, channel // env.BLOCK_OUT, env.BATCH, env.BLOCK_OUT)
    ko = te.reduce_axis((0, channel // env.BLOCK_IN), name="ko")
    ki = te.reduce_axis((0, env.BLOCK_IN), name="ki")
    data = te.placeholder(data_shape, name="data", dtype=env.inp_dtype)
    weight = te.placeholder(weight_shape, name="weight", dtype=env.wgt_dtype)
    data_buf = te.compute(data_shape, lambda *i: data(*i), "data_buf")
    weight_buf = te.compute(weight_shape, lambda *i: weight(*i), "weight_buf")
    res_gem = te.compute(
        res_shape,
        lambda bo, co, bi, ci: te.sum(data_buf[bo, ko, bi, ki].astype(env.acc_dtype)
                                      * weight_buf[co, ko, ci, ki].astype(env.acc_dtype),
                                      axis=[ko, ki]),
        name="res_gem")
    res_shf = te.compute(res_shape, lambda *i: res_gem(*i) >> 8, name="res_shf")
    res_max = te.compute(res_shape, lambda *i: te.max(res_shf(*i), 0), "res_max")
    res_min = te.compute(res_shape, lambda *i: te.min(res_max(*i), (1 << (env.INP_WIDTH - 1)) - 1),
                         "res_min")
    res = te.compute(res_shape, lambda *i: res_min(*i).astype(env.inp_dtype), name="res")
    return data, weight, (data_buf, weight_buf, res_gem, res_shf, res_max, res_min), res


def gemm_schedule(stages, res, block, load_inp, load_wgt, gemm, alu, store_out):
    """VTA's benchmark schedule: `block` x `block` output tiles, `block` input channels
    loaded at a time (no blocking when `block` is None)."""
    data_buf, weight_buf, res_gem, res_shf, res_max, res_min = stages
    s = te.create_schedule(res.op)
    s[data_buf].set_scope(env.inp_scope)
    s[weight_buf].set_scope(env.wgt_scope)
    for stage in (res_gem, res_shf, res_min, res_max):
        s[stage].set_scope(env.acc_scope)
    ko, _ = res_gem.op.reduce_axis
    store_pt = s[res].op.axis[0]
    if block:
        xbo, xco, _, _ = s[res].op.axis
        _, xco1, xb2, _ = s[res].tile(xbo, xco, block // env.BATCH, block // env.BLOCK_OUT)
        store_pt = xb2
        for stage in (res_gem, res_shf, res_min, res_max):
            s[stage].compute_at(s[res], xco1)
        ko1, ko2 = s[res_gem].split(ko, block // env.BLOCK_IN)
        s[res_gem].reorder(ko1, ko2, *s[res_gem].op.axis, res_gem.op.reduce_axis[1])
        s[data_buf].compute_at(s[res_gem], ko1)
        s[weight_buf].compute_at(s[res_gem], ko1)
    else:
        s[res_gem].reorder(ko, *s[res_gem].op.axis, res_gem.op.reduce_axis[1])
    s[data_buf].pragma(s[data_buf].op.axis[0], load_inp)
    s[weight_buf].pragma(s[weight_buf].op.axis[0], load_wgt)
    s[res_gem].tensorize(s[res_gem].op.axis[2], gemm)
    for stage in (res_shf, res_min, res_max):
        s[stage].pragma(s[stage].op.axis[0], alu)
    s[res].pragma(store_pt, store_out)
    return s


def run_gemm_packed(batch_size, channel, block, units):
    data, weight, stages, res = gemm_tensors(batch_size, channel)
    s = gemm_schedule(stages, res, block, *units)
    with vta.build_config():
        f = vta.build(s, [data, weight, res], tvm.target.Target("ext_dev", host=env.target_host),
                      name="gemm")
    rng = np.random.RandomState(batch_size + channel)
    a = rng.randint(-128, 128, size=(batch_size, channel)).astype(data.dtype)
    w = rng.randint(-128, 128, size=(channel, channel)).astype(weight.dtype)
    dev = tvm.ext_dev(0)
    out = tvm.nd.array(np.zeros([int(d) for d in res.shape], res.dtype), dev)
    simulator.clear_stats()
    f.time_evaluator("gemm", dev, number=2)(
        tvm.nd.array(vta.top.pack_matrix(a, env.BATCH, env.BLOCK_IN), dev),
        tvm.nd.array(vta.top.pack_matrix(w, env.BLOCK_OUT, env.BLOCK_IN), dev), out)
    ref = np.clip((a.astype("int32") @ w.astype("int32").T) >> 8, 0,
                  (1 << (env.INP_WIDTH - 1)) - 1).astype(res.dtype)
    return vta.top.unpack_matrix(out.numpy()), ref, simulator.stats()


NORMAL = (env.dma_copy, env.dma_copy, env.gemm, env.alu, env.dma_copy)


@pytest.mark.parametrize("batch_size,channel,block", [(128, 128, 128), (16, 256, 64)])
def test_gemm_end_to_end(batch_size, channel, block):
    out, ref, stats = run_gemm_packed(batch_size, channel, block, NORMAL)
    np.testing.assert_array_equal(out, ref)
    # time_evaluator's warm-up call and its 2 timed runs, each batch x (channel/16)^2 GEMM
    # blocks of 16x16 weights
    assert stats["gemm_counter"] == 3 * batch_size * (channel // env.BLOCK_IN) * \
        (channel // env.BLOCK_OUT)


def test_unblocked_schedule_is_refused():
    # VTA's schedule without blocking loads every input before the GEMM, so nothing runs
    # between the accumulator reset and the accumulation: one micro-op kernel would hold
    # both, which VTA's runtime refuses
    with pytest.raises(UopKernelError,
                       match="reset and its accumulation fall into one micro-op kernel"):
        run_gemm_packed(32, 64, None, NORMAL)


MOCK = env.mock
UNITS = {"gemm": (MOCK.dma_copy, MOCK.dma_copy, env.gemm, MOCK.alu, MOCK.dma_copy),
         "alu": (MOCK.dma_copy, MOCK.dma_copy, MOCK.gemm, env.alu, MOCK.dma_copy),
         "load_inp": (env.dma_copy, MOCK.dma_copy, MOCK.gemm, MOCK.alu, MOCK.dma_copy),
         "load_wgt": (MOCK.dma_copy, env.dma_copy, MOCK.gemm, MOCK.alu, MOCK.dma_copy),
         "store_out": (MOCK.dma_copy, MOCK.dma_copy, MOCK.gemm, MOCK.alu, env.dma_copy)}
# the counters each unit moves (the others stay 0)
COUNTERS = {"gemm": {"gemm_counter"}, "alu": {"alu_counter"},
            "load_inp": {"inp_load_nbytes"}, "load_wgt": {"wgt_load_nbytes"},
            "store_out": {"out_store_nbytes"}}


@pytest.mark.parametrize("unit", list(UNITS))
def test_gemm_unit_tests(unit):
    _, _, stats = run_gemm_packed(128, 128, 128, UNITS[unit])
    moved = {k for k, v in stats.items() if v and k != "uop_load_nbytes"}
    assert moved == COUNTERS[unit]
