"""The reference convolution (hand-issued through the runtime, conv_streams.py) under the
timing model: the same statistics and results with the model on or off, two virtual threads
faster than one, and a report whose figures add up."""
import numpy as np
import pytest

from vta_backend.simulator import DeviceMemory
from vta_backend.testing import simulator

from conv_streams import BENCH, conv_program


def run_conv(threads, timed):
    """(statistics, output, timing report or None) of one convolution run."""
    data, kernel, bufs, cmd = BENCH.conv_setup(DeviceMemory())
    simulator.clear_stats()
    simulator.timing_mode(timed)
    conv_program(cmd, BENCH.ConvSites(), *bufs, threads)
    out = bufs[2].read(0, data.nbytes).view(np.int8).reshape(data.shape)
    assert np.array_equal(out, BENCH.conv_reference(data, kernel))
    return simulator.stats(), out, simulator.timing() if timed else None


@pytest.fixture(scope="module")
def reports():
    return {threads: run_conv(threads, True)[2] for threads in (1, 2)}


@pytest.mark.parametrize("threads", [1, 2])
def test_statistics_and_results_are_the_same_with_the_model_on(threads):
    stats_off, out_off, _ = run_conv(threads, False)
    stats_on, out_on, report = run_conv(threads, True)
    assert stats_on == stats_off
    assert np.array_equal(out_on, out_off)
    assert report.gemm_uops == stats_on["gemm_counter"] == 451584


def test_two_virtual_threads_hide_load_latency(reports):
    one, two = reports[1], reports[2]
    assert two.cycles < one.cycles
    assert two.gemm_utilisation > one.gemm_utilisation
    # The loads themselves cost the same; with one thread the compute module waits for them.
    assert two.modules["load"].busy == one.modules["load"].busy
    assert two.modules["compute"].token_wait < one.modules["compute"].token_wait


@pytest.mark.parametrize("threads", [1, 2])
def test_figures_add_up(reports, threads):
    report = reports[threads]
    trace = report.trace
    for m, figures in enumerate(report.modules.values()):
        assert figures.busy + figures.token_wait + figures.queue_full + figures.idle == \
            report.cycles
        mine = trace.module == m
        starts, ends = trace.start[mine], trace.end[mine]
        # in order, one at a time: each starts after the previous ended, waited and pushed
        assert np.array_equal(starts[1:] - trace.wait[mine][1:],
                              ends[:-1] + trace.stall[mine][:-1])
        assert figures.instructions == mine.sum()
    assert report.cycles == int((trace.end + trace.stall).max())
    assert report.gemm_utilisation == pytest.approx(451584 / report.cycles)
