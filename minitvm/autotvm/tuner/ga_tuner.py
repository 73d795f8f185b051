"""A genetic-algorithm tuner (TVM's `GATuner`): configs are genes (one entity index per
knob); each generation keeps the elite, breeds the rest from parents drawn in proportion to
their FLOPS (one-point crossover), and mutates each knob with `mutation_prob`."""
from __future__ import annotations

import numpy as np

from .tuner import Tuner, TunerError


class GATuner(Tuner):
    """Genetic search: `pop_size` genes a generation, `elite_num` kept unchanged."""

    def __init__(self, task, pop_size=100, elite_num=3, mutation_prob=0.1, seed=None):
        super().__init__(task, seed=seed)
        if elite_num > pop_size:
            raise TunerError(f"GATuner: elite_num {elite_num} exceeds pop_size "
                                      f"{pop_size}")
        self.pop_size = min(pop_size, len(self.space))
        self.elite_num = min(self.pop_size, elite_num)
        self.mutation_prob = mutation_prob
        first = self.space.sample_ints(self.pop_size, self.rng)
        self.visited = set(int(i) for i in first)
        self.genes = [self.space.point2knob(int(i)) for i in first]
        self.scores, self.elites, self.elite_scores = [], [], []
        self.trial_pt = 0

    def next_batch(self, batch_size):
        batch = []
        while len(batch) < batch_size and self.trial_pt < len(self.genes):
            batch.append(self.space.get(self.space.knob2point(self.genes[self.trial_pt])))
            self.trial_pt += 1
        return batch

    def has_next(self):
        return self.trial_pt < len(self.genes)

    def update(self, inputs, results):
        for inp, res in zip(inputs, results):
            self.scores.append(inp.task.flop / np.mean(res.costs) if res.error_no == 0 else 0.0)
        if len(self.scores) < len(self.genes):
            return
        unvisited = len(self.space) - len(self.visited)
        self.genes = self._remaining() if unvisited <= self.pop_size else self._breed()
        self.trial_pt, self.scores = 0, []

    def _remaining(self):
        genes = [self.space.point2knob(i) for i in range(len(self.space))
                 if i not in self.visited]
        self.visited.update(self.space.knob2point(g) for g in genes)
        return genes

    def _breed(self):
        genes = self.genes + self.elites
        scores = np.array(self.scores[:len(self.genes)] + self.elite_scores)
        elite = np.argsort(-scores, kind="stable")[:self.elite_num]
        self.elites = [genes[k] for k in elite]
        self.elite_scores = [scores[k] for k in elite]
        probs = scores + 1e-8
        probs /= probs.sum()
        children, misses = [], 0
        # Unvisited children only, so every generation measures new configs; when breeding
        # keeps finding visited ones, a random unvisited config joins instead.
        while len(children) < self.pop_size:
            if misses > 20 * self.pop_size:
                point = int(self.rng.randint(len(self.space)))
                if point not in self.visited:
                    self.visited.add(point)
                    children.append(self.space.point2knob(point))
                continue
            p1, p2 = self.rng.choice(len(genes), size=2, replace=False, p=probs)
            cut = self.rng.randint(len(self.space.dims))
            child = genes[p1][:cut] + genes[p2][cut:]
            for k, dim in enumerate(self.space.dims):
                if self.rng.random_sample() < self.mutation_prob:
                    child[k] = int(self.rng.randint(dim))
            point = self.space.knob2point(child)
            if point in self.visited:
                misses += 1
                continue
            self.visited.add(point)
            children.append(child)
        return children
