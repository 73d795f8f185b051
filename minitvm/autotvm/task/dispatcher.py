"""Which config a template gets (TVM's `autotvm.task.dispatcher`).

A template asks `DispatchContext.current.query(target, workload)` for its config. Contexts
nest as `with` blocks; a context that knows nothing for the query passes it to the context
it was entered inside, down to the root `FallbackContext`, which hands out (and remembers)
a `FallbackConfigEntity` with a warning. `ApplyConfig` answers every query with one config
(used while a task is created or a candidate is built); `ApplyHistoryBest` answers with the
best record of a tuning log for the target and workload.
"""
from __future__ import annotations

import logging
import os
from io import TextIOBase

import numpy as np

from .space import FallbackConfigEntity

logger = logging.getLogger("autotvm")


class DispatchContext:
    """Base of the dispatch contexts; `DispatchContext.current` is the innermost one."""

    current = None
    warning_messages = set()

    def __init__(self):
        self._old_ctx = DispatchContext.current

    def query(self, target, workload):
        """The config for `workload` on `target`, from this context or an enclosing one."""
        cfg = self._query_inside(target, workload)
        return cfg if cfg is not None else self._old_ctx.query(target, workload)

    def _query_inside(self, target, workload):
        raise NotImplementedError

    def update(self, target, workload, cfg):
        raise NotImplementedError

    def __enter__(self):
        self._old_ctx = DispatchContext.current
        DispatchContext.current = self
        return self

    def __exit__(self, *exc):
        DispatchContext.current = self._old_ctx


class ApplyConfig(DispatchContext):
    """Answer every query with `config` (and remember the workload asked for)."""

    def __init__(self, config):
        super().__init__()
        self._config = config
        self.workload = None

    def _query_inside(self, target, workload):
        self.workload = workload
        return self._config

    def update(self, target, workload, cfg):
        self.workload, self._config = workload, cfg


def _records(records):
    """(MeasureInput, MeasureResult) pairs from paths, open files, or lists of pairs."""
    from ..record import load_from_buffer, load_from_file
    if isinstance(records, (str, bytes, os.PathLike)):
        return list(load_from_file(records))
    if isinstance(records, TextIOBase):
        return list(load_from_buffer(records))
    pairs = []
    for item in records:
        is_pair = isinstance(item, tuple) and len(item) == 2 and hasattr(item[0], "config")
        pairs.extend([item] if is_pair else _records(item))
    return pairs


class ApplyHistoryBest(DispatchContext):
    """Answer with the fastest valid record of the loaded logs for (target, workload):
    first by the target's model, then by each of its keys."""

    def __init__(self, records):
        super().__init__()
        self.best_by_model = {}
        self.best_by_targetkey = {}
        self._best_user_defined = {}
        if records:
            self.load(records)

    def load(self, records):
        """Add records: a log path, an open log, or (MeasureInput, MeasureResult) pairs."""
        for inp, res in _records(records):
            if res.error_no != 0:
                continue
            keys = [(k, inp.task.workload) for k in inp.target.keys]
            for key in keys:
                _keep_faster(self.best_by_targetkey, key, inp, res)
            if inp.target.model != "unknown":
                _keep_faster(self.best_by_model, (inp.target.model, inp.task.workload), inp,
                             res)

    def _query_inside(self, target, workload):
        if target is None:
            raise RuntimeError("ApplyHistoryBest needs a target to look up a config: query "
                               "inside `with tvm.target.Target(...):` (or env.target)")
        lookups = [(target.model, workload)] + [(k, workload) for k in target.keys]
        for key in lookups:
            if key in self._best_user_defined:
                return self._best_user_defined[key]
            for table in (self.best_by_model, self.best_by_targetkey):
                if key in table:
                    return table[key][0].config
        return None

    def update(self, target, workload, cfg):
        cfg.cost = 0
        for key in [(target.model, workload)] + [(k, workload) for k in target.keys]:
            self._best_user_defined[key] = cfg


def _keep_faster(table, key, inp, res):
    if key not in table or np.mean(table[key][1].costs) > np.mean(res.costs):
        table[key] = (inp, res)


def apply_history_best(log):
    """`ApplyHistoryBest(log)`: use the best configs of a tuning log in a `with` block."""
    return ApplyHistoryBest(log)


class FallbackContext(DispatchContext):
    """The root context: a remembered `FallbackConfigEntity` per (target, workload), with a
    warning the first time (unless `autotvm.GLOBAL_SCOPE.silent`)."""

    def __init__(self):
        super().__init__()
        self.memory = {}

    def _query_inside(self, target, workload):
        key = (str(target), workload)
        if key not in self.memory:
            from ..env import GLOBAL_SCOPE
            msg = (f"Cannot find config for target={target}, workload={workload}. A fallback "
                   "configuration is used, which may bring great performance regression.")
            if not GLOBAL_SCOPE.silent and msg not in DispatchContext.warning_messages:
                DispatchContext.warning_messages.add(msg)
                logger.warning(msg)
            self.memory[key] = FallbackConfigEntity()
        return self.memory[key]

    def clear_cache(self, target, workload):
        self.memory.pop((str(target), workload), None)

    def update(self, target, workload, cfg):
        self.memory[(str(target), workload)] = cfg


DispatchContext.current = FallbackContext()
