"""Tuning tasks (TVM's `autotvm.task.task`): a template function, its arguments, its space.

A template is registered under a task name, either as a whole (`@autotvm.template(name)`:
a function returning `(schedule, arg_tensors)`) or as a TOPI compute + schedule pair
(`register_topi_compute` / `register_topi_schedule`, see `topi_integration`). A task's
`workload` is `(name, *serialized args)`, tensors serialized as ("TENSOR", shape, dtype): it
is the key under which logs store configs and dispatch contexts find them.

`create(name, args, target)` runs the template once with a `ConfigSpace` to collect its
knobs; `Task.instantiate(config)` runs it with one config to get a schedule to build.
A task pickles by name: the process that unpickles it imports the module that registered
the template, so local worker processes and Ray workers find the same function.
"""
from __future__ import annotations

import functools
import importlib
import math

from ...target import Target
from ...te.tensor import ComputeOp, PlaceholderOp, Tensor
from ...tir import expr as _e
from .dispatcher import ApplyConfig, DispatchContext
from .space import ConfigSpace


class TaskError(ValueError):
    """A task cannot be created or run from what the user gave."""


class TaskTemplate:
    """The functions behind a task name: a whole template, or a compute + schedule pair."""

    def __init__(self):
        self.fcompute = self.fschedule = self.fcustomized = None

    @property
    def module(self):
        f = self.fcustomized or self.fcompute
        return f.__module__ if f else None

    def __call__(self, *args):
        args = deserialize_args(args)
        if self.fcustomized is not None:
            return self.fcustomized(*args)
        out = self.fcompute(*args)
        return self.fschedule([out]), [out] + _inputs(out)


def _inputs(out):
    """The placeholders `out` reads, breadth first (TVM's order for arg_bufs)."""
    found, queue, seen = [], [out], set()
    while queue:
        t = queue.pop(0)
        if isinstance(t.op, PlaceholderOp):
            found.append(t)
            continue
        for child in t.op.input_tensors:
            if id(child) not in seen:
                seen.add(id(child))
                queue.append(child)
    return found


TASK_TABLE = {}


def _register(name, role):
    def register(f):
        template = TASK_TABLE.setdefault(name, TaskTemplate())
        if getattr(template, role) is not None:
            raise TaskError(f"autotvm task {name!r} already has a {role[1:]} function "
                            f"({getattr(template, role).__qualname__})")
        setattr(template, role, f)
        return f
    return register


def _lookup_task(name):
    template = TASK_TABLE.get(name)
    if template is None:
        raise TaskError(f"no autotvm task is registered as {name!r}: import the module that "
                        f"defines it; registered tasks: {', '.join(sorted(TASK_TABLE)) or 'none'}")
    return template


def serialize_args(args):
    """`args` as a hashable tuple: tensors become ("TENSOR", shape, dtype)."""
    return tuple(_encode(a) for a in args)


def _encode(x):
    if isinstance(x, Tensor):
        return ("TENSOR", tuple(int(d) for d in x.shape), x.dtype)
    if isinstance(x, (tuple, list)):
        return tuple(_encode(a) for a in x)
    if isinstance(x, (_e.IntImm, _e.FloatImm, _e.StringImm)):
        return x.value
    if x is None or isinstance(x, (str, int, float)):
        return x
    raise TaskError(f"autotvm task argument {x!r} of type {type(x).__name__} cannot be part of "
                    "a workload: use tensors, numbers, strings, or tuples of them")


def deserialize_args(args):
    """The inverse of `serialize_args`: ("TENSOR", shape, dtype) becomes a placeholder."""
    from ...te import placeholder
    return [placeholder(a[1], dtype=a[2]) if isinstance(a, tuple) and a and a[0] == "TENSOR"
            else a for a in args]


def args_to_workload(args, task_name=None):
    workload = serialize_args(args)
    return workload if task_name is None else (task_name,) + workload


