"""Tuners (TVM's `autotvm.tuner`): grid search, random order, genetic algorithm."""
from . import callback
from .ga_tuner import GATuner
from .index_based_tuner import GridSearchTuner, IndexBaseTuner, RandomTuner
from .tuner import Tuner, TunerError

__all__ = ["GATuner", "GridSearchTuner", "IndexBaseTuner", "RandomTuner", "Tuner",
           "TunerError", "callback"]
