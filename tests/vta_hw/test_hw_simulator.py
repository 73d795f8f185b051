"""The simulator, driven through the runtime with no compiler: each instruction kind against
numpy, with the statistics derived by hand, in four configurations."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vta_backend import runtime as rt
from vta_backend.environment import get_env
from vta_backend.isa import (ALU_ADD, ALU_MAX, ALU_MIN, ALU_MUL, ALU_SHR, MEM_ACC, MEM_ACC_8BIT,
                             MEM_INP, MEM_OUT, MEM_WGT)
from vta_backend.simulator import device as device_module
from vta_backend.simulator import gemm as gemm_module
from vta_backend.simulator import loopnest
from vta_backend.testing import simulator

from hw_helpers import dram_array, handoff, new_queue, read

STAT_KEYS = ["inp_load_nbytes", "wgt_load_nbytes", "acc_load_nbytes", "uop_load_nbytes",
             "out_store_nbytes", "gemm_counter", "alu_counter"]


def stats_with(**counts):
    return {k: counts.get(k, 0) for k in STAT_KEYS}


def ints(rng, dtype, shape):
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)


def wrap(values, bits=32):
    values = np.asarray(values, dtype=object) % (1 << bits)
    return np.where(values >= 1 << (bits - 1), values - (1 << bits), values).astype(np.int64)


def acc_lanes(env):
    return env.BATCH * env.BLOCK_OUT


def load_acc(cmd, env, values, sram=0):
    """A DRAM buffer of accumulator elements, loaded whole into the accumulator."""
    buf = dram_array(cmd, values.astype(env.acc_dtype))
    cmd.load_buffer_2d(buf, 0, len(values), 1, len(values), 0, 0, 0, 0, sram, MEM_ACC)


def store_out(cmd, env, sram, count):
    """Hand the accumulator to the store stage and store `count` elements from `sram`."""
    out = cmd.memory.alloc(count * env.OUT_ELEM_BYTES)
    handoff(cmd, 2, 3)
    cmd.store_buffer_2d(sram, MEM_OUT, out, 0, count, 1, count)
    return out


# ------------------------------------------------------------------------- LOAD and STORE
def test_2d_load_and_store_round_trip(env, queue):
    rng = np.random.default_rng(1)
    lanes = acc_lanes(env)
    src = ints(rng, np.int32, (6, 10, lanes)).astype(env.acc_dtype)
    buf = dram_array(queue, src)
    queue.load_buffer_2d(buf, 1 * 10 + 2, 5, 3, 10, 0, 0, 0, 0, 4, MEM_ACC)
    out = queue.memory.alloc(4 * 7 * env.OUT_ELEM_BYTES)
    handoff(queue, 2, 3)
    queue.store_buffer_2d(4, MEM_OUT, out, 3, 5, 3, 7)
    queue.synchronize()
    expected = np.zeros((4 * 7, lanes), np.int8)
    for y in range(3):
        expected[3 + 7 * y:3 + 7 * y + 5] = src[1 + y, 2:7].astype(np.int8)   # wraps
    assert np.array_equal(read(out, np.int8, expected.shape), expected)
    assert np.array_equal(queue.device.sram.acc[4:19], src[1:4, 2:7].reshape(15, lanes))
    assert simulator.stats() == stats_with(acc_load_nbytes=15 * env.ACC_ELEM_BYTES,
                                           out_store_nbytes=15 * env.OUT_ELEM_BYTES)


@pytest.mark.parametrize("pads", [(1, 0, 0, 0), (0, 2, 0, 0), (0, 0, 3, 0), (0, 0, 0, 1),
                                  (2, 1, 1, 2)])
def test_padded_loads(env, queue, pads):
    """pads = (y_pad_0, y_pad_1, x_pad_0, x_pad_1); pad positions are zero, not counted."""
    yp0, yp1, xp0, xp1 = pads
    rng = np.random.default_rng(2)
    y, x, stride = 2, 3, 5
    inp_lanes = env.BATCH * env.BLOCK_IN
    src_acc = ints(rng, np.int32, (4, stride, acc_lanes(env)))
    src_inp = ints(rng, np.int8, (4, stride, inp_lanes))
    rows, cols = yp0 + y + yp1, xp0 + x + xp1
    for mem, src in ((MEM_ACC, src_acc), (MEM_INP, src_inp)):
        queue.load_buffer_2d(dram_array(queue, src), stride + 1, x, y, stride, xp0, yp0, xp1,
                             yp1, 1, mem)
    out = store_out(queue, env, 1, rows * cols)
    queue.synchronize()
    for src, got in ((src_acc.astype(np.int8), read(out, np.int8, (rows * cols, acc_lanes(env)))),
                     (src_inp, queue.device.sram.inp[1:1 + rows * cols])):
        expected = np.pad(src[1:1 + y, 1:1 + x], ((yp0, yp1), (xp0, xp1), (0, 0)))
        assert np.array_equal(got.reshape(expected.shape), expected)
    assert np.array_equal(queue.device.sram.inp_f[:-1], queue.device.sram.inp)
    assert simulator.stats() == stats_with(
        acc_load_nbytes=y * x * env.ACC_ELEM_BYTES, inp_load_nbytes=y * x * env.INP_ELEM_BYTES,
        out_store_nbytes=rows * cols * env.OUT_ELEM_BYTES)


def test_acc_8bit_load_sign_extends_and_counts_accumulator_bytes(env, queue):
    src = np.arange(-100, -100 + 3 * acc_lanes(env), dtype=np.int8).reshape(3, -1)
    queue.load_buffer_2d(dram_array(queue, src), 0, 3, 1, 3, 0, 0, 0, 0, 2, MEM_ACC_8BIT)
    queue.synchronize()
    assert np.array_equal(queue.device.sram.acc[2:5], src.astype(np.int32))
    assert simulator.stats() == stats_with(acc_load_nbytes=3 * env.ACC_ELEM_BYTES)


# ------------------------------------------------------------------------- GEMM
def gemm_reference(acc, inp, wgt, uops, loops):
    """acc[a] += inp[i] . wgt[w]^T, micro-op by micro-op, in int64 with int32 wrap."""
    acc = acc.astype(np.int64)
    (n_out, d_o, s_o, w_o), (n_in, d_i, s_i, w_i) = loops
    for yy in range(n_out):
        for xx in range(n_in):
            for d, s, w in uops:
                a = d + yy * d_o + xx * d_i
                i, k = s + yy * s_o + xx * s_i, w + yy * w_o + xx * w_i
                acc[a] = wrap(acc[a] + (inp[i].astype(np.int64) @ wgt[k].astype(np.int64).T)
                              .reshape(-1))
    return acc


def test_gemm_over_a_two_level_loop_nest(env, queue):
    rng = np.random.default_rng(3)
    b, k, o = env.BATCH, env.BLOCK_IN, env.BLOCK_OUT
    inp, wgt = ints(rng, np.int8, (8, b, k)), ints(rng, np.int8, (6, o, k))
    uops = [(0, 0, 0), (1, 2, 1), (2, 3, 0), (0, 1, 2)]   # element 0 twice per iteration
    loops = [(3, 3, 1, 1), (2, 1, 2, 0)]                # (extent, dst, src, wgt factors)
    queue.load_buffer_2d(dram_array(queue, inp), 0, 8, 1, 8, 0, 0, 0, 0, 0, MEM_INP)
    queue.load_buffer_2d(dram_array(queue, wgt), 0, 6, 1, 6, 0, 0, 0, 0, 0, MEM_WGT)
    acc0 = ints(rng, np.int32, (12, b * o))
    load_acc(queue, env, acc0)
    handoff(queue, 1, 2)

    def record(_):
        for extent, d, s, w in loops:
            queue.uop_loop_begin(extent, d, s, w)
        for d, s, w in uops:
            queue.uop_push(0, 0, d, s, w, 0, 0, 0)
        for _ in loops:
            queue.uop_loop_end()

    queue.push_gemm_op(rt.UopKernelMap(), record)
    queue.synchronize()
    expected = gemm_reference(acc0, inp, wgt, uops, loops)
    assert np.array_equal(queue.device.sram.acc[:12], expected)
    assert simulator.stats() == stats_with(
        inp_load_nbytes=8 * env.INP_ELEM_BYTES, wgt_load_nbytes=6 * env.WGT_ELEM_BYTES,
        acc_load_nbytes=12 * env.ACC_ELEM_BYTES, uop_load_nbytes=4 * 4,
        gemm_counter=3 * 2 * 4)


def test_reset_gemm_zeroes_and_is_not_counted(env, queue):
    load_acc(queue, env, np.full((6, acc_lanes(env)), 7))

    def record(_):
        queue.uop_loop_begin(2, 3, 0, 0)
        queue.uop_push(0, 1, 0, 0, 0, 0, 0, 0)
        queue.uop_push(0, 1, 1, 0, 0, 0, 0, 0)
        queue.uop_loop_end()

    queue.push_gemm_op(rt.UopKernelMap(), record)
    queue.synchronize()
    assert queue.device.sram.acc[:6].tolist() == [[0] * acc_lanes(env)] * 2 + \
        [[7] * acc_lanes(env)] + [[0] * acc_lanes(env)] * 2 + [[7] * acc_lanes(env)]
    assert simulator.stats()["gemm_counter"] == 0 and simulator.stats()["uop_load_nbytes"] == 8


def test_long_accumulations_stay_exact_and_wrap():
    """9000 products of -128 * -128 lanes into one element: past float32 and past int32."""
    env = get_env()
    cmd = new_queue(env)
    cmd.load_buffer_2d(dram_array(cmd, np.full((1, 16), -128, np.int8)), 0, 1, 1, 1, 0, 0, 0, 0,
                       0, MEM_INP)
    cmd.load_buffer_2d(dram_array(cmd, np.full((1, 16, 16), -128, np.int8)), 0, 1, 1, 1, 0, 0,
                       0, 0, 0, MEM_WGT)
    handoff(cmd, 1, 2)

    def record(_):
        cmd.uop_loop_begin(9000, 0, 0, 0)
        cmd.uop_push(0, 0, 0, 0, 0, 0, 0, 0)
        cmd.uop_loop_end()

    cmd.push_gemm_op(rt.UopKernelMap(), record)
    cmd.synchronize()
    assert (cmd.device.sram.acc[0] == wrap([9000 * 16 * 128 * 128])[0]).all()
    assert simulator.stats() == stats_with(inp_load_nbytes=16, wgt_load_nbytes=256,
                                           uop_load_nbytes=4, gemm_counter=9000)


# ------------------------------------------------------------------------- ALU
def alu_reference(op, x, y, bits=32):
    """One lane of the ALU on Python ints (spec §2.5)."""
    if op == ALU_MIN:
        r = min(x, y)
    elif op == ALU_MAX:
        r = max(x, y)
    elif op == ALU_ADD:
        r = x + y
    elif op == ALU_MUL:
        r = x * y
    else:
        r = x >> (y % bits) if y >= 0 else x << ((-y) % bits)
    return int(wrap([r], bits)[0])


@pytest.mark.parametrize("opcode", [ALU_MIN, ALU_MAX, ALU_ADD, ALU_SHR, ALU_MUL])
@pytest.mark.parametrize("use_imm", [0, 1])
def test_every_alu_opcode(env, queue, opcode, use_imm):
    rng = np.random.default_rng(opcode * 2 + use_imm)
    n, lanes = 6, acc_lanes(env)
    acc0 = ints(rng, np.int32, (2 * n, lanes))
    if opcode == ALU_SHR:
        acc0[n:] = rng.integers(-40, 40, (n, lanes))
    acc0[0, :4] = [np.iinfo(np.int32).min, np.iinfo(np.int32).max, 0, -1]
    imm = {ALU_SHR: -3, ALU_MUL: -32768}.get(opcode, int(rng.integers(-32768, 32768)))
    load_acc(queue, env, acc0)

    def record(_):
        queue.uop_loop_begin(n, 1, 1, 0)
        queue.uop_push(1, 0, 0, n, 0, opcode, use_imm, imm)
        queue.uop_loop_end()

    queue.push_alu_op(rt.UopKernelMap(), record)
    out = store_out(queue, env, 0, n)
    queue.synchronize()
    expected = [[alu_reference(opcode, int(acc0[d, j]), imm if use_imm else int(acc0[n + d, j]))
                 for j in range(lanes)] for d in range(n)]
    assert queue.device.sram.acc[:n].tolist() == expected
    assert np.array_equal(read(out, np.int8, (n, lanes)), np.array(expected).astype(np.int8))
    assert queue.device.sram.acc[n:2 * n].tolist() == acc0[n:].tolist()
    assert simulator.stats() == stats_with(acc_load_nbytes=2 * n * env.ACC_ELEM_BYTES,
                                           uop_load_nbytes=4, alu_counter=n,
                                           out_store_nbytes=n * env.OUT_ELEM_BYTES)


def _alu_kernels(cmd, n, *ops):
    for opcode, imm in ops:
        def record(_, opcode=opcode, imm=imm):
            cmd.uop_loop_begin(n, 1, 1, 0)
            cmd.uop_push(1, 0, 0, 0, 0, opcode, 1, imm)
            cmd.uop_loop_end()
        cmd.push_alu_op(rt.UopKernelMap(), record)


def test_relu_and_shift_and_clip(env, queue):
    rng = np.random.default_rng(4)
    lanes = acc_lanes(env)
    acc0 = rng.integers(-70000, 70000, (8, lanes))
    load_acc(queue, env, acc0)
    _alu_kernels(queue, 4, (ALU_MAX, 0))                           # ReLU on elements 0..3
    load_acc(queue, env, acc0[4:], sram=4)
    queue.push_alu_op(rt.UopKernelMap(), lambda _: (
        queue.uop_loop_begin(4, 1, 1, 0), queue.uop_push(1, 0, 4, 4, 0, ALU_SHR, 1, 8),
        queue.uop_loop_end()))
    queue.push_alu_op(rt.UopKernelMap(), lambda _: (
        queue.uop_loop_begin(2, 2, 2, 0), queue.uop_push(1, 0, 4, 4, 0, ALU_MAX, 1, 0),
        queue.uop_push(1, 0, 5, 5, 0, ALU_MAX, 1, 0), queue.uop_loop_end()))
    queue.push_alu_op(rt.UopKernelMap(), lambda _: (
        queue.uop_loop_begin(4, 1, 1, 0), queue.uop_push(1, 0, 4, 4, 0, ALU_MIN, 1, 127),
        queue.uop_loop_end()))
    out = store_out(queue, env, 0, 8)
    queue.synchronize()
    expected = np.concatenate([np.maximum(acc0[:4], 0), np.clip(acc0[4:] >> 8, 0, 127)])
    assert np.array_equal(queue.device.sram.acc[:8], expected)
    assert np.array_equal(read(out, np.int8, (8, lanes)), expected.astype(np.int8))
    assert simulator.stats() == stats_with(acc_load_nbytes=(8 + 4) * env.ACC_ELEM_BYTES,
                                           uop_load_nbytes=4 * (1 + 1 + 2 + 1),
                                           alu_counter=4 + 4 + 2 * 2 + 4,
                                           out_store_nbytes=8 * env.OUT_ELEM_BYTES)


def test_alu_that_reads_what_it_writes_runs_in_order(env, queue):
    rng = np.random.default_rng(5)
    lanes, n = acc_lanes(env), 9
    acc0 = rng.integers(-1000, 1000, (n + 1, lanes))
    load_acc(queue, env, acc0)
    queue.push_alu_op(rt.UopKernelMap(), lambda _: (       # acc[d+1] += acc[d]: prefix sums
        queue.uop_loop_begin(n, 1, 1, 0), queue.uop_push(1, 0, 1, 0, 0, ALU_ADD, 0, 0),
        queue.uop_loop_end()))
    queue.push_alu_op(rt.UopKernelMap(), lambda _: (       # element n, 5 times: += 3 each
        queue.uop_loop_begin(5, 0, 0, 0), queue.uop_push(1, 0, n, 0, 0, ALU_ADD, 1, 3),
        queue.uop_loop_end()))
    queue.synchronize()
    expected = np.cumsum(acc0, axis=0)
    expected[n] += 15
    assert np.array_equal(queue.device.sram.acc[:n + 1], expected)
    assert simulator.stats() == stats_with(acc_load_nbytes=(n + 1) * env.ACC_ELEM_BYTES,
                                           uop_load_nbytes=8, alu_counter=n + 5)


def test_alu_reading_elements_it_writes_later_sees_old_values(env, queue):
    lanes, n = acc_lanes(env), 7
    acc0 = np.arange((n + 1) * lanes).reshape(n + 1, lanes) * 3
    load_acc(queue, env, acc0)
    queue.push_alu_op(rt.UopKernelMap(), lambda _: (       # acc[d] += acc[d + 1] (old values)
        queue.uop_loop_begin(n, 1, 1, 0), queue.uop_push(1, 0, 0, 1, 0, ALU_ADD, 0, 0),
        queue.uop_loop_end()))
    queue.synchronize()
    assert np.array_equal(queue.device.sram.acc[:n], acc0[:n] + acc0[1:])
    assert simulator.stats() == stats_with(acc_load_nbytes=(n + 1) * env.ACC_ELEM_BYTES,
                                           uop_load_nbytes=4, alu_counter=n)


# ------------------------------------------------------------------------- a whole program
def test_blocked_matrix_vector_product_1024():
    """y = clip((W x) >> 8, 0, 127) for 1024 x 1024 int8, weights in four 256-row groups."""
    env = get_env()
    cmd = new_queue(env)
    rng = np.random.default_rng(6)
    x, w = ints(rng, np.int8, 1024), ints(rng, np.int8, (1024, 1024))
    tiles = w.reshape(64, 16, 64, 16).transpose(0, 2, 1, 3)          # [oc][ic][o][i]
    x_buf, w_buf = dram_array(cmd, x), dram_array(cmd, np.ascontiguousarray(tiles))
    reset_site, gemm_site = rt.UopKernelMap(), rt.UopKernelMap()

    def reset(g):
        cmd.uop_loop_begin(16, 1, 0, 0)
        cmd.uop_push(0, 1, 16 * g, 0, 0, 0, 0, 0)
        cmd.uop_loop_end()

    def gemv(g):
        cmd.uop_loop_begin(16, 1, 0, 64)                # 16 output blocks
        cmd.uop_loop_begin(64, 0, 1, 1)                 # 64 input blocks
        cmd.uop_push(0, 0, 16 * g, 0, 0, 0, 0, 0)
        cmd.uop_loop_end()
        cmd.uop_loop_end()

    for g in range(4):
        if g:
            cmd.dep_pop(2, 1)                           # the weights are free again
        else:
            cmd.load_buffer_2d(x_buf, 0, 64, 1, 64, 0, 0, 0, 0, 0, MEM_INP)
        cmd.load_buffer_2d(w_buf, g * 16 * 64, 64, 16, 64, 0, 0, 0, 0, 0, MEM_WGT)
        handoff(cmd, 1, 2)
        cmd.push_gemm_op(reset_site, reset, g)
        cmd.push_gemm_op(gemm_site, gemv, g)
        cmd.dep_push(2, 1)
    cmd.dep_pop(2, 1)
    _alu_kernels(cmd, 64, (ALU_SHR, 8), (ALU_MAX, 0), (ALU_MIN, 127))
    out = store_out(cmd, env, 0, 64)
    cmd.synchronize()
    expected = np.clip((w.astype(np.int64) @ x.astype(np.int64)) >> 8, 0, 127)
    assert np.array_equal(read(out, np.int8, 1024), expected.astype(np.int8))
    assert simulator.stats() == stats_with(
        inp_load_nbytes=64 * 16, wgt_load_nbytes=4 * 1024 * 256,
        uop_load_nbytes=4 * (4 + 4 + 3), out_store_nbytes=64 * 16,
        gemm_counter=4 * 16 * 64, alu_counter=3 * 64)


# ------------------------------------------------------------------------- modes and counters
def test_skip_exec_counts_everything_and_moves_nothing():
    env = get_env()
    cmd = new_queue(env)
    load_acc(cmd, env, np.full((4, 16), 9))
    cmd.push_alu_op(rt.UopKernelMap(), lambda _: (
        cmd.uop_loop_begin(3, 1, 1, 0), cmd.uop_push(1, 0, 1, 1, 0, ALU_ADD, 1, 1),
        cmd.uop_loop_end()))
    out = store_out(cmd, env, 0, 4)
    simulator.debug_mode(simulator.DEBUG_SKIP_EXEC)
    cmd.synchronize()
    assert (read(out, np.int8, 64) == 0).all() and (cmd.device.sram.acc == 0).all()
    assert cmd.device.sram.uop[0] == cmd.isa.uop.encode([1, 1, 0])   # loaded anyway
    assert simulator.stats() == stats_with(acc_load_nbytes=4 * 64, uop_load_nbytes=4,
                                           alu_counter=3, out_store_nbytes=4 * 16)


def test_stats_accumulate_until_cleared_and_clearing_keeps_the_debug_flag():
    env = get_env()
    cmd = new_queue(env)
    for _ in range(2):
        load_acc(cmd, env, np.zeros((3, 16)))
        cmd.synchronize()
    assert list(simulator.stats()) == STAT_KEYS
    assert simulator.stats()["acc_load_nbytes"] == 2 * 3 * 64
    simulator.debug_mode(1)
    simulator.clear_stats()
    assert simulator.stats() == stats_with() and simulator.PROFILER.debug_flag == 1


# ------------------------------------------------------------------------- execution plans
def test_convolution_and_matrix_shapes_use_one_blas_product():
    env = get_env()
    taps = [(c, dy * 16 + dx + c, dy * 3 + dx) for dy in range(3) for dx in range(3)
            for c in range(14)]
    nest = loopnest.LoopNest(8, 7, {n: np.array(v) for n, v in zip(("dst", "src", "wgt"),
                                                                   zip(*taps))},
                             {"dst": (98, 14), "src": (0, 16), "wgt": (9, 0)})
    plan = gemm_module.plan_gemm(0, nest.indices("dst"), nest.indices("src"),
                                 nest.indices("wgt"), env)
    assert isinstance(plan, gemm_module.FactoredPlan) and plan.acc_out == ("g-major",
                                                                           slice(0, 784))
    assert (plan.g, plan.r, plan.c, plan.dtype) == (8, 98, 9, np.float32)
    scattered = gemm_module.plan_gemm(0, np.array([5, 1, 9, 3]), np.array([0, 0, 1, 1]),
                                      np.array([0, 1, 0, 1]), env)
    assert isinstance(scattered, gemm_module.FactoredPlan)
    assert scattered.acc_out[0] == "gather"
    irregular = gemm_module.plan_gemm(0, np.array([0, 0, 1, 2, 2, 2]),
                                      np.array([0, 1, 2, 3, 4, 5]), np.array([6, 5, 4, 3, 2, 1]),
                                      env)
    assert isinstance(irregular, gemm_module.DirectPlan)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 4).flatmap(lambda c: st.lists(
    st.lists(st.integers(-3, 3), min_size=c, max_size=c), min_size=1, max_size=40)))
def test_distinct_rows_agrees_with_numpy_unique(rows):
    m = np.array(rows, dtype=np.int64)
    distinct, inverse = gemm_module.distinct_rows(m)
    expected, expected_inverse = np.unique(m, axis=0, return_inverse=True)
    np.testing.assert_array_equal(distinct, expected)
    np.testing.assert_array_equal(inverse, expected_inverse.reshape(-1))


def test_large_nests_run_in_chunks_with_the_same_results(monkeypatch):
    env = get_env()
    results = []
    for limit in (loopnest.MAX_CONTRIBUTIONS, 5):
        monkeypatch.setattr(loopnest, "MAX_CONTRIBUTIONS", limit)
        monkeypatch.setattr(device_module, "MAX_CONTRIBUTIONS", limit)
        cmd = new_queue(env)
        rng = np.random.default_rng(7)
        cmd.load_buffer_2d(dram_array(cmd, ints(rng, np.int8, (6, 16))), 0, 6, 1, 6, 0, 0, 0, 0,
                           0, MEM_INP)
        cmd.load_buffer_2d(dram_array(cmd, ints(rng, np.int8, (4, 16, 16))), 0, 4, 1, 4, 0, 0,
                           0, 0, 0, MEM_WGT)
        handoff(cmd, 1, 2)
        cmd.push_gemm_op(rt.UopKernelMap(), lambda _: (
            cmd.uop_loop_begin(3, 1, 1, 1), cmd.uop_loop_begin(2, 0, 2, 0),
            cmd.uop_push(0, 0, 0, 0, 0, 0, 0, 0), cmd.uop_push(0, 0, 1, 1, 1, 0, 0, 0),
            cmd.uop_loop_end(), cmd.uop_loop_end()))
        cmd.push_alu_op(rt.UopKernelMap(), lambda _: (
            cmd.uop_loop_begin(3, 1, 1, 0), cmd.uop_push(1, 0, 1, 0, 0, ALU_ADD, 0, 0),
            cmd.uop_loop_end()))
        cmd.synchronize()
        results.append(cmd.device.sram.acc[:5].copy())
    assert np.array_equal(results[0], results[1]) and results[0].any()
