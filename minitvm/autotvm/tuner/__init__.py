"""Tuners (TVM's `autotvm.tuner`): grid search, random order, genetic algorithm, and the
model-based XGBTuner (needs the optional xgboost package, imported when it is created)."""
from . import callback
from .ga_tuner import GATuner
from .index_based_tuner import GridSearchTuner, IndexBaseTuner, RandomTuner
from .model_based_tuner import CostModel, ModelBasedTuner, ModelOptimizer
from .sa_model_optimizer import SimulatedAnnealingOptimizer
from .tuner import Tuner, TunerError
from .xgboost_cost_model import XGBoostCostModel
from .xgboost_tuner import XGBTuner

__all__ = ["CostModel", "GATuner", "GridSearchTuner", "IndexBaseTuner", "ModelBasedTuner",
           "ModelOptimizer", "RandomTuner", "SimulatedAnnealingOptimizer", "Tuner",
           "TunerError", "XGBoostCostModel", "XGBTuner", "callback"]
