"""Hand-built streams through the runtime whose cycle counts are derived here, on paper,
from the parameters P (timing_helpers): issue I=3, DRAM latency L=20, load bus 8 B/cycle,
store bus 4 B/cycle, GEMM 1 cycle/micro-op + depth 6, ALU 2 cycles/micro-op + depth 5,
token queues of 8.

Costs (vta_backend.simulator.timing): LOAD/STORE = I + rows * (L + ceil(row bytes / bus));
GEMM = I + 6 + micro-ops; ALU = I + 5 + 2 * micro-ops; NOP and FINISH = I. A module pops
before and pushes after each instruction; a token pushed at t can be popped at t.

Every stream ends with what `synchronize` appends (spec §4.6): a store NOP pushing s2g, a
load NOP pushing l2g (unless the last instruction can carry the flag), a compute NOP popping
both, then FINISH."""
from dataclasses import replace

import pytest

from vta_backend.environment import VTAError
from vta_backend.isa import MEM_INP, MEM_OUT, MEM_WGT
from vta_backend.simulator.timing_replay import TimingDeadlock
from vta_backend.testing import simulator

from timing_helpers import (P, UopKernelMap, alu_add, dram, gemm, kinds, new_queue, run_timed,
                            span)

I, L = P.issue_cycles, P.dram_latency


