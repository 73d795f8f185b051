"""Tuners (TVM's `autotvm.tuner`): grid search, random, genetic; XGBoost when installed."""
from . import callback
from .ga_tuner import GATuner
from .index_based_tuner import GridSearchTuner, IndexBaseTuner, RandomTuner
from .tuner import Tuner

__all__ = ["GATuner", "GridSearchTuner", "IndexBaseTuner", "RandomTuner", "Tuner", "callback"]
