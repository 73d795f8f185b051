"""Faults are errors naming the instruction (index and disassembly) and what was wrong, and the
faulting instruction leaves DRAM as the instructions before it left it."""
import numpy as np
import pytest

from vta_backend import isa
from vta_backend import runtime as rt
from vta_backend.environment import VTAError, get_env
from vta_backend.isa import ALU_ADD, MEM_ACC, MEM_INP, MEM_OUT
from vta_backend.simulator import (DeadlockFault, DramAccessFault, InvalidInstruction,
                                   SimulatorFault, SramAccessFault, UnbalancedQueueFault,
                                   UndecodableInstruction)

from hw_helpers import dram_array, handoff, make_env, new_queue, read

FINISH = [isa.OPCODE_FINISH] + [0] * 15


@pytest.fixture
def cmd():
    return new_queue(get_env())


def mem(opcode, memory_type, sram, dram, y, x, stride, pads=(0, 0, 0, 0), flags=(0, 0, 0, 0)):
    return [opcode, *flags, memory_type, sram, dram, y, x, stride, *pads]


def run_raw(cmd, records, raw=None):
    """Write a hand-made stream (optionally with raw words) to DRAM and run the device."""
    words = cmd.isa.encode_stream(records)
    for i, word in (raw or {}).items():
        words[i] = [word & (2 ** 64 - 1), word >> 64]
    cmd.insn_staging.data[:words.nbytes] = words.reshape(-1).view(np.uint8)
    cmd.device.run(cmd.insn_staging.phys_addr, len(records))


def loaded_acc(cmd, count, value):
    buf = dram_array(cmd, np.full((count, 16), value, np.int32))
    cmd.load_buffer_2d(buf, 0, count, 1, count, 0, 0, 0, 0, 0, MEM_ACC)


# ------------------------------------------------------------------------- on-chip buffers
def test_load_past_the_end_of_an_on_chip_buffer(cmd):
    cmd.load_buffer_2d(dram_array(cmd, np.zeros((2, 16), np.int8)), 0, 2, 1, 2, 0, 0, 0, 0,
                       2047, MEM_INP)
    with pytest.raises(SramAccessFault, match=r"^instruction 0 \(LOAD INP sram=0x07ff "
                                              r"dram=0x[0-9a-f]{8} y=1 x=2 stride=2\): writes INP "
                                              r"elements \[2047, 2049\), outside the buffer of "
                                              r"2048 elements$"):
        cmd.synchronize()


def test_store_past_the_end_of_the_output_buffer(cmd):
    cmd.store_buffer_2d(2040, MEM_OUT, cmd.memory.alloc(16 * 16), 0, 4, 4, 4)
    with pytest.raises(SramAccessFault, match=r"instruction 0 \(STORE OUT sram=0x07f8 .*\): "
                                              r"reads OUT elements \[2040, 2056\)"):
        cmd.synchronize()


def push_gemm_past_the_accumulator(cmd):
    cmd.push_gemm_op(rt.UopKernelMap(), lambda _: (
        cmd.uop_loop_begin(5, 600, 0, 0), cmd.uop_push(0, 0, 7, 0, 0, 0, 0, 0),
        cmd.uop_loop_end()))


def push_alu_reading_past_the_accumulator(cmd):
    cmd.push_alu_op(rt.UopKernelMap(), lambda _: (
        cmd.uop_loop_begin(3, 1, 1000, 0), cmd.uop_push(1, 0, 0, 100, 0, ALU_ADD, 0, 0),
        cmd.uop_loop_end()))


