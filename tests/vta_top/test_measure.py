"""vta.top's measurement (vta_backend/top/measure.py) leaves the caller's timing model as it
found it (mode, TimingParams overrides, last report), measures under the default model
whatever the caller set, and gives every measurement its own TimingReport."""
import pytest

import minitvm as tvm
from minitvm import autotvm
from minitvm.autotvm.measure import MeasureInput, build_candidate, make_arrays, reference
from minitvm.autotvm.task import FallbackConfigEntity
import vta_backend as vta
from vta_backend import runtime as vta_runtime
from vta_backend.environment import VTAError
from vta_backend.testing import simulator
from vta_backend.top.workloads import Conv2DWorkload, conv2d_args

env = vta.get_env()
LAYER = Conv2DWorkload(1, 14, 14, 32, 32, 1, 1, 0, 0, 1, 1)
SLOW_DRAM = {"dram_latency": 400}          # default 32: every load and store takes longer


@pytest.fixture(scope="module")
def task():
    return autotvm.task.create("conv2d_packed.vta", args=conv2d_args(LAYER), target=env.target)


@pytest.fixture(autouse=True)
def model_off():
    simulator.timing_mode(False)
    yield
    simulator.timing_mode(False)


def config(task, knobs):
    return task.config_space.get(task.config_space.knob2point(knobs))


def callers_run(task):
    """A run of the caller's own under its own timing model: (function, arrays, report)."""
    _, func, args = build_candidate(MeasureInput(task.target, task, FallbackConfigEntity()))
    arrays = make_arrays(reference(task, args)[0], args, tvm.ext_dev(0))
    func(*arrays)
    return func, arrays, simulator.timing()


def test_a_measurement_keeps_the_callers_mode_parameters_and_report(task):
    simulator.timing_mode(True, SLOW_DRAM)
    func, arrays, mine = callers_run(task)
    measured = vta.top.evaluate(task, FallbackConfigEntity())
    assert simulator.timing() is mine                  # the caller's last report
    func(*arrays)                                      # still timed, still with slow DRAM
    assert simulator.timing().cycles == mine.cycles
    # the measurement used the default parameters, not the caller's
    assert measured.report.cycles < mine.cycles
    simulator.timing_mode(True)
    func(*arrays)
    assert simulator.timing().cycles == measured.report.cycles


def test_a_measurement_leaves_the_model_off_when_it_was_off(task):
    vta.top.evaluate(task, FallbackConfigEntity())
    with pytest.raises(VTAError, match="the model is off"):
        simulator.timing()


def test_each_measurement_has_its_own_report(task):
    # tiles of 7 x 14 outputs against the fallback's 1 x 1: different cycle counts
    assert task.config_space.space_map["tile_h"][2].size == [-1, 7]
    tiled = [0, 2, 3, 0, 0, 0, 0]
    first = vta.top.evaluate(task, config(task, tiled))
    cycles = first.report.cycles
    other = vta.top.evaluate(task, FallbackConfigEntity())
    assert other.report is not first.report and other.report.cycles != cycles
    assert first.report.cycles == cycles
    device = autotvm.measure.measure_methods.device_for(task.target)
    _, func, args = build_candidate(MeasureInput(task.target, task, config(task, tiled)))
    arrays = make_arrays(reference(task, args)[0], args, device.device())
    reports = device.timed_runs(func, arrays, 2)
    assert [r.cycles for r in reports] == [cycles, cycles]
    assert reports[0] is not reports[1]
    assert device.run(func, arrays, 1) == [reports[0].seconds]


def test_a_measurement_that_reads_no_output_times_the_same_run_without_computing_it(task):
    """Without check_correctness nobody reads the output, so the run skips the data path
    (DEBUG_SKIP_EXEC): same timing report, same statistics, output array untouched, and
    the caller's debug flag back afterwards."""
    device = autotvm.measure.measure_methods.device_for(task.target)
    for knobs in ([0, 2, 3, 0, 0, 0, 0], [0, 1, 1, 0, 0, 1, 0], None):
        cfg = FallbackConfigEntity() if knobs is None else config(task, knobs)
        runs = {}
        for output in (True, False):       # each the first run of a fresh runtime
            vta_runtime.shutdown()          # (a queue keeps micro-op kernels resident)
            _, func, args = build_candidate(MeasureInput(task.target, task, cfg))
            inputs, expected = reference(task, args)
            arrays = make_arrays(inputs, args, device.device())
            before = arrays[-1].numpy().copy()
            simulator.clear_stats()
            report, = device.timed_runs(func, arrays, 1, output=output)
            runs[output] = (report, simulator.stats(), arrays[-1].numpy())
            assert simulator.PROFILER.debug_flag == 0
        (full, full_stats, computed), (timed, timed_stats, untouched) = runs[True], runs[False]
        assert (timed.cycles, timed.gemm_uops) == (full.cycles, full.gemm_uops)
        assert timed.modules == full.modules and timed_stats == full_stats
        assert (computed == expected).all() and (untouched == before).all()


def test_a_measurement_reading_the_output_computes_it_whatever_the_debug_flag(task):
    device = autotvm.measure.measure_methods.device_for(task.target)
    vta_runtime.shutdown()
    _, func, args = build_candidate(MeasureInput(task.target, task, FallbackConfigEntity()))
    inputs, expected = reference(task, args)
    arrays = make_arrays(inputs, args, device.device())
    simulator.debug_mode(simulator.DEBUG_SKIP_EXEC)
    try:
        device.timed_runs(func, arrays, 1, output=True)
        assert simulator.PROFILER.debug_flag == simulator.DEBUG_SKIP_EXEC   # the caller's
    finally:
        simulator.debug_mode(0)
    assert (arrays[-1].numpy() == expected).all()


def test_the_runners_compare_no_output_unless_asked(task):
    assert autotvm.LocalRunner().check_correctness is False       # TVM's runners never do
    assert autotvm.measure.MeasureJob().check_correctness is False
