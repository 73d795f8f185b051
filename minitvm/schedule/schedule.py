"""The schedule of a whole DAG (TVM's `te.Schedule`): one `Stage` per operation.

`te.create_schedule(outputs)` makes one stage per op reachable from the outputs, inputs
first; `s[tensor]` or `s[op]` returns a stage to call primitives on.
"""
from __future__ import annotations

from ..te.tensor import Operation, Tensor
from .errors import ScheduleError
from .graph import post_dfs_order, read_graph
from .record import start_record
from .stage import SCAN_UPDATE, Stage


class Schedule:
    """Stages in post-DFS order (`stages`) and by their op (`stage_map`)."""

    def __init__(self, outputs, stages):
        self.outputs = outputs
        self.stages = stages
        self.stage_map = {s.origin_op: s for s in stages}
        self.groups = []
        self.keep_schedule_record = False     # see `record`
        self.schedule_record, self.primitive_record = [], []

    def __getitem__(self, key):
        op = key.op if isinstance(key, Tensor) else key
        stage = self.stage_map.get(op) if isinstance(op, Operation) else None
        if stage is None:
            raise ScheduleError(f"{key!r} is not an operation or tensor of this schedule")
        return stage

    def stage_owning(self, iv):
        """The stage among whose iteration variables `iv` is, or None."""
        return next((s for s in self.stages if any(v is iv for v in s.all_iter_vars)), None)

    def reads(self, consumer, producer):
        """True when op `consumer` reads `producer`'s output, directly or through others."""
        return producer in read_graph([consumer]) and producer is not consumer

    def cache_read(self, tensor, scope, readers):
        """A stage copying `tensor` into memory `scope`, read by `readers` (a tensor or
        op, or a list of them) instead of `tensor`; returns the cache tensor."""
        from .cache import cache_read
        return cache_read(self, tensor, scope, readers)

    def cache_write(self, tensor, scope):
        """A stage computing `tensor` (or a list of all the outputs of one compute) in
        memory `scope`, in the layout of its current loops; `tensor` becomes a copy of
        it. Returns the cache tensor (a list for a list)."""
        from .cache import cache_write
        return cache_write(self, tensor, scope)

    def rfactor(self, tensor, axis, factor_axis=0):
        """Factor reduction loop `axis` of `tensor`'s stage out into a new stage
        `<name>.rf` where it is a data-parallel axis (at position `factor_axis`); the
        stage then reduces over it. Returns the factored tensor (a list for several)."""
        from .rfactor import rfactor
        return rfactor(self, tensor, axis, factor_axis)

    def create_group(self, outputs, inputs, include_inputs=False):
        """A virtual stage for the stages between `inputs` and `outputs` (tensors or
        lists of them); compute_at on it moves them all (see `group`)."""
        from .group import create_group
        return create_group(self, outputs, inputs, include_inputs)

    def normalize(self):
        """A normalized copy, ready for bound inference (see `normalize`); the same copy
        again inside `bound_memo.shared_bounds()`."""
        from .bound_memo import computed_once
        from .normalize import normalize
        return computed_once("normalize", self, normalize)


def create_schedule(ops):
    """TVM's `te.create_schedule`: a schedule computing `ops` (one op or a list)."""
    ops = list(ops) if isinstance(ops, (list, tuple)) else [ops]
    for op in ops:
        if not isinstance(op, Operation):
            raise TypeError(f"create_schedule expects operations (tensor.op), got {op!r}")
    sch = Schedule(tuple(ops), [])
    order = post_dfs_order(ops, read_graph(ops))
    sch.stages = [Stage(op, sch, op in ops) for op in order]
    sch.stage_map = {s.op: s for s in sch.stages}
    _attach_scan_bodies(sch)
    start_record(sch)
    return sch


def _attach_scan_bodies(sch):
    """The ops of a scan's body are computed inside its loop: TVM's scan group, the
    group of the stages between the updates and the states and inputs, attached to the
    scan as its update."""
    from ..te.scan import ScanOp
    from .group import create_group
    for stage in sch.stages:
        if isinstance(stage.op, ScanOp):
            op = stage.op
            group = create_group(sch, list(op.update),
                                 list(op.state_placeholder) + list(op.inputs))
            group.attach_type, group.attach_stage = SCAN_UPDATE, stage