def test_gemm_micro_op_loop_past_the_accumulator(cmd):
    push_gemm_past_the_accumulator(cmd)
    with pytest.raises(SramAccessFault, match=r"instruction 1 \(GEMM uop=\[0,1\) out\(iter=5 "
                                              r"acc=600 inp=0 wgt=0\) .*\): micro-op 0 \(dst "
                                              r"index 7\) reaches accumulator element 2407"):
        cmd.synchronize()
    cmd.push_gemm_op(rt.UopKernelMap(), lambda _: (
        cmd.uop_loop_begin(5, 0, 0, 300), cmd.uop_push(0, 0, 0, 0, 9, 0, 0, 0),
        cmd.uop_loop_end()))
    with pytest.raises(SramAccessFault, match=r"reaches weight element 1209 at iteration \(4, "
                                              r"0\); the weight buffer has 1024 elements"):
        cmd.synchronize()


def test_alu_source_past_the_accumulator(cmd):
    push_alu_reading_past_the_accumulator(cmd)
    with pytest.raises(SramAccessFault, match=r"instruction 1 \(ALU add uop=\[0,1\) .*\): "
                                              r"micro-op 0 \(src index 100\) reaches accumulator "
                                              r"element 2100 at iteration \(0, 2\)"):
        cmd.synchronize()


def test_a_run_that_skips_execution_still_checks_every_access(cmd):
    """DEBUG_SKIP_EXEC moves no data, but a GEMM or ALU reaching past a buffer fails as in a
    real run (a tuner's timing-only measurement must not accept what would fault)."""
    from vta_backend.testing import simulator
    simulator.debug_mode(simulator.DEBUG_SKIP_EXEC)
    push_gemm_past_the_accumulator(cmd)
    with pytest.raises(SramAccessFault, match=r"micro-op 0 \(dst index 7\) reaches "
                                              r"accumulator element 2407"):
        cmd.synchronize()
    push_alu_reading_past_the_accumulator(cmd)
    with pytest.raises(SramAccessFault, match=r"micro-op 0 \(src index 100\) reaches "
                                              r"accumulator element 2100"):
        cmd.synchronize()


def test_micro_op_range_past_the_micro_op_buffer(cmd):
    gemm = [isa.OPCODE_GEMM, 0, 0, 0, 0, 0, 8190, 8192, 1, 1] + [0] * 6
    run_raw(cmd, [gemm, FINISH])                       # the last two slots are fine
    gemm[isa.UOP_BGN], gemm[isa.UOP_END] = 8190, 8193
    with pytest.raises(SramAccessFault, match=r"instruction 0 \(GEMM uop=\[8190,8193\) .*\): "
                                              r"reads micro-ops \[8190, 8193\), outside the "
                                              r"micro-op buffer of 8192 elements"):
        run_raw(cmd, [gemm, FINISH])


def test_kernel_larger_than_the_micro_op_buffer():
    cmd = new_queue(make_env("small"))
    with pytest.raises(rt.UopKernelTooLarge, match=r"instruction 0 \(LOAD UOP of a 65-micro-op "
                                                   r"kernel\): the kernel is larger than the "
                                                   r"micro-op buffer \(64 micro-ops\)"):
        cmd.push_gemm_op(rt.UopKernelMap(), lambda _: [
            cmd.uop_push(0, 1, d % 30, 0, 0, 0, 0, 0) for d in range(65)])


# ------------------------------------------------------------------------- DRAM
def test_load_past_the_end_of_a_dram_buffer(cmd):
    buf = dram_array(cmd, np.zeros((10, 16), np.int8))
    cmd.load_buffer_2d(buf, 4, 3, 2, 5, 0, 0, 0, 0, 0, MEM_INP)      # rows 4..6 and 9..11
    with pytest.raises(DramAccessFault, match=r"instruction 0 \(LOAD INP .* y=2 x=3 stride=5\): "
                                              r"reads DRAM bytes \[0x[0-9a-f]+, 0x[0-9a-f]+\) "
                                              r"run past the end of DramBuffer\(0x[0-9a-f]{8}, "
                                              r"160 bytes\)"):
        cmd.synchronize()


