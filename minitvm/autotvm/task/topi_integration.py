"""Tunable TOPI operators (TVM's `register_topi_compute` / `register_topi_schedule`).

`@register_topi_compute(name)` wraps a compute function `f(cfg, *args)` so callers write
`f(*args)`: the wrapper asks the dispatch context for the config of the workload
`(name, *args)` under the current target, calls `f` with it and records the workload in
the output op's `attrs["workload"]`. `@register_topi_schedule(name)` wraps `g(cfg, outs)`
likewise, finding the workload in the ops behind `outs`. Both register with the task table,
so `autotvm.task.create(name, args, target)` tunes the pair.
"""
from __future__ import annotations

import functools

from ...target import Target
from ...te.tensor import Tensor
from .dispatcher import DispatchContext
from .task import TaskError, _register, args_to_workload, query_config


def register_topi_compute(task_name, func=None):
    """Decorate `f(cfg, *args)` as the tunable compute of task `task_name`."""
    def decorate(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            out = f(query_config(task_name, args, kwargs), *args)
            out.op.attrs["workload"] = args_to_workload(args, task_name)
            return out
        _register(task_name, "fcompute")(wrapper)
        return wrapper
    return decorate(func) if func else decorate


def register_topi_schedule(task_name, func=None):
    """Decorate `g(cfg, outs)` as the tunable schedule of task `task_name`."""
    def decorate(f):
        @functools.wraps(f)
        def wrapper(outs, *args, **kwargs):
            workload = get_workload(outs, task_name)
            if workload is None:
                raise TaskError(f"{f.__name__}: no operator of task {task_name!r} behind "
                                f"{outs!r}; declare it with the matching compute function")
            cfg = DispatchContext.current.query(Target.current(), workload)
            return f(cfg, outs, *args, **kwargs)
        _register(task_name, "fschedule")(wrapper)
        return wrapper
    return decorate(func) if func else decorate


def get_workload(outs, task_name=None):
    """The workload recorded on the first op behind `outs` (of `task_name`, if given)."""
    seen, stack = set(), list(reversed([outs] if isinstance(outs, Tensor) else list(outs)))
    while stack:
        op = stack.pop().op
        if id(op) in seen:
            continue
        seen.add(id(op))
        workload = op.attrs.get("workload")
        if workload is not None and (task_name is None or workload[0] == task_name):
            return workload
        stack.extend(op.input_tensors)
    return None
