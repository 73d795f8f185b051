"""Workloads beyond the tutorials, built with vta.build and run on the simulator, against
numpy: ResNet-18 convolution layers with other shapes, strides, kernels and thread counts;
the blocked matrix multiply at other sizes; every ALU operation through a schedule; the
matrix multiply on non-default hardware configurations."""
import numpy as np
import pytest

import minitvm as tvm
import vta_backend as vta
from e2e_helpers import (blocked_matmul, conv2d, conv2d_reference, pack_matrix, pack_nchw,
                         single_tile_matmul)
from minitvm import te
from vta_backend.build_module import register_memory_scopes
from vta_backend.testing import simulator

ENV = vta.get_env()
CTX = tvm.runtime.ext_dev(0)

# A schedule without virtual threads ends with `coproc_sync` then `coproc_dep_pop(3, 2)`
# (as TVM lowers it); the token that pop waits for stays queued until the next run, which
# VTA's simulator allows: its dependence queues persist across runs.
def build(s, args, name):
    with vta.build_config(disabled_pass={"tir.CommonSubexprElimTIR"}):
        return vta.build(s, args, tvm.target.Target("ext_dev", host=ENV.target_host),
                         name=name)


def random_int8(rng, shape):
    return rng.integers(-128, 128, shape).astype("int8")


CONV_LAYERS = {
    # name: (height/width, in, out, kernel, pad, stride, oc_block, h_block, w_block, threads)
    "56x56x64": (56, 64, 64, 3, 1, 1, 2, 8, 56, 2),
    "28x28x128": (28, 128, 128, 3, 1, 1, 4, 7, 28, 2),
    "7x7x512": (7, 512, 512, 3, 1, 1, 8, 7, 7, 2),
    "stride 2": (14, 128, 128, 3, 1, 2, 4, 7, 7, 2),
    "1x1 kernel": (14, 256, 256, 1, 0, 1, 8, 7, 14, 2),
    "one thread": (14, 256, 256, 3, 1, 1, 8, 7, 14, 1),
}


