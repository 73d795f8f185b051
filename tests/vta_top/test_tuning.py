"""Tuning a VTA layer with the timing model: in local processes and on a local Ray
instance (same seed, same best config); every measured candidate's output is checked
against the unscheduled program; the best config is at least as fast as the fallback."""
import pytest

from minitvm import autotvm
from minitvm.autotvm.measure import MeasureErrorNo
from minitvm.autotvm.task import FallbackConfigEntity
import vta_backend as vta
from vta_backend.top.workloads import Conv2DWorkload, conv2d_args

env = vta.get_env()
LAYER = Conv2DWorkload(1, 14, 14, 32, 32, 1, 1, 0, 0, 1, 1)


def tune(runner, trials=12, seed=7):
    task = autotvm.task.create("conv2d_packed.vta", args=conv2d_args(LAYER), target=env.target)
    tuner = autotvm.tuner.GATuner(task, pop_size=6, seed=seed)
    records = []
    tuner.tune(n_trial=trials, measure_option=autotvm.measure_option(runner=runner),
               callbacks=[lambda _, inputs, results: records.extend(zip(inputs, results))])
    return task, tuner, records


def test_tuning_in_local_processes_beats_the_fallback():
    task, tuner, records = tune(autotvm.LocalRunner(n_parallel=2, check_correctness=True))
    assert len(records) == 12
    assert {r.error_no for _, r in records} <= {MeasureErrorNo.NO_ERROR,
                                                  MeasureErrorNo.INSTANTIATION_ERROR,
                                                  MeasureErrorNo.COMPILE_HOST,
                                                  MeasureErrorNo.RUNTIME_DEVICE}
    valid = [r for _, r in records if r.error_no == 0]
    assert valid, "no valid candidate among 12"
    best = vta.top.evaluate(task, tuner.best_config)
    fallback = vta.top.evaluate(task, FallbackConfigEntity())
    assert best.correct and fallback.correct
    assert best.report.cycles <= fallback.report.cycles
    assert best.report.seconds == pytest.approx(min(r.costs[0] for r in valid))


def test_ray_gives_the_process_pool_best_config():
    ray = pytest.importorskip("ray")
    _, local, _ = tune(autotvm.LocalRunner(n_parallel=2, check_correctness=True))
    try:
        _, remote, records = tune(autotvm.RayRunner(n_parallel=2, check_correctness=True))
    finally:
        ray.shutdown()
    assert len(records) == 12
    assert remote.best_config == local.best_config
    assert remote.best_flops == pytest.approx(local.best_flops)