def test_faulting_store_leaves_dram_as_the_stores_before_it_left_it(cmd):
    out = cmd.memory.alloc(3 * 16)
    loaded_acc(cmd, 4, 5)
    handoff(cmd, 2, 3)
    for k in range(4):                                  # the third store runs past the end
        cmd.store_buffer_2d(k, MEM_OUT, out, 2 * k, 1, 1, 1)
    with pytest.raises(DramAccessFault, match=r"instruction 3 \(STORE OUT sram=0x0002 .*\): "
                                              r"writes DRAM bytes .* are not inside any"):
        cmd.synchronize()
    assert read(out, np.int8, (3, 16)).tolist() == [[5] * 16, [0] * 16, [5] * 16]


def test_access_outside_every_buffer(cmd):
    store = mem(isa.OPCODE_STORE, MEM_OUT, 0, 1 << 30, 1, 1, 1)
    with pytest.raises(DramAccessFault, match=r"instruction 0 \(STORE OUT .*\): writes DRAM bytes "
                                              r"\[0x400000000, 0x400000010\) are not inside any "
                                              r"allocated buffer"):
        run_raw(cmd, [store, FINISH])


# ------------------------------------------------------------------------- dependence queues
def test_a_pop_that_can_never_be_satisfied(cmd):
    cmd.dep_pop(1, 2)
    cmd.push_gemm_op(rt.UopKernelMap(), lambda _: cmd.uop_push(0, 1, 0, 0, 0, 0, 0, 0))
    with pytest.raises(DeadlockFault, match=r"instruction 4 \(NOP-COMPUTE-STAGE \[pop_prev "
                                            r"pop_next\]\): the compute module waits for a token "
                                            r"on l2g \(load->compute\) that no remaining "
                                            r"instruction can push \(the hardware would hang\)"):
        cmd.synchronize()


def test_deadlock_names_every_blocked_module(cmd):
    store = mem(isa.OPCODE_STORE, MEM_OUT, 0, 0, 0, 0, 0, flags=(1, 0, 0, 0))
    load = mem(isa.OPCODE_LOAD, MEM_INP, 0, 0, 0, 0, 0, flags=(0, 1, 0, 0))
    with pytest.raises(DeadlockFault, match=r"instruction 0 \(NOP-STORE-STAGE \[pop_prev\]\): "
                                            r"the store module waits for a token on g2s "
                                            r".*; the load module waits at instruction 1 on g2l "
                                            r"\(compute->load\); the compute module\(s\) have "
                                            r"finished"):
        run_raw(cmd, [store, load, FINISH])


def test_a_token_carried_into_the_next_run_is_popped_there(cmd):
    """TVM's lowering of a loop-bodied function leaves one store->compute token behind its
    synchronize; the next run's first compute instruction pops it (VTA's simulator keeps
    its token FIFOs across runs)."""
    for _ in range(3):
        cmd.dep_pop(3, 2)          # pops the token the previous run left (none before run 1)
        if _ == 0:
            cmd.dep_push(3, 2)     # run 1 only: provide the first token
        cmd.dep_push(3, 2)
        cmd.synchronize()


def test_a_token_nobody_pops_in_the_following_run_unbalances_the_queue(cmd):
    def leaky_run():
        cmd.load_buffer_2d(dram_array(cmd, np.zeros((1, 16), np.int8)), 0, 1, 1, 1, 0, 0, 0, 0,
                           0, MEM_INP)
        cmd.dep_push(1, 2)
        cmd.dep_push(1, 2)
        cmd.synchronize()

    # Each run's l2g pushes: the load (0), a NOP (1), the sync's NOP (3); the sync's compute
    # NOP pops one. Run 1 leaves the tokens of 1 and 3; run 2's single pop takes run 1's
    # token of 1, so run 1's token of instruction 3 has survived a whole run: leaked.
    leaky_run()
    with pytest.raises(UnbalancedQueueFault, match=r"instruction 3 \(NOP-MEMORY-STAGE "
                                                   r"\[push_next\]\): pushed a token on l2g "
                                                   r"\(load->compute\) in an earlier run that no "
                                                   r"instruction of this run popped either: the "
                                                   r"queue is unbalanced \(1 token\(s\) leaked\)"):
        leaky_run()


