"""XGBTuner (TVM's model-based tuner with an XGBoost cost model, simulated annealing over
the space): repeatable with a seed; on a made-up cost it learns, better than random order
with the same budget; on a VTA layer under the timing model its records round-trip; and
the errors for what minitvm does not support or when xgboost is missing."""
import math
import sys

import numpy as np
import pytest

from minitvm import autotvm
from minitvm.autotvm.measure import MeasureInput, MeasureResult
from minitvm.autotvm.tuner import (RandomTuner, SimulatedAnnealingOptimizer, TunerError,
                                   XGBTuner)
from templates import matmul  # noqa: F401  (registers the template)

pytest.importorskip("xgboost", reason="XGBTuner needs the 'xgboost' extra "
                                      "(pip install 'minitvm[xgboost]')")


def make_task():
    # tile_y: 7 divisors of 64; tile_x: 21 power-of-two pairs of 32; unroll 2 -> 294 configs
    return autotvm.task.create("test.matmul", args=(64, 8, 32, "float32"), target="llvm")


def made_up_cost(config):
    """Seconds of a made-up device, smooth in the knobs, fastest at tile_y 8, tile_x
    [-1, 4, 2], unroll on."""
    y, (_, xm, xi) = config["tile_y"].size[-1], config["tile_x"].size
    return 1.0 + (math.log2(y) - 3) ** 2 + (math.log2(xm) - 2) ** 2 + \
        (math.log2(xi) - 1) ** 2 + (1 - config["unroll"].val)


def drive(tuner, trials, batch=4, visited=None):
    """The tuning loop on the made-up cost; returns the configs' costs in visiting order
    (and appends their indices to `visited`)."""
    costs = []
    while tuner.has_next() and len(costs) < trials:
        configs = tuner.next_batch(batch)
        inputs = [MeasureInput(tuner.task.target, tuner.task, c) for c in configs]
        results = [MeasureResult((made_up_cost(c),), 0, 0.0, 0.0) for c in configs]
        costs += [r.costs[0] for r in results]
        if visited is not None:
            visited += [c.index for c in configs]
        tuner.update(inputs, results)
    return costs


def xgb_tuner(task, seed, **kwargs):
    optimizer = SimulatedAnnealingOptimizer(task, n_iter=100, parallel_size=32,
                                            rng=np.random.RandomState(seed))
    return XGBTuner(task, plan_size=8, optimizer=optimizer, num_threads=1, seed=seed, **kwargs)


def test_repeatable_with_a_seed_and_distinct():
    task = make_task()
    first, again = [], []
    drive(xgb_tuner(task, seed=3), 40, visited=first)
    drive(xgb_tuner(task, seed=3), 40, visited=again)
    assert first == again and len(set(first)) == len(first) == 40


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("loss_type", ["reg", "rank"])
def test_learns_the_made_up_cost_better_than_random_order(seed, loss_type):
    # 40 of 294 configs: after the first plan of 8 random ones, the model's picks
    task = make_task()
    learned = drive(xgb_tuner(task, seed, loss_type=loss_type), 40)
    random = drive(RandomTuner(task, seed=seed), 40)
    assert min(learned) <= min(random)
    assert np.mean(learned[16:]) < np.mean(random[16:])


def test_tunes_a_vta_layer_and_its_records_round_trip(tmp_path):
    # the timing model measures; the log's records load back as the same configs and
    # costs, and apply_history_best picks the tuner's best
    vta = pytest.importorskip("vta_backend")
    from vta_backend.top.workloads import Conv2DWorkload, conv2d_args
    env = vta.get_env()
    task = autotvm.task.create("conv2d_packed.vta",
                               args=conv2d_args(Conv2DWorkload(1, 14, 14, 32, 32, 1, 1, 0, 0,
                                                               1, 1)), target=env.target)
    log, seen = tmp_path / "xgb.log", []
    tuner = xgb_tuner(task, seed=0)
    tuner.tune(n_trial=16, measure_option=autotvm.measure_option(
                   runner=autotvm.LocalRunner(n_parallel=2)),
               callbacks=[autotvm.callback.log_to_file(str(log)),
                          lambda _, inputs, results: seen.extend(zip(inputs, results))])
    records = list(autotvm.record.load_from_file(log))
    assert [(i.config, r.error_no) for i, r in records] == [(i.config, r.error_no)
                                                             for i, r in seen]
    # a failed measurement is logged with TVM's cost of 1e9 seconds
    assert [r.costs if r.error_no == 0 else (1e9,) for _, r in seen] == \
        [r.costs for _, r in records]
    assert tuner.best_flops > 0 and tuner.train_ct >= 1
    with autotvm.apply_history_best(str(log)) as best:
        assert best.query(env.target, task.workload) == tuner.best_config


# ---- errors ----
def test_error_feature_type_not_extracted():
    with pytest.raises(TunerError, match="feature_type 'itervar' is not supported"):
        XGBTuner(make_task(), feature_type="itervar")


def test_error_loss_type():
    with pytest.raises(TunerError, match="loss_type 'l1' is not one of reg, rank"):
        XGBTuner(make_task(), loss_type="l1")


def test_error_diversity_filter_ratio():
    with pytest.raises(TunerError, match="diversity_filter_ratio is not supported"):
        XGBTuner(make_task(), diversity_filter_ratio=0.5)


def test_error_optimizer_neither_sa_nor_a_model_optimizer():
    with pytest.raises(TunerError, match="optimizer 'reg' is neither 'sa' nor a "
                                         "ModelOptimizer"):
        XGBTuner(make_task(), optimizer="reg")


def test_error_without_xgboost(monkeypatch):
    monkeypatch.setitem(sys.modules, "xgboost", None)       # as if it were not installed
    with pytest.raises(ImportError, match=r"install minitvm's 'xgboost' extra"):
        XGBTuner(make_task())