class Task:
    """A tunable task: `name`, serialized `args`, `config_space`, `flop`, `target`."""

    def __init__(self, name, args):
        self.name = name
        self.args = tuple(args)
        self.kwargs = {}
        self.config_space = None
        self.flop = None
        self.target = self.target_host = None

    @property
    def func(self):
        """The template behind the task's name (looked up when first needed, so a log
        can be read before the module defining its templates is imported)."""
        return _lookup_task(self.name)

    @property
    def workload(self):
        return (self.name,) + serialize_args(self.args)

    def instantiate(self, config):
        """(schedule, arg tensors) of the template under `config`."""
        config.flop = 0
        with ApplyConfig(config):
            with self.target or _NoTarget():
                sch, arg_bufs = self.func(*self.args)
        if not self.flop:
            self.flop = config.flop or compute_flop(sch)
        return sch, arg_bufs

    def __getstate__(self):
        return {"name": self.name, "args": self.args, "config_space": self.config_space,
                "flop": self.flop, "target": self.target, "target_host": self.target_host,
                "module": TASK_TABLE[self.name].module if self.name in TASK_TABLE else None}

    def __setstate__(self, state):
        if state["module"]:
            importlib.import_module(state["module"])      # registers the template
        self.__init__(state["name"], state["args"])
        self.config_space, self.flop = state["config_space"], state["flop"]
        self.target, self.target_host = state["target"], state["target_host"]

    def __repr__(self):
        return f"Task(func_name={self.name}, args={self.args}, workload={self.workload})"


class _NoTarget:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def query_config(task_name, args, kwargs):
    """The config the dispatch context gives task `task_name` called with `args` under
    the current target (keyword arguments cannot be part of a workload)."""
    if kwargs:
        raise TaskError(f"{task_name}: keyword arguments are not supported in a tunable "
                        f"call (got {', '.join(kwargs)}); pass them by position")
    return DispatchContext.current.query(Target.current(), args_to_workload(args, task_name))


def template(task_name, func=None):
    """Decorate a function returning `(schedule, args)` as the tunable template of
    `task_name`; called directly, it runs with the config the dispatch context gives."""
    def decorate(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            cfg = query_config(task_name, args, kwargs)
            with ApplyConfig(cfg):
                return f(*args)
        _register(task_name, "fcustomized")(f)
        return wrapper
    return decorate(func) if func else decorate


def create(task_name, args, target, target_host=None):
    """A Task of the template `task_name` on `args`, with its config space collected."""
    if not isinstance(task_name, str):
        raise TaskError(f"autotvm.task.create: the task is named by its registered name, not "
                        f"{task_name!r}")
    target = target if isinstance(target, Target) else Target(target)
    task = Task(task_name, serialize_args(args))
    task.config_space = ConfigSpace()
    with ApplyConfig(task.config_space), target:
        sch, _ = task.func(*task.args)
    task.flop = task.config_space.flop or compute_flop(sch)
    task.target, task.target_host = target, target_host
    return task


def get_config():
    """The config of the template being run (from the current dispatch context)."""
    return DispatchContext.current.query(Target.current(), None)


def compute_flop(sch):
    """Arithmetic operations of the compute DAG behind `sch` (reductions count one add per
    step); templates with a better count call `cfg.add_flop`."""
    seen, total = set(), 0
    stack = list(sch.outputs)
    while stack:
        op = stack.pop()
        if id(op) in seen or not isinstance(op, ComputeOp):
            continue
        seen.add(id(op))
        total += math.prod(int(iv.dom.extent) for iv in op.axis) * _count(op.body[0])
        stack.extend(t.op for t in op.input_tensors)
    return total


def _count(e):
    if isinstance(e, _e.Reduce):
        steps = math.prod(int(iv.dom.extent) for iv in e.axis)
        return steps * (1 + sum(_count(s) for s in e.source))
    if isinstance(e, (_e.BinaryOp, _e.CmpOp)):
        return 1 + _count(e.a) + _count(e.b)
    if isinstance(e, (_e.Cast, _e.Not)):
        return _count(e.value if isinstance(e, _e.Cast) else e.a)
    if isinstance(e, _e.Select):
        return _count(e.condition) + max(_count(e.true_value), _count(e.false_value))
    if isinstance(e, _e.Call):
        return sum(_count(a) for a in e.args)
    return 0