def test_a_stream_without_finish(cmd):
    with pytest.raises(UnbalancedQueueFault, match=r"instruction 0 \(NOP-STORE-STAGE\): the "
                                                   r"stream ends without FINISH"):
        run_raw(cmd, [mem(isa.OPCODE_STORE, 0, 0, 0, 0, 0, 0)])


# ------------------------------------------------------------------------- undecodable, invalid
@pytest.mark.parametrize("word, shown, reason", [
    (7, "<undecodable opcode 7>", "opcode 7 is not an instruction"),
    (isa.OPCODE_LOAD | 6 << 7 | 1 << 80, "LOAD memory_type=6", "memory type 6 does not exist"),
    (isa.OPCODE_ALU | 5 << 108, "ALU alu_opcode=5", "ALU opcode 5 does not exist"),
])
def test_undecodable_instruction_stops_fetch_after_what_came_before(cmd, word, shown, reason):
    out = cmd.memory.alloc(16)
    acc = dram_array(cmd, np.full((1, 16), 3, np.int32))
    records = [mem(isa.OPCODE_LOAD, MEM_ACC, 0, acc.phys_addr // 64, 1, 1, 1, flags=(0, 0, 0, 1)),
               mem(isa.OPCODE_STORE, MEM_OUT, 0, out.phys_addr // 16, 1, 1, 1,
                   flags=(1, 0, 0, 0)), FINISH, FINISH]
    with pytest.raises(UndecodableInstruction, match=rf"^instruction 2 \({shown}.*\): {reason}"):
        run_raw(cmd, records, {2: word})
    assert (read(out, np.int8, 16) == 3).all()


@pytest.mark.parametrize("record, reason", [
    (mem(isa.OPCODE_LOAD, MEM_OUT, 0, 0, 1, 1, 1), "LOAD cannot fill memory type OUT"),
    (mem(isa.OPCODE_STORE, MEM_INP, 0, 0, 1, 1, 1), "STORE reads memory type OUT \\(4\\) only"),
    (mem(isa.OPCODE_STORE, MEM_OUT, 0, 0, 1, 1, 1, pads=(0, 0, 1, 0)), "STORE cannot pad"),
    ([isa.OPCODE_ALU, 0, 0, 0, 0, 0, 5, 3, 1, 1] + [0] * 7, "uop_bgn 5 is past uop_end 3"),
])
def test_invalid_field_combinations(cmd, record, reason):
    with pytest.raises(InvalidInstruction, match=rf"^instruction 0 \(.*\): {reason}"):
        run_raw(cmd, [record, FINISH])


def test_every_fault_is_a_vta_error():
    assert issubclass(SimulatorFault, VTAError) and issubclass(rt.RuntimeAPIError, VTAError)


# ------------------------------------------------------------------------- encoding, fetch
def test_a_field_that_does_not_fit_fails_synchronize_and_the_queue_recovers(cmd):
    buf = dram_array(cmd, np.zeros((4, 16), np.int8))
    cmd.load_buffer_2d(buf, 0, 70000, 1, 1, 0, 0, 0, 0, 0, MEM_INP)
    with pytest.raises(isa.EncodingError, match=r"instruction 0 \(LOAD INP .* x=70000 .*\): "
                                                r"field 'x_size': value 70000 does not fit in 16"):
        cmd.synchronize()
    cmd.load_buffer_2d(buf, 0, 4, 1, 4, 0, 0, 0, 0, 0, MEM_INP)
    cmd.synchronize()
    assert len(cmd.last_records) == 5


def test_fetch_outside_dram(cmd):
    with pytest.raises(VTAError, match="the 3 instructions at DRAM 0x10 are not inside"):
        cmd.device.run(0x10, 3)
