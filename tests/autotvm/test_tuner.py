"""Tuners: which configs they visit (distinct, all of the space, repeatable with a seed),
the tuning loop with real measurements in local processes, callbacks and logs."""
import io

import pytest

from minitvm import autotvm
from minitvm.autotvm.measure import MeasureInput, MeasureResult
from minitvm.autotvm.task import ConfigIndexError
from minitvm.autotvm.tuner import GATuner, GridSearchTuner, RandomTuner
from minitvm.target import Target
from templates import matmul  # noqa: F401  (registers the template)


def make_task(n=16):
    return autotvm.task.create("test.matmul", args=(n, 8, 32, "float32"), target="llvm")


def drive(tuner, batch=4, limit=10_000):
    """Run the tuner's choose/update loop with a made-up cost, returning the indices."""
    seen = []
    while tuner.has_next() and len(seen) < limit:
        configs = tuner.next_batch(batch)
        seen += [c.index for c in configs]
        inputs = [MeasureInput(tuner.task.target, tuner.task, c) for c in configs]
        results = [MeasureResult((1.0 + (c.index * 7919) % 101,), 0, 0.0, 0.0) for c in configs]
        tuner.update(inputs, results)
    return seen


def test_grid_visits_every_config_in_order():
    task = make_task()
    assert drive(GridSearchTuner(task)) == list(range(len(task.config_space)))


def test_grid_range():
    assert drive(GridSearchTuner(make_task(), range_idx=(10, 19))) == list(range(10, 20))


def test_random_visits_every_config_once_repeatably():
    task = make_task()
    first = drive(RandomTuner(task, seed=3))
    assert sorted(first) == list(range(len(task.config_space)))
    assert drive(RandomTuner(task, seed=3)) == first
    assert drive(RandomTuner(task, seed=4)) != first


def test_ga_visits_distinct_configs_repeatably():
    task = make_task()
    first = drive(GATuner(task, pop_size=8, elite_num=2, seed=1), limit=120)
    assert len(first) == len(set(first)) >= 120
    assert drive(GATuner(task, pop_size=8, elite_num=2, seed=1), limit=120) == first


def test_ga_exhausts_a_small_space():
    task = make_task(n=2)     # tile_y 2, tile_x 21, unroll 2 -> 84 configs
    seen = drive(GATuner(task, pop_size=10, seed=0))
    assert sorted(seen) == list(range(84))


def test_tune_measures_in_processes_and_logs(tmp_path):
    task = make_task()
    log = tmp_path / "matmul.log"
    out = io.StringIO()
    tuner = GridSearchTuner(task, range_idx=(0, 3))
    tuner.tune(n_trial=4, measure_option=autotvm.measure_option(),
               callbacks=[autotvm.callback.log_to_file(str(log)),
                          autotvm.callback.progress_bar(4, prefix="[t]", stream=out)])
    records = list(autotvm.record.load_from_file(log))
    assert [inp.config.index for inp, _ in records] == [0, 1, 2, 3]
    assert all(res.error_no == 0 and res.costs[0] > 0 for _, res in records)
    assert tuner.best_config is not None and tuner.best_flops > 0
    assert "Progress: (4/4)" in out.getvalue() and out.getvalue().endswith("Done.\n")


def test_error_range_outside_space():
    with pytest.raises(ConfigIndexError, match="range_idx"):
        GridSearchTuner(make_task(), range_idx=(0, 10**6))


def test_error_progress_bar_prefix():
    with pytest.raises(ValueError, match="si_prefix 'X'"):
        autotvm.callback.progress_bar(3, si_prefix="X")


def test_error_more_elites_than_genes():
    with pytest.raises(autotvm.tuner.TunerError, match="elite_num 5 exceeds pop_size 4"):
        GATuner(make_task(), pop_size=4, elite_num=5)


def test_error_ray_runner_without_ray(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "ray", None)          # as if Ray were not installed
    with pytest.raises(autotvm.measure.MeasureOptionError, match="RayRunner needs Ray"):
        autotvm.RayRunner().executor()


def test_error_measure_option_types():
    with pytest.raises(autotvm.measure.MeasureOptionError, match="builder must be"):
        autotvm.measure_option(builder="rpc")


def test_unknown_device_is_an_instantiation_error():
    task = make_task()
    inp = MeasureInput(Target("llvm -keys=nowhere"), task, task.config_space.get(0))
    result = autotvm.measure.MeasureJob()(inp)
    assert result.error_no == autotvm.MeasureErrorNo.INSTANTIATION_ERROR
    assert "keys ['nowhere'] name no registered device" in result.costs[0]