def uop_load(nuops):
    """A micro-op kernel load: one row of 4-byte micro-ops."""
    return I + L + -(-4 * nuops // P.load_bytes_per_cycle)


def test_lone_load():
    cmd = new_queue()
    src = dram(cmd, 3 * 4 * 16)
    cmd.load_buffer_2d(src, 0, 4, 3, 4, 0, 0, 0, 0, 0, MEM_INP)      # 3 rows of 4 x 16 B
    report = run_timed(cmd)
    assert kinds(report) == ["load inp", "nop", "nop", "nop", "finish"]
    load = I + 3 * (L + 4 * 16 // 8)                                   # 3 + 3 * 28 = 87
    assert load == 87
    assert span(report, 0) == (0, load)
    assert span(report, 1) == (0, I)                  # store NOP: pushes s2g at 3
    assert span(report, 2) == (load, load + I)        # load NOP: pushes l2g at 90
    assert span(report, 3) == (load + I, load + 2 * I)   # compute NOP waited for both
    assert report.trace[3].wait == load + I
    assert report.cycles == load + 3 * I == 96
    assert report.seconds == pytest.approx(96 / 50e6)
    figures = report.modules
    assert (figures["load"].busy, figures["load"].token_wait, figures["load"].idle) == (90, 0, 6)
    assert (figures["compute"].busy, figures["compute"].token_wait) == (2 * I, load + I)
    assert (figures["store"].busy, figures["store"].idle) == (I, 96 - I)
    assert figures["load"].utilisation == pytest.approx(90 / 96)


def test_load_then_dependent_gemm():
    cmd = new_queue()
    inp, wgt = dram(cmd, 2 * 16), dram(cmd, 256)
    cmd.load_buffer_2d(inp, 0, 2, 1, 2, 0, 0, 0, 0, 0, MEM_INP)       # 32 B: 4 beats
    cmd.load_buffer_2d(wgt, 0, 1, 1, 1, 0, 0, 0, 0, 0, MEM_WGT)       # 256 B: 32 beats
    cmd.dep_push(1, 2)
    cmd.dep_pop(1, 2)
    gemm(cmd, UopKernelMap(), 2, 3, 2)                                 # 12 micro-ops
    report = run_timed(cmd)
    assert kinds(report) == ["load inp", "load wgt", "load uop", "gemm", "nop", "nop", "nop",
                             "finish"]
    load_inp, load_wgt = I + L + 4, I + L + 32                         # 27, 55
    pushed = load_inp + load_wgt                                       # l2g token at 82
    gemm_start = pushed + uop_load(2)                                  # 82 + 24 = 106
    gemm_end = gemm_start + I + P.gemm_pipeline_depth + 12             # 106 + 21 = 127
    assert span(report, 1) == (load_inp, pushed) == (27, 82)
    assert span(report, 2) == (pushed, gemm_start)                     # the micro-op load pops
    assert report.trace[2].wait == pushed
    assert span(report, 3) == (gemm_start, gemm_end) == (106, 127)
    assert span(report, 5) == (pushed, pushed + I)                     # sync's load NOP
    assert report.cycles == gemm_end + 2 * I == 133
    assert report.gemm_uops == 12
    assert report.gemm_utilisation == pytest.approx(12 / 133)


def test_two_independent_pairs_overlap():
    cmd = new_queue()
    src = dram(cmd, 4 * 8 * 16)
    for sram in (0, 32):                                # two loads of 4 rows x 128 B
        cmd.load_buffer_2d(src, 0, 8, 4, 8, 0, 0, 0, 0, sram, MEM_INP)
        cmd.dep_push(1, 2)
    for src_index in (0, 32):                           # each GEMM pops its own load's token
        cmd.dep_pop(1, 2)
        gemm(cmd, UopKernelMap(), 20, 10, 1, src=src_index)              # 200 micro-ops
    report = run_timed(cmd)
    assert kinds(report) == ["load inp", "load inp", "load uop", "gemm", "load uop", "gemm",
                             "nop", "nop", "nop", "finish"]
    load = I + 4 * (L + 128 // 8)                                      # 147
    compute = I + P.gemm_pipeline_depth + 200                          # 209
    assert span(report, 0) == (0, load)
    assert span(report, 1) == (load, 2 * load)                         # during the first GEMM
    assert span(report, 2) == (load, load + uop_load(1))               # 147 .. 171
    first_gemm_end = load + uop_load(1) + compute                      # 380 > 294: no wait
    assert span(report, 3) == (load + uop_load(1), first_gemm_end)
    assert span(report, 4) == (first_gemm_end, first_gemm_end + uop_load(1))
    assert report.trace[4].wait == 0
    end = first_gemm_end + uop_load(1) + compute                       # 613
    assert span(report, 5) == (end - compute, end)
    assert report.cycles == end + 2 * I == 619
    serial = report.modules["load"].busy + report.modules["compute"].busy
    assert report.cycles < serial                                      # 619 < 297 + 472


def test_store_waits_for_compute():
    cmd = new_queue()
    out = dram(cmd, 6 * 16)
    gemm(cmd, UopKernelMap(), 4, 1, 2, reset=1)                        # 8 reset micro-ops
    cmd.dep_push(2, 3)
    cmd.dep_pop(2, 3)
    cmd.store_buffer_2d(0, MEM_OUT, out, 0, 3, 2, 3)                   # 2 rows of 48 B
    report = run_timed(cmd)
    assert kinds(report) == ["load uop", "gemm reset", "store", "nop", "nop", "finish"]
    computed = uop_load(2) + I + P.gemm_pipeline_depth + 8            # 24 + 17 = 41
    store = I + 2 * (L + 3 * 16 // P.store_bytes_per_cycle)            # 3 + 2 * 32 = 67
    assert span(report, 2) == (computed, computed + store) == (41, 108)
    assert report.trace[2].wait == computed
    assert report.cycles == computed + store + 2 * I == 114
    figures = report.modules["store"]
    assert (figures.busy, figures.token_wait, figures.queue_full, figures.idle) == (
        store, computed, 0, 114 - store - computed)
    assert report.gemm_uops == 0                       # reset micro-ops are not GEMM work


def _flood(cmd):
    """Ten one-element loads each pushing l2g, while compute first runs a 400-micro-op GEMM
    and only then pops them, one per ALU instruction."""
    src = dram(cmd, 16)
    for _ in range(10):
        cmd.load_buffer_2d(src, 0, 1, 1, 1, 0, 0, 0, 0, 0, MEM_INP)   # 16 B: 2 beats
        cmd.dep_push(1, 2)
    gemm(cmd, UopKernelMap(), 40, 10, 1)
    site = UopKernelMap()
    for _ in range(10):
        cmd.dep_pop(1, 2)
        alu_add(cmd, site, 1)


def test_full_token_queue_stalls_its_producer():
    cmd = new_queue()
    _flood(cmd)
    report = run_timed(cmd)
    assert kinds(report) == (["load inp"] * 10 + ["load uop", "gemm", "load uop"]
                             + ["alu"] * 10 + ["nop", "nop", "nop", "finish"])
    load, alu = I + L + 2, I + P.alu_pipeline_depth + 2 * 1            # 25, 10
    first_pop = uop_load(1) + I + P.gemm_pipeline_depth + 400          # 24 + 409 = 433
    # Tokens 0..7 fill the queue by cycle 200; the 9th load ends at 225 and cannot push its
    # token until compute pops token 0 at 433.
    assert span(report, 7) == (7 * load, 8 * load)
    assert span(report, 8) == (8 * load, 9 * load)
    assert report.trace[8].stall == first_pop - 9 * load == 208
    # Token 9 waits for the pop of token 1 (the first ALU after the micro-op load pops it).
    assert span(report, 9) == (first_pop, first_pop + load)
    assert report.trace[9].stall == uop_load(1) + alu - load == 9
    # The sync's load NOP (token 10) waits for the pop of token 2.
    assert report.trace[24].stall == alu - I == 7
    last_alu_end = first_pop + uop_load(1) + 10 * alu                  # 433 + 24 + 100 = 557
    assert span(report, 22) == (last_alu_end - alu, last_alu_end)
    assert report.cycles == last_alu_end + 2 * I == 563
    figures = report.modules["load"]
    assert figures.queue_full == 208 + 9 + 7
    assert figures.busy == 10 * load + I
    assert figures.idle == 563 - figures.busy - figures.queue_full


def test_deeper_queues_do_not_stall():
    cmd = new_queue()
    _flood(cmd)
    report = run_timed(cmd, replace(P, token_queue_depth=16))
    assert report.modules["load"].queue_full == 0
    assert report.cycles == 563                        # compute was the bottleneck anyway


def _crossed_pushes(cmd):
    """Load pushes 9 l2g tokens before popping g2l; compute pushes 9 g2l tokens before
    popping l2g. Unbounded queues (the functional simulator) are fine; queues of 8 hang."""
    for _ in range(9):
        cmd.dep_push(1, 2)                  # load NOPs 0..8
    for _ in range(9):
        cmd.dep_push(2, 1)                  # compute NOPs 9..17
    for _ in range(9):
        cmd.dep_pop(2, 1)
    for _ in range(9):
        cmd.dep_pop(1, 2)


def test_full_queues_both_ways_deadlock_naming_the_stuck_instructions():
    cmd = new_queue()
    run_timed(cmd)                                      # an empty run, timed
    _crossed_pushes(cmd)
    with pytest.raises(TimingDeadlock) as info:
        cmd.synchronize()
    error = info.value
    assert error.index == 8
    assert [(module, i) for module, i, _ in error.stuck] == [("load", 8), ("compute", 17)]
    message = str(error)
    assert message.startswith("instruction 8 (NOP-MEMORY-STAGE [push_next]): timing model "
                              "deadlock (the hardware would hang)")
    assert "push onto l2g (load->compute), full with 8 tokens the compute module never pops" \
        in message
    assert ("the compute module is stuck at instruction 17 (NOP-COMPUTE-STAGE [push_prev]): it "
            "waits from cycle 27 to push onto g2l (compute->load)") in message   # 9 NOPs of 3
    assert "the store module has finished" in message
    assert simulator.stats()["gemm_counter"] == 0       # the functional run completed
    with pytest.raises(VTAError, match="no run has finished"):
        simulator.timing()                              # no stale report of another run


def test_crossed_pushes_run_with_deeper_queues():
    cmd = new_queue()
    _crossed_pushes(cmd)
    report = run_timed(cmd, replace(P, token_queue_depth=9))
    assert report.cycles > 0
    assert all(f.queue_full == 0 for f in report.modules.values())


def test_a_token_left_by_one_run_is_queued_at_the_start_of_the_next():
    """TVM's lowering leaves a store->compute token behind a synchronize, which the next
    call's first compute instruction pops (the device's FIFOs outlive a run)."""
    cmd = new_queue()
    cmd.dep_push(3, 2)
    first = run_timed(cmd)
    assert first.leftover_tokens == (0, 0, 0, 1)          # l2g, g2l, g2s, s2g
    cmd.dep_pop(3, 2)
    gemm(cmd, UopKernelMap(), 1, 1, 3)
    second = run_timed(cmd)
    assert kinds(second) == ["load uop", "gemm", "nop", "nop", "nop", "finish"]
    assert second.trace[0].wait == 0                       # popped the carried token at 0
    computed = uop_load(3) + I + P.gemm_pipeline_depth + 3                 # 25 + 12
    assert span(second, 1) == (uop_load(3), computed)
    assert second.cycles == computed + 2 * I == 43
    assert second.leftover_tokens == (0, 0, 0, 0)
