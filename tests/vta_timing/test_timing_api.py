"""The timing model's switch, parameters, errors and report, as a user meets them."""
import re

import pytest

from vta_backend import isa
from vta_backend.environment import VTAError
from vta_backend.isa import MEM_INP
from vta_backend.simulator import DeadlockFault
from vta_backend.simulator.timing import TimingParamError, TimingParams, estimate
from vta_backend.simulator.timing_replay import TimingDeadlock
from vta_backend.testing import simulator

from timing_helpers import ENV, P, UopKernelMap, dram, gemm, new_queue, run_timed

FINISH = [isa.OPCODE_FINISH] + [0] * 15


def one_load(cmd):
    cmd.load_buffer_2d(dram(cmd, 16), 0, 1, 1, 1, 0, 0, 0, 0, 0, MEM_INP)


def test_defaults_model_the_pynq_design():
    p = TimingParams()
    assert (p.clock_mhz, p.load_bytes_per_cycle, p.store_bytes_per_cycle) == (100, 8, 8)
    assert (p.gemm_cycles_per_uop, p.alu_cycles_per_uop, p.token_queue_depth) == (1, 1, 8)


def test_overrides_by_mapping():
    assert TimingParams.of({"dram_latency": 64}) == TimingParams(dram_latency=64)
    assert TimingParams.of(None) == TimingParams()
    cmd = new_queue()
    one_load(cmd)
    simulator.timing_mode(True, {"dram_latency": 100})
    cmd.synchronize()
    assert simulator.timing().trace[0].end == 2 + 100 + 2     # issue + latency + 16 B / 8


@pytest.mark.parametrize("params, message", [
    ({"dram_lat": 3}, "'dram_lat'; the parameters are: clock_mhz, issue_cycles, "),
    ({"dram_latency": -1}, "'dram_latency' must be a non-negative integer, not -1"),
    ({"load_bytes_per_cycle": 0}, "'load_bytes_per_cycle' must be a positive integer, not 0"),
    ({"token_queue_depth": 2.5}, "'token_queue_depth' must be a positive integer, not 2.5"),
    ({"issue_cycles": True}, "'issue_cycles' must be a non-negative integer, not True"),
    ({"clock_mhz": 0}, "'clock_mhz' must be a positive number of MHz, not 0"),
    ([("dram_latency", 3)], "must be a TimingParams or a mapping of overrides, not list"),
])
def test_bad_parameters_are_refused_by_name(params, message):
    with pytest.raises(TimingParamError, match="^(unknown )?timing parameter.* " + re.escape(message)):
        simulator.timing_mode(True, params)


def test_timing_before_a_timed_run_says_what_to_do():
    with pytest.raises(VTAError, match=r"the model is off: call simulator.timing_mode\(True\)"):
        simulator.timing()
    simulator.timing_mode(True)
    with pytest.raises(VTAError, match="no run has finished since"):
        simulator.timing()


def test_switching_off_stops_timing():
    cmd = new_queue()
    one_load(cmd)
    run_timed(cmd)
    simulator.timing_mode(False)
    one_load(cmd)
    cmd.synchronize()
    with pytest.raises(VTAError, match="the model is off"):
        simulator.timing()


def test_estimate_without_running_equals_the_timed_run():
    cmd = new_queue()
    one_load(cmd)
    cmd.dep_push(1, 2)
    cmd.dep_pop(1, 2)
    gemm(cmd, UopKernelMap(), 3, 2, 4)
    report = run_timed(cmd)
    again = estimate(cmd.last_records, ENV, P)
    assert again.cycles == report.cycles
    assert list(again.trace) == list(report.trace)


def test_a_pop_nobody_pushes_is_a_deadlock_not_a_hang():
    cmd = new_queue()
    cmd.dep_pop(1, 2)
    gemm(cmd, UopKernelMap(), 1, 1, 1)
    records = cmd.records + [FINISH]
    with pytest.raises(TimingDeadlock) as info:
        estimate(records, ENV, P)
    assert str(info.value) == (
        "instruction 0 (LOAD UOP sram=0x0000 dram=0x{:08x} y=1 x=1 stride=1 [pop_prev]): "
        "timing model deadlock (the hardware would hang): the compute module waits from cycle "
        "0 to pop a token on l2g (load->compute) that no instruction still to run can push; the "
        "load and store modules have finished".format(records[0][isa.DRAM_BASE]))
    assert info.value.stuck == [("compute", 0, info.value.stuck[0][2])]
    assert isinstance(info.value, DeadlockFault)


def test_a_functional_deadlock_is_reported_by_the_simulator_first():
    cmd = new_queue()
    simulator.timing_mode(True)
    cmd.dep_pop(3, 2)
    gemm(cmd, UopKernelMap(), 1, 1, 1)
    with pytest.raises(DeadlockFault) as info:
        cmd.synchronize()
    assert not isinstance(info.value, TimingDeadlock)
    with pytest.raises(VTAError, match="no run has finished"):
        simulator.timing()


def test_an_empty_stream():
    report = estimate([], ENV)
    assert report.cycles == 0 and len(report.trace) == 0
    assert report.gemm_utilisation == 0 and report.gops == 0


def test_report_text_and_trace():
    cmd = new_queue()
    one_load(cmd)
    report = run_timed(cmd)
    lines = report.summary().splitlines()
    assert lines[0] == (f"VTA timing model: {report.cycles} cycles = "
                        f"{report.cycles / 50e3:.3f} ms at 50 MHz (5 instructions)")
    assert lines[2].split() == ["load", "2", "28", "0", "0", "6", "82.4%"]
    assert lines[-1] == "  GEMM: 0 micro-ops, 0.0% of peak (0.0 of 25.6 GOPS)"
    entry = report.trace[0]
    assert (entry.index, entry.module, entry.kind, entry.start, entry.end) == (
        0, "load", "load inp", 0, 25)
    assert entry.text.startswith("LOAD INP sram=0x0000")
    assert report.trace[-1].kind == "finish"
    table = report.trace.format(0, 2).splitlines()
    assert len(table) == 3 and table[1].split()[:4] == ["0", "load", "0", "25"]
    with pytest.raises(IndexError, match="the trace has 5 instructions, not 6"):
        report.trace[5]
    data = report.as_dict()
    assert data["cycles"] == report.cycles and data["modules"]["load"]["busy"] == 28
    assert repr(report) == f"<TimingReport {report.cycles} cycles, GEMM utilisation 0.0%>"
