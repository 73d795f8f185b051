"""The tuning loop shared by every tuner (TVM's `autotvm.tuner.Tuner`).

`tune(n_trial, measure_option, early_stopping, callbacks)` asks the tuner for a batch of
configs (`next_batch`, as many as the runner measures at once), measures them, tells the
tuner (`update`) and the callbacks (logging, progress), and keeps the best: the fastest
valid config, by FLOPS = task.flop / mean cost. Tuners differ only in how they choose.
"""
from __future__ import annotations

import logging

import numpy as np

from ..env import GLOBAL_SCOPE
from ..measure import MeasureInput, create_measure_batch

logger = logging.getLogger("autotvm")


class TunerError(ValueError):
    """A tuner given settings it cannot work with."""


class Tuner:
    """Base of the tuners: subclasses implement `next_batch`, `has_next`, maybe `update`.
    `seed` (minitvm's addition) makes a tuner's choices repeatable without touching numpy's
    global random state; without it the tuner draws from numpy's global generator."""

    def __init__(self, task, seed=None, **kwargs):
        self.param = kwargs
        self.task = task
        self.space = task.config_space
        self.rng = np.random if seed is None else np.random.RandomState(seed)
        self.best_config = None
        self.best_flops = 0
        self.best_measure_pair = None
        self.best_iter = 0
        self.ttl = self.n_trial = self.early_stopping = None

    def has_next(self):
        raise NotImplementedError

    def next_batch(self, batch_size):
        raise NotImplementedError

    def update(self, inputs, results):
        """Learn from measured results (nothing for tuners without a model)."""

    def tune(self, n_trial, measure_option, early_stopping=None, callbacks=(), si_prefix="G"):
        """Measure up to `n_trial` configs; stop early after `early_stopping` trials without
        a better one. Each callback is called as `callback(tuner, inputs, results)`."""
        measure_batch = create_measure_batch(self.task, measure_option)
        self.n_trial, self.early_stopping = n_trial, early_stopping or 1e9
        GLOBAL_SCOPE.in_tuning = True
        try:
            self._loop(measure_batch, n_trial, callbacks)
        finally:
            GLOBAL_SCOPE.in_tuning = False
            measure_batch.close()

    def _loop(self, measure_batch, n_trial, callbacks):
        i = 0
        while i < n_trial and self.has_next():
            configs = self.next_batch(min(measure_batch.n_parallel, n_trial - i))
            inputs = [MeasureInput(self.task.target, self.task, c) for c in configs]
            results = measure_batch(inputs)
            for k, (inp, res) in enumerate(zip(inputs, results)):
                flops = self.task.flop / np.mean(res.costs) if res.error_no == 0 else 0
                if flops > self.best_flops:
                    self.best_flops, self.best_config = flops, inp.config
                    self.best_measure_pair, self.best_iter = (inp, res), i + k
                logger.debug("No: %d\tFLOPS: %.2f\tresult: %s\t%s", i + k + 1, flops, res,
                             inp.config)
            i += len(results)
            self.ttl = min(self.early_stopping + self.best_iter, n_trial) - i
            self.update(inputs, results)
            for callback in callbacks:
                callback(self, inputs, results)
            if i >= self.best_iter + self.early_stopping:
                logger.debug("Early stopped. Best iter: %d.", self.best_iter)
                break

    def reset(self):
        self.best_config, self.best_flops, self.best_measure_pair = None, 0, None

    def load_history(self, data_set, min_seed_records=500):
        """Tuners without a model learn nothing from history."""
