"""Simulated annealing over a config space, guided by a cost model (TVM's
`SimulatedAnnealingOptimizer`): XGBTuner's model optimizer.

`parallel_size` walkers start at random configs (or where the last search left them, when
`persistent`); each step moves every walker to a neighbour (one knob changed,
`ConfigSpace.random_walk`) and keeps the move with probability
exp(min((new - old) / temperature, 1)); the temperature falls linearly from `temp[0]` to
`temp[1]` over `n_iter` steps. The best `num` configs seen that are not excluded are
returned; the search stops early after `early_stop` steps without a new one among them.
"""
from __future__ import annotations

import heapq

import numpy as np

from .model_based_tuner import ModelOptimizer


class SimulatedAnnealingOptimizer(ModelOptimizer):
    """See the module docstring; `rng` is the tuner's random generator; `log_interval` is
    accepted for TVM's signature (the search logs nothing)."""

    def __init__(self, task, n_iter=500, temp=(1, 0), persistent=True, parallel_size=128,
                 early_stop=50, log_interval=50, rng=np.random):
        self.space = task.config_space
        self.n_iter, self.temp, self.persistent = n_iter, temp, persistent
        self.parallel_size = min(parallel_size, len(self.space))
        self.early_stop = early_stop or 1e9
        self.rng = rng
        self.points = None

    def find_maximums(self, model, num, exclusive):
        points = self.points if self.points is not None else \
            self.space.sample_ints(self.parallel_size, self.rng)
        scores = model.predict(points)
        best = [(-np.inf, -1 - k) for k in range(num)]     # a min-heap of (score, index)
        in_best = set()
        self._offer(best, in_best, scores, points, exclusive)
        temp, cool = self.temp[0], (self.temp[0] - self.temp[1]) / (self.n_iter + 1)
        k = last_change = 0
        while k < self.n_iter and k < last_change + self.early_stop:
            moved = np.array([self.space.random_walk(int(p), self.rng) for p in points])
            moved_scores = model.predict(moved)
            accept = np.exp(np.minimum((moved_scores - scores) / (temp + 1e-5), 1))
            take = self.rng.random_sample(len(accept)) < accept
            points, scores = np.where(take, moved, points), np.where(take, moved_scores, scores)
            if self._offer(best, in_best, moved_scores, moved, exclusive):
                last_change = k
            k, temp = k + 1, temp - cool
        if self.persistent:
            self.points = points
        return [index for _, index in sorted(best, reverse=True) if index >= 0]

    @staticmethod
    def _offer(best, in_best, scores, points, exclusive):
        """Put the points that beat the heap's worst into it; whether any did."""
        changed = False
        for score, point in zip(scores, points):
            point = int(point)
            if score > best[0][0] and point not in in_best and point not in exclusive:
                _, dropped = heapq.heapreplace(best, (score, point))
                in_best.discard(dropped)
                in_best.add(point)
                changed = True
        return changed
