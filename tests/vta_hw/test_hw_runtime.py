"""runtime: token and NOP rules, the micro-op kernel cache, API errors, DRAM buffers, and the
reference convolution's stream reproduced call by call."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

from vta_backend import isa
from vta_backend import runtime as rt
from vta_backend.environment import DEBUG_DUMP_INSN, DEBUG_DUMP_UOP, get_env
from vta_backend.isa import ALU_ADD, MEM_ACC, MEM_INP, MEM_OUT
from vta_backend.simulator import DeviceMemory, DramError
from vta_backend.testing import simulator

from hw_helpers import dram_array, make_env, new_queue, read

from reference_text import insn_dump_text


def _bench():
    path = Path(__file__).resolve().parents[2] / "bench" / "simulator.py"
    spec = importlib.util.spec_from_file_location("vta_bench_simulator", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _flags(record):
    return record[1:5]


def _reset_kernel(cmd, dsts):
    def record(_):
        for d in dsts:
            cmd.uop_push(0, 1, d, 0, 0, 0, 0, 0)
    return record


@pytest.fixture
def cmd():
    return new_queue(get_env())


# ------------------------------------------------------------------------- tokens and NOPs
def test_dep_push_with_nothing_to_flag_is_a_nop(cmd):
    cmd.dep_push(3, 2)
    assert cmd.records == [[isa.OPCODE_STORE, 0, 0, 1, 0] + [0] * 10]


def test_dep_push_flags_the_last_instruction_of_its_stage_once(cmd):
    data = dram_array(cmd, np.zeros(64, np.int8))
    cmd.load_buffer_2d(data, 0, 1, 1, 1, 0, 0, 0, 0, 0, MEM_INP)
    cmd.dep_push(1, 2)
    assert len(cmd.records) == 1 and _flags(cmd.records[0]) == [0, 0, 0, 1]
    cmd.dep_push(1, 2)                                  # flag taken: a NOP carries this one
    assert cmd.records[1] == [isa.OPCODE_LOAD, 0, 0, 0, 1, MEM_INP] + [0] * 9


def test_a_nop_load_never_takes_a_push(cmd):
    cmd.dep_pop(2, 1)
    cmd.dep_push(1, 2)            # commits the pending pop as a NOP, then needs a second NOP
    assert [_flags(r) for r in cmd.records] == [[0, 1, 0, 0], [0, 0, 0, 1]]
    assert all(r[isa.X_SIZE] == 0 and r[isa.MEMORY_TYPE] == MEM_INP for r in cmd.records)


def test_dep_pop_rides_on_the_next_instruction_of_its_stage(cmd):
    site = rt.UopKernelMap()
    cmd.dep_pop(1, 2)
    cmd.push_gemm_op(site, _reset_kernel(cmd, [0, 1]))      # LOAD UOP takes the pop
    cmd.dep_pop(3, 2)
    cmd.push_gemm_op(site, _reset_kernel(cmd, [0, 1]))      # cached: the GEMM takes it
    assert [(r[0], _flags(r)) for r in cmd.records] == [
        (isa.OPCODE_LOAD, [1, 0, 0, 0]), (isa.OPCODE_GEMM, [0, 0, 0, 0]),
        (isa.OPCODE_GEMM, [0, 1, 0, 0])]


def test_a_second_pop_of_one_direction_commits_the_first_as_a_nop(cmd):
    cmd.dep_pop(2, 1)
    cmd.dep_pop(2, 1)
    assert cmd.records == [[isa.OPCODE_LOAD, 0, 1, 0, 0, MEM_INP] + [0] * 9]
    assert cmd._pending_next[1] == 1


def test_the_queued_stream_as_raw_words(cmd):
    cmd.dep_push(3, 2)
    cmd.dep_pop(3, 2)
    cmd.push_gemm_op(rt.UopKernelMap(), _reset_kernel(cmd, [5]))
    words = cmd.words()
    assert words.shape == (3, 2) and words.dtype == np.uint64
    assert [cmd.isa.decode(int(lo) | int(hi) << 64) for lo, hi in words] == cmd.records
    cmd.synchronize()
    staged = cmd.insn_staging.data[:16 * len(cmd.last_records)].view(np.uint64).reshape(-1, 2)
    assert np.array_equal(staged[:3], words)


def test_synchronize_makes_compute_wait_for_load_and_store_then_finishes(cmd):
    cmd.synchronize()
    assert [isa.disassemble(r) for r in cmd.last_records] == [
        "NOP-STORE-STAGE [push_prev]", "NOP-MEMORY-STAGE [push_next]",
        "NOP-COMPUTE-STAGE [pop_prev pop_next]", "FINISH"]
    assert cmd.records == []


@pytest.mark.parametrize("pair", [(1, 3), (3, 1), (2, 2), (0, 2), (2, 4)])
def test_tokens_only_between_neighbouring_stages(cmd, pair):
    for call in (cmd.dep_push, cmd.dep_pop):
        with pytest.raises(rt.RuntimeAPIError, match=r"tokens go between load \(1\) and compute"):
            call(*pair)


# ------------------------------------------------------------------------- micro-op kernels
def test_kernel_is_recorded_once_and_loaded_once_per_synchronize(cmd):
    site, calls = rt.UopKernelMap(), []

    def record(sig):
        calls.append(sig)
        for d in range(3 + sig):
            cmd.uop_push(0, 1, 4 * sig + d, 0, 0, 0, 0, 0)

    for _ in range(2):
        for sig in (0, 0, 1, 0):
            cmd.push_gemm_op(site, record, sig)
        assert [isa.disassemble(r).split()[0] for r in cmd.records] == [
            "LOAD", "GEMM", "GEMM", "LOAD", "GEMM", "GEMM"]
        uop_loads = [r for r in cmd.records if r[0] == isa.OPCODE_LOAD]
        assert [(r[isa.SRAM_BASE], r[isa.X_SIZE], r[isa.X_STRIDE], r[isa.Y_SIZE])
                for r in uop_loads] == [(0, 3, 3, 1), (3, 4, 4, 1)]
        assert uop_loads[1][isa.DRAM_BASE] - uop_loads[0][isa.DRAM_BASE] == 3
        cmd.synchronize()
    assert calls == [0, 1]
    assert simulator.stats()["uop_load_nbytes"] == 2 * 4 * (3 + 4)


def test_the_micro_op_ring_evicts_and_reloads():
    env = make_env("small")                              # 64 micro-ops, 32 accumulators
    cmd = new_queue(env)
    sites = [rt.UopKernelMap() for _ in range(3)]

    def adder(k):
        def record(_):
            for d in range(30):
                cmd.uop_push(1, 0, d, d, 0, ALU_ADD, 1, k + 1)
        return record

    for k in (0, 1, 2, 0, 2):                           # C wraps over A; A again evicts B
        cmd.push_alu_op(sites[k], adder(k))
    loads = [(r[isa.SRAM_BASE], r[isa.X_SIZE]) for r in cmd.records if r[0] == isa.OPCODE_LOAD]
    ranges = [(r[isa.UOP_BGN], r[isa.UOP_END]) for r in cmd.records if r[0] == isa.OPCODE_ALU]
    assert loads == [(0, 30), (30, 30), (0, 30), (30, 30)]
    assert ranges == [(0, 30), (30, 60), (0, 30), (30, 60), (0, 30)]
    out = cmd.memory.alloc(30 * env.OUT_ELEM_BYTES)
    cmd.dep_push(2, 3)
    cmd.dep_pop(2, 3)
    cmd.store_buffer_2d(0, MEM_OUT, out, 0, 30, 1, 30)
    cmd.synchronize()
    assert (read(out, np.int8, (30, env.BATCH * env.BLOCK_OUT)) == 1 + 2 + 3 + 1 + 3).all()
    assert simulator.stats()["uop_load_nbytes"] == 4 * 4 * 30
    assert simulator.stats()["alu_counter"] == 5 * 30


def test_gemm_loops_are_outer_then_inner_and_a_single_alu_loop_is_inner(cmd):
    def gemm(_):
        cmd.uop_loop_begin(5, 1, 2, 3)
        cmd.uop_push(0, 0, 0, 0, 0, 0, 0, 0)
        cmd.uop_loop_end()

    def alu(_):
        cmd.uop_loop_begin(6, 1, 2, 0)
        cmd.uop_push(1, 0, 0, 0, 0, isa.ALU_MAX, 1, -7)
        cmd.uop_loop_end()

    cmd.push_gemm_op(rt.UopKernelMap(), gemm)
    cmd.push_alu_op(rt.UopKernelMap(), alu)
    g, a = cmd.records[1], cmd.records[3]
    assert (g[isa.ITER_OUT], g[isa.ITER_IN], g[isa.DST_FACTOR_OUT], g[isa.SRC_FACTOR_OUT],
            g[isa.WGT_FACTOR_OUT], g[isa.WGT_FACTOR_IN]) == (5, 1, 1, 2, 3, 0)
    assert (a[isa.ITER_OUT], a[isa.ITER_IN], a[isa.DST_FACTOR_IN], a[isa.SRC_FACTOR_IN],
            a[isa.ALU_OPCODE], a[isa.USE_IMM], a[isa.IMM]) == (1, 6, 1, 2, isa.ALU_MAX, 1, -7)


def test_a_full_instruction_staging_buffer_runs_what_is_queued(monkeypatch):
    monkeypatch.setattr(rt, "STAGING_BYTES", 16 * 24)           # room for 24 instructions
    cmd = new_queue(get_env())
    acc = dram_array(cmd, np.arange(40 * 16, dtype=np.int32).reshape(40, 16))
    out = cmd.memory.alloc(40 * 16)
    cmd.load_buffer_2d(acc, 0, 40, 1, 40, 0, 0, 0, 0, 0, MEM_ACC)
    cmd.dep_push(2, 3)
    cmd.dep_pop(2, 3)
    for k in range(40):
        cmd.store_buffer_2d(k, MEM_OUT, out, k, 1, 1, 1)
    assert len(cmd.records) < 24                                 # it has synchronized
    cmd.synchronize()
    assert np.array_equal(read(out, np.int8, (40, 16)),
                          np.arange(40 * 16).reshape(40, 16).astype(np.int8))
    assert simulator.stats()["out_store_nbytes"] == 40 * 16


def test_a_full_micro_op_staging_buffer_runs_what_is_queued(monkeypatch):
    monkeypatch.setattr(rt, "STAGING_BYTES", 4 * 96)             # room for 96 micro-ops
    cmd = new_queue(get_env())
    for k in range(4):                                           # 4 kernels of 30 micro-ops
        cmd.push_alu_op(rt.UopKernelMap(), lambda _, k=k: [
            cmd.uop_push(1, 0, d, d, 0, ALU_ADD, 1, k + 1) for d in range(30)])
    assert [r[isa.X_SIZE] for r in cmd.records if r[0] == isa.OPCODE_LOAD] == [30]
    cmd.synchronize()
    assert (cmd.device.sram.acc[:30] == 1 + 2 + 3 + 4).all()
    assert simulator.stats()["uop_load_nbytes"] == 4 * 4 * 30


def test_a_full_staging_buffer_never_parts_a_kernel_from_its_micro_op_load(monkeypatch):
    """Each push of a new kernel queues two instructions, LOAD UOP then ALU; the stream
    that fills up runs after the pair, whichever instruction crosses the limit."""
    monkeypatch.setattr(rt, "STAGING_BYTES", 16 * 24)           # room for 24 instructions
    cmd = new_queue(get_env())
    for _ in range(30):                                          # a new kernel each time
        cmd.push_alu_op(rt.UopKernelMap(), lambda _: cmd.uop_push(1, 0, 0, 0, 0, ALU_ADD, 1, 1))
    cmd.synchronize()
    assert (cmd.device.sram.acc[0] == 30).all()
    assert simulator.stats()["uop_load_nbytes"] == 30 * 4


# ------------------------------------------------------------------------- API errors
def _recording(cmd, body, push=None):
    (push or cmd.push_gemm_op)(rt.UopKernelMap(), lambda _: body())


@pytest.mark.parametrize("body, message", [
    (lambda c: [c.uop_push(0, 0, d, 0, 0, 0, 0, 0) for d in (3, 4, 3)],
     "micro-op 2 writes acc element 3 like micro-op 0"),
    (lambda c: [c.uop_loop_begin(2, 0, 0, 0) for _ in range(3)], "at most 2 loops"),
    (lambda c: (c.uop_push(0, 0, 0, 0, 0, 0, 0, 0), c.uop_loop_begin(2, 0, 0, 0)),
     "before its first uop_push"),
    (lambda c: (c.uop_push(0, 0, 0, 0, 0, 0, 0, 0), c.uop_push(0, 1, 1, 0, 0, 0, 0, 0)),
     "must be the same for every micro-op"),
    (lambda c: c.uop_push(2, 0, 0, 0, 0, 0, 0, 0), "neither GEMM"),
    (lambda c: None, "at least one micro-op"),
    (lambda c: (c.uop_loop_begin(2, 0, 0, 0), c.uop_push(0, 0, 0, 0, 0, 0, 0, 0)),
     "close every loop"),
    (lambda c: c.uop_loop_end(), "uop_loop_end without uop_loop_begin"),
])
def test_kernel_recording_rules(cmd, body, message):
    with pytest.raises(rt.RuntimeAPIError, match=message):
        _recording(cmd, lambda: body(cmd))


def test_alu_settings_and_modes(cmd):
    with pytest.raises(rt.RuntimeAPIError, match=r"immediate 40000 is outside the ALU's "
                                                 r"immediate range \[-32768, 32767\]"):
        _recording(cmd, lambda: cmd.uop_push(1, 0, 0, 0, 0, ALU_ADD, 1, 40000), cmd.push_alu_op)
    with pytest.raises(rt.RuntimeAPIError, match="push_alu_op: the kernel holds GEMM"):
        _recording(cmd, lambda: cmd.uop_push(0, 0, 0, 0, 0, 0, 0, 0), cmd.push_alu_op)
    with pytest.raises(isa.EncodingError, match="micro-op 0: field 'dst_idx': value 2048 does "
                                                "not fit in 11 bits"):
        _recording(cmd, lambda: cmd.uop_push(0, 0, 2048, 0, 0, 0, 0, 0))


def test_outside_a_recording(cmd):
    with pytest.raises(rt.RuntimeAPIError, match="uop_push: no kernel is being recorded"):
        cmd.uop_push(0, 0, 0, 0, 0, 0, 0, 0)


def test_closure_values_per_call_site(cmd):
    site = rt.UopKernelMap()
    cmd.push_gemm_op(site, _reset_kernel(cmd, [0]), 98)
    with pytest.raises(rt.RuntimeAPIError, match="closure value 99: a call site holds kernels "
                                                 "for closure values -1..98 only"):
        cmd.push_gemm_op(site, _reset_kernel(cmd, [0]), 99)


def test_a_failed_recording_is_not_cached(cmd):
    site, attempts = rt.UopKernelMap(), []

    def record(_):
        attempts.append(1)
        if len(attempts) == 1:
            raise KeyError("closure failed")
        cmd.uop_push(0, 1, 0, 0, 0, 0, 0, 0)

    with pytest.raises(KeyError):
        cmd.push_gemm_op(site, record)
    cmd.push_gemm_op(site, record)
    assert len(attempts) == 2 and cmd._recording is None


def test_kernel_larger_than_the_micro_op_buffer():
    cmd = new_queue(make_env("small"))
    cmd.load_buffer_2d(dram_array(cmd, np.zeros(64, np.int8)), 0, 1, 1, 1, 0, 0, 0, 0, 0,
                       MEM_INP)
    with pytest.raises(rt.UopKernelTooLarge, match=r"instruction 1 \(LOAD UOP of a 65-micro-op "
                                                   r"kernel\): the kernel is larger than the "
                                                   r"micro-op buffer \(64 micro-ops\)"):
        cmd.push_gemm_op(rt.UopKernelMap(), _reset_kernel(cmd, [d % 30 for d in range(65)]))


def test_dma_arguments(cmd):
    buf = dram_array(cmd, np.zeros(256, np.int8))
    with pytest.raises(rt.RuntimeAPIError, match="dst_memory_type 4 cannot be loaded"):
        cmd.load_buffer_2d(buf, 0, 1, 1, 1, 0, 0, 0, 0, 0, MEM_OUT)
    with pytest.raises(rt.RuntimeAPIError, match="is not a live device buffer"):
        cmd.load_buffer_2d(np.zeros(4), 0, 1, 1, 1, 0, 0, 0, 0, 0, MEM_ACC)
    cmd.memory.free(buf)
    with pytest.raises(rt.RuntimeAPIError, match="freed"):
        cmd.store_buffer_2d(0, MEM_OUT, buf, 0, 1, 1, 1)


def test_only_the_simulator_target_runs():
    with pytest.raises(rt.RuntimeAPIError, match="TARGET 'pynq' has no device"):
        rt.CommandQueue(get_env().replace(TARGET="pynq"), DeviceMemory())


def test_force_serial_is_refused(cmd):
    with pytest.raises(rt.RuntimeAPIError, match="FORCE_SERIAL"):
        cmd.set_debug_mode(32)


# ------------------------------------------------------------------------- DRAM buffers
def test_dram_pages_like_vta():
    memory = DeviceMemory()
    a, b, c = memory.alloc(100), memory.alloc(5000), memory.alloc(1)
    assert [x.phys_addr for x in (a, b, c)] == [0x1000, 0x2000, 0x4000]
    memory.free(b)
    d, e = memory.alloc(4096), memory.alloc(9000)
    assert (d.phys_addr, e.phys_addr) == (0x2000, 0x5000)
    assert memory.find(0x1000, 0x1064) is a and memory.find(0x1000, 0x1065) is None
    assert memory.find(0x3000, 0x3001) is None and memory.find(0, 1) is None
    with pytest.raises(DramError, match="not a live buffer"):
        memory.free(b)


def test_buffer_copy_and_cpu_pointer():
    buf = rt.buffer_alloc(40)
    host = np.arange(10, dtype=np.int32)
    rt.buffer_copy(host, 0, buf, 0, 40, 1)
    assert (rt.buffer_cpu_ptr(buf).view(np.int32) == host).all()
    back = np.zeros(5, dtype=np.int32)
    rt.buffer_copy(buf, 20, back, 0, 20, 2)
    assert (back == host[5:]).all()
    with pytest.raises(DramError, match=r"read of bytes \[20, 60\)"):
        rt.buffer_copy(buf, 20, np.zeros(10, np.int32), 0, 40, 2)
    rt.buffer_free(buf)
    with pytest.raises(DramError, match="freed"):
        buf.read(0, 4)


def test_command_handle_is_one_queue_per_configuration(monkeypatch):
    monkeypatch.setattr(rt, "_QUEUES", {})          # leave the process's queues alone
    monkeypatch.setattr(rt, "_MEMORY", DeviceMemory())
    env = get_env()
    first = rt.command_handle()
    assert first is rt.command_handle(env) and first.memory is rt.device_memory()
    other = rt.command_handle(env.replace(LOG_BATCH=1))
    assert other is not first and other.env.BATCH == 2
    rt.shutdown()
    assert first.uop_staging.freed and rt.command_handle() is not first


# ------------------------------------------------------------------------- the reference run
def test_reference_convolution_stream_is_reproduced_byte_for_byte(capsys):
    bench = _bench()
    data, kernel, (data_buf, kernel_buf, res_buf), cmd = bench.conv_setup(DeviceMemory())
    cmd.set_debug_mode(DEBUG_DUMP_INSN | DEBUG_DUMP_UOP)
    bench.conv_program(cmd, bench.ConvSites(), data_buf, kernel_buf, res_buf)
    assert capsys.readouterr().out == insn_dump_text()
    assert simulator.stats() == {
        "inp_load_nbytes": 114688, "wgt_load_nbytes": 1179648, "acc_load_nbytes": 0,
        "uop_load_nbytes": 1144, "out_store_nbytes": 50176, "gemm_counter": 451584,
        "alu_counter": 9408}
    result = res_buf.read(0, data.nbytes).view(np.int8).reshape(data.shape)
    assert np.array_equal(result, bench.conv_reference(data, kernel))


def test_a_second_call_reloads_every_kernel():
    bench = _bench()
    _, _, (data_buf, kernel_buf, res_buf), cmd = bench.conv_setup(DeviceMemory())
    sites = bench.ConvSites()
    for _ in range(2):
        bench.conv_program(cmd, sites, data_buf, kernel_buf, res_buf)
    stats = simulator.stats()
    assert (stats["uop_load_nbytes"], stats["gemm_counter"]) == (2 * 1144, 2 * 451584)
