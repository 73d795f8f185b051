"""Tuners guided by a cost model (TVM's `ModelBasedTuner`, `CostModel`,
`ModelOptimizer`): the base of XGBTuner.

The tuner measures the configs of its plan (at first random ones); after every
`plan_size` new measurements it fits the cost model on everything measured so far
(config index -> FLOPS) and asks the model optimizer for the `plan_size` unvisited configs
the model rates best, which become the next plan. The last 5% of each plan are random
configs instead (epsilon-greedy), so a wrong model cannot trap the search.
"""
from __future__ import annotations

import numpy as np

from .tuner import Tuner


class CostModel:
    """Predicts a score (higher is faster) of config indices after `fit` on measured ones."""

    def fit(self, xs, ys, plan_size):
        raise NotImplementedError

    def predict(self, xs, output_margin=False):
        raise NotImplementedError


class ModelOptimizer:
    """Finds the configs a cost model rates best."""

    def find_maximums(self, model, num, exclusive):
        """The `num` best indices by `model`, none of them in `exclusive`, best first."""
        raise NotImplementedError


class ModelBasedTuner(Tuner):
    """Plan `plan_size` configs at a time with `cost_model` and `model_optimizer` (see the
    module docstring)."""

    def __init__(self, task, cost_model, model_optimizer, plan_size, seed=None):
        super().__init__(task, seed=seed)
        self.cost_model, self.model_optimizer = cost_model, model_optimizer
        self.plan_size = plan_size
        self.trials, self.trial_pt = [], 0
        self.visited = set()
        self.xs, self.ys = [], []
        self.flops_max, self.train_ct = 0.0, 0

    def next_batch(self, batch_size):
        batch = []
        while len(batch) < batch_size and self.has_next():
            while self.trial_pt < len(self.trials) and self.trials[self.trial_pt] in self.visited:
                self.trial_pt += 1
            if self.trial_pt >= len(self.trials) - int(0.05 * self.plan_size):
                index = self._random_unvisited()
            else:
                index = self.trials[self.trial_pt]
            self.visited.add(index)
            batch.append(self.space.get(index))
        return batch

    def _random_unvisited(self):
        while True:
            index = int(self.rng.randint(len(self.space)))
            if index not in self.visited:
                return index

    def has_next(self):
        return len(self.visited) < len(self.space)

    def update(self, inputs, results):
        for inp, res in zip(inputs, results):
            flops = inp.task.flop / np.mean(res.costs) if res.error_no == 0 else 0.0
            self.flops_max = max(self.flops_max, flops)
            self.xs.append(inp.config.index)
            self.ys.append(flops)
        if len(self.xs) >= self.plan_size * (self.train_ct + 1) and self.flops_max > 1e-6:
            self.cost_model.fit(self.xs, self.ys, self.plan_size)
            self.trials = self.model_optimizer.find_maximums(self.cost_model, self.plan_size,
                                                             self.visited)
            self.trial_pt = 0
            self.train_ct += 1
