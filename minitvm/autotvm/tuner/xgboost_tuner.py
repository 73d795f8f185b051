"""XGBTuner (TVM's `autotvm.tuner.XGBTuner`): model-based tuning with an XGBoost cost
model (xgboost_cost_model.py, the optional `xgboost` extra) searched by simulated
annealing (sa_model_optimizer.py)."""
from __future__ import annotations

from .model_based_tuner import ModelBasedTuner
from .sa_model_optimizer import SimulatedAnnealingOptimizer
from .tuner import TunerError
from .xgboost_cost_model import XGBoostCostModel


class XGBTuner(ModelBasedTuner):
    """TVM's arguments: `plan_size` configs planned per model fit, `feature_type` (minitvm:
    "knob"; TVM's default "itervar" is not extracted, see xgboost_cost_model), `loss_type`
    "reg" or "rank", `num_threads` of xgboost, `optimizer` "sa" or a ModelOptimizer.
    `diversity_filter_ratio` is not supported. `seed` (minitvm's) makes the run repeatable."""

    def __init__(self, task, plan_size=64, feature_type="knob", loss_type="reg",
                 num_threads=None, optimizer="sa", diversity_filter_ratio=None,
                 log_interval=50, seed=None):
        if diversity_filter_ratio is not None:
            raise TunerError("XGBTuner: diversity_filter_ratio is not supported")
        super().__init__(task, None, None, plan_size, seed=seed)
        self.cost_model = XGBoostCostModel(task, feature_type=feature_type, loss_type=loss_type,
                                           num_threads=num_threads,
                                           log_interval=log_interval // 2,
                                           seed=0 if seed is None else seed)
        if optimizer == "sa":
            optimizer = SimulatedAnnealingOptimizer(task, log_interval=log_interval,
                                                    rng=self.rng)
        elif not hasattr(optimizer, "find_maximums"):
            raise TunerError(f"XGBTuner: optimizer {optimizer!r} is neither 'sa' nor a "
                             "ModelOptimizer")
        self.model_optimizer = optimizer