@pytest.mark.parametrize("layer", list(CONV_LAYERS))
def test_convolution_layer_equals_numpy(layer):
    size, cin, cout, k, pad, stride, oc_block, h_block, w_block, threads = CONV_LAYERS[layer]
    s, args, out_shape = conv2d(ENV, size, size, cin, cout, k, pad, stride, oc_block, h_block,
                                w_block, threads)
    module = build(s, args, "conv")
    rng = np.random.default_rng(size + cin + k + stride)
    data, kernel = random_int8(rng, (1, cin, size, size)), random_int8(rng, (cout, cin, k, k))
    res = tvm.nd.empty(out_shape, "int8", CTX)
    simulator.clear_stats()
    module(tvm.nd.array(pack_nchw(ENV, data, ENV.BATCH, ENV.BLOCK_IN), CTX),
           tvm.nd.array(pack_nchw(ENV, kernel, ENV.BLOCK_OUT, ENV.BLOCK_IN), CTX), res)
    np.testing.assert_array_equal(res.numpy(), conv2d_reference(ENV, data, kernel, stride, pad))
    # Every output tile accumulates one GEMM per input-channel block and kernel tap.
    out_tiles = (cout // ENV.BLOCK_OUT) * out_shape[2] * out_shape[3]
    assert simulator.stats()["gemm_counter"] == out_tiles * (cin // ENV.BLOCK_IN) * k * k
@pytest.mark.parametrize("in_channels, out_channels, i_block, o_block",
                         [(512, 256, 8, 4), (256, 512, 16, 8), (128, 128, 4, 8)])
def test_blocked_matrix_multiply_equals_numpy(in_channels, out_channels, i_block, o_block):
    s, args = blocked_matmul(ENV, in_channels, out_channels, i_block, o_block)
    module = build(s, args, "gemm")
    rng = np.random.default_rng(in_channels + out_channels)
    data = random_int8(rng, (ENV.BATCH, in_channels))
    weight = random_int8(rng, (out_channels, in_channels))
    res = tvm.nd.empty((1, out_channels // ENV.BLOCK_OUT, ENV.BATCH, ENV.BLOCK_OUT), "int8", CTX)
    module(tvm.nd.array(pack_matrix(ENV, data, ENV.BATCH, ENV.BLOCK_IN), CTX),
           tvm.nd.array(pack_matrix(ENV, weight, ENV.BLOCK_OUT, ENV.BLOCK_IN), CTX), res)
    want = np.clip(data.astype("int32") @ weight.T.astype("int32") >> 8, 0, 127).astype("int8")
    np.testing.assert_array_equal(res.numpy(), pack_matrix(ENV, want, ENV.BATCH, ENV.BLOCK_OUT))


ALU_OPS = {
    # name: (TE expression of a and b, numpy reference, uses b)
    "add": (lambda a, b: a + b, lambda a, b: a + b, True),
    "min": (lambda a, b: te.min(a, b), np.minimum, True),
    "max": (lambda a, b: te.max(a, b), np.maximum, True),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, True),
    "shr": (lambda a, b: a >> b, lambda a, b: a >> b, True),
    "add imm": (lambda a, b: a + 5, lambda a, b: a + 5, False),
    "min imm": (lambda a, b: te.min(a, 7), lambda a, b: np.minimum(a, 7), False),
    "max imm": (lambda a, b: te.max(a, -3), lambda a, b: np.maximum(a, -3), False),
    "shr imm": (lambda a, b: a >> 3, lambda a, b: a >> 3, False),
    "mul imm": (lambda a, b: a * 3, lambda a, b: a * 3, False),
}


@pytest.mark.parametrize("op", ALU_OPS)
def test_alu_operation_equals_numpy(op):
    expr, reference, binary = ALU_OPS[op]
    shape = (1, 8, ENV.BATCH, ENV.BLOCK_OUT)
    a = te.placeholder(shape, name="A", dtype=ENV.acc_dtype)
    b = te.placeholder(shape, name="B", dtype=ENV.acc_dtype)
    a_buf = te.compute(shape, lambda *i: a(*i), "A_buf")
    b_buf = te.compute(shape, lambda *i: b(*i), "B_buf")
    c_buf = te.compute(shape, lambda *i: expr(a_buf(*i), b_buf(*i)), "C_buf")
    c = te.compute(shape, lambda *i: c_buf(*i).astype(ENV.inp_dtype), "C")
    s = te.create_schedule(c.op)
    loads = [a_buf, b_buf] if binary else [a_buf]
    for buf in loads + [c_buf]:
        s[buf].set_scope(ENV.acc_scope)
    for buf in loads + [c]:
        s[buf].pragma(s[buf].op.axis[0], ENV.dma_copy)
    s[c_buf].pragma(s[c_buf].op.axis[0], ENV.alu)
    module = build(s, [a, b, c] if binary else [a, c], "alu")
    rng = np.random.default_rng(len(op))
    a_np = rng.integers(-1000, 1000, shape).astype("int32")
    b_np = rng.integers(0, 8, shape).astype("int32")       # also valid shift amounts
    out = tvm.nd.empty(shape, "int8", CTX)
    inputs = [tvm.nd.array(a_np, CTX)] + ([tvm.nd.array(b_np, CTX)] if binary else [])
    simulator.clear_stats()
    module(*inputs, out)
    np.testing.assert_array_equal(out.numpy(), reference(a_np, b_np).astype("int8"))
    assert simulator.stats()["alu_counter"] == 8            # one instruction over 8 tiles


CONFIGS = {
    "1x8 blocks": dict(LOG_BLOCK=3, LOG_INP_BUFF_SIZE=14, LOG_WGT_BUFF_SIZE=16,
                       LOG_ACC_BUFF_SIZE=16),
    "batch 2": dict(LOG_BATCH=1),
}


@pytest.fixture
def restore_default_scopes():
    """Building registers the SRAM scopes of the configuration in use, process-wide; put
    the default configuration's back for the tests that follow."""
    yield
    register_memory_scopes(ENV)


@pytest.mark.parametrize("config", CONFIGS)
def test_matrix_multiply_on_another_hardware_configuration(config, restore_default_scopes):
    cfg = {k: v for k, v in ENV.cfg_dict.items() if k not in ("LOG_BLOCK_IN", "LOG_BLOCK_OUT",
                                                              "LOG_OUT_WIDTH",
                                                              "LOG_OUT_BUFF_SIZE")}
    with vta.Environment(dict(cfg, **CONFIGS[config])) as env:
        in_blocks, out_blocks = 8, 4
        s, args = single_tile_matmul(env, in_blocks, out_blocks)
        module = vta.build(s, args, "ext_dev", name="gemm")
        rng = np.random.default_rng(7)
        a = random_int8(rng, (env.BATCH, in_blocks * env.BLOCK_IN))
        b = random_int8(rng, (out_blocks * env.BLOCK_OUT, in_blocks * env.BLOCK_IN))
        c = tvm.nd.empty((1, out_blocks, env.BATCH, env.BLOCK_OUT), "int8", CTX)
        simulator.clear_stats()
        module(tvm.nd.array(pack_matrix(env, a, env.BATCH, env.BLOCK_IN), CTX),
               tvm.nd.array(pack_matrix(env, b, env.BLOCK_OUT, env.BLOCK_IN), CTX), c)
    want = (a.astype("int32") @ b.T.astype("int32")).astype("int8")
    np.testing.assert_array_equal(c.numpy(), pack_matrix(env, want, env.BATCH, env.BLOCK_OUT))
    assert simulator.stats()["gemm_counter"] == in_blocks * out_blocks
    assert simulator.stats()["inp_load_nbytes"] == in_blocks * env.INP_ELEM_BYTES
