"""Scans (TVM's `te.scan`, `ScanOp`): a recurrence over the first dimension.

    s_state = te.placeholder((m, n))
    s_init = te.compute((1, n), lambda _, i: X[0, i])
    s_update = te.compute((m, n), lambda t, i: s_state[t - 1, i] + X[t, i])
    s_scan = te.scan(s_init, s_update, s_state, inputs=[X])        # cumulative sum

The output holds the init rows, then for t = init rows, ..., m - 1 the update's row t,
which may read the state (the output itself) at earlier rows. The scan axis iterates t;
the other dimensions are opaque spatial axes, which the schedule does not loop over
(the update stages do). The ops between the state placeholders (and `inputs`) and the
updates form the scan's body: the schedule computes them inside the scan loop.
"""
from __future__ import annotations

import copy

from ..arith.scratch import scratch_analyzer
from ..tir import op as _op
from ..tir.expr import IterVar, IterVarType, Range, Var
from .errors import TEError
from .operation import scoped_tag
from .tensor import Operation, Tensor


class ScanOp(Operation):
    """One output per (init, update, state_placeholder) triple."""

    axis = ()
    reduce_axis = ()

    def __init__(self, name, tag, attrs, scan_axis, init, update, state_placeholder, inputs):
        self.name = name
        self.tag = tag
        self.attrs = attrs
        self.scan_axis = scan_axis
        self.init = tuple(init)
        self.update = tuple(update)
        self.state_placeholder = tuple(state_placeholder)
        self.inputs = tuple(inputs)
        self.spatial_axis = tuple(
            IterVar(Range(_op.const(0, e.dtype), e), Var(f"{name}.out{k}.i{d}", e.dtype),
                    IterVarType.OPAQUE)
            for k, u in enumerate(self.update) for d, e in enumerate(u.shape) if d > 0)
        self.outputs = tuple(Tensor(self, k, s.shape, u.dtype)
                             for k, (s, u) in enumerate(zip(self.state_placeholder,
                                                            self.update)))

    @property
    def input_tensors(self):
        return self.init + self.update

    @property
    def root_iter_vars(self):
        return (self.scan_axis,) + self.spatial_axis

    def with_inputs(self, vmap):
        """This scan with each init and update tensor `t` replaced by `vmap[t]` (TVM's
        ScanOpNode::ReplaceInputs, for the schedule's dataflow rewrites); itself when
        `vmap` names none of them. The axes stay; the outputs are new."""
        init = tuple(vmap.get(t, t) for t in self.init)
        update = tuple(vmap.get(t, t) for t in self.update)
        if all(a is b for a, b in zip(init + update, self.init + self.update)):
            return self
        op = copy.copy(self)
        op.init, op.update = init, update
        op.outputs = tuple(Tensor(op, k, t.shape, t.dtype) for k, t in enumerate(self.outputs))
        return op

    def spatial_axes_of(self, k):
        """The spatial axes of output `k` (its dimensions after the first)."""
        start = sum(u.ndim - 1 for u in self.update[:k])
        return self.spatial_axis[start:start + self.update[k].ndim - 1]


def scan(init, update, state_placeholder, inputs=None, name="scan", tag="", attrs=None):
    """TVM's `te.scan`: the output tensor (a list when given lists of several states)."""
    tag = scoped_tag(tag, name)
    many = isinstance(init, (list, tuple))
    init, update, state = (list(x) if isinstance(x, (list, tuple)) else [x]
                           for x in (init, update, state_placeholder))
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs or [])
    ana = scratch_analyzer()
    _check(name, init, update, state, inputs, ana)
    start = init[0].shape[0]
    extent = ana.simplify(update[0].shape[0] - start)
    scan_axis = IterVar(Range(start, extent), Var(f"{name}.idx", start.dtype),
                        IterVarType.ORDERED)
    op = ScanOp(name, tag, dict(attrs or {}), scan_axis, init, update, state, inputs)
    return list(op.outputs) if many else op.outputs[0]


def _check(name, init, update, state, inputs, ana):
    where = f"te.scan '{name}'"
    if not (len(init) == len(update) == len(state)) or not init:
        raise TEError(f"{where}: give one init, one update and one state placeholder per "
                      f"state; got {len(init)}, {len(update)} and {len(state)}")
    for t in init + update + state + inputs:
        if not isinstance(t, Tensor):
            raise TEError(f"{where}: {t!r} is not a tensor")
    for i, u, s in zip(init, update, state):
        if not (i.dtype == u.dtype == s.dtype):
            raise TEError(f"{where}: init '{i.name}', update '{u.name}' and state "
                          f"'{s.name}' must have one dtype; got {i.dtype}, {u.dtype}, "
                          f"{s.dtype}")
        if not (i.ndim == u.ndim == s.ndim):
            raise TEError(f"{where}: init '{i.name}', update '{u.name}' and state "
                          f"'{s.name}' must have the same number of dimensions")
        for d in range(u.ndim):
            if not ana.can_prove(_op.equal(u.shape[d], s.shape[d])) or \
                    (d > 0 and not ana.can_prove(_op.equal(i.shape[d], s.shape[d]))):
                raise TEError(f"{where}: dimension {d} of init '{i.name}', update "
                              f"'{u.name}' and state '{s.name}' differ (the first "
                              "dimension of the init may be shorter)")
        if not ana.can_prove(_op.equal(i.shape[0], init[0].shape[0])):
            raise TEError(f"{where}: every init must have as many rows as '{init[0].name}'")
