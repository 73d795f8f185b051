"""create_group: a virtual stage standing for several stages (TVM's
`Schedule::create_group` and `Stage.group`).

    g = s.create_group(outputs=C, inputs=A)    # the stages between A and C (not A)
    g.compute_at(s[D], D.op.axis[0])           # moves all of them inside D's row loop

The group's members are the ops on paths from `outputs` to `inputs` (`inputs`
themselves only with `include_inputs`). A member left at the root goes wherever its
group goes (`Stage.attach_spec`); members may still be computed at one another, but not
at stages outside the group. A member attached outside the group when it is created is
moved to the root of the group, as TVM does (with a warning). Groups nest as in TVM: the
new group goes inside the innermost group enclosing all members, and takes in whole the
groups below it that the members fill; a group only partly among the members is refused.
A scan's body is a group too, made with the schedule and attached to the scan as its
update (TVM's scan group).
"""
from __future__ import annotations

import warnings

from ..te.tensor import Tensor
from .errors import ScheduleError, schedule_error
from .graph import sub_graph
from .record import recorded
from .stage import SCAN_UPDATE, SCOPE, Stage, in_group


class Group(Stage):
    """A group of stages: no op, no loops of its own; only an attachment."""

    def __init__(self, schedule, parent_group):
        super().__init__(None, schedule, False)
        self.group = parent_group

    def __repr__(self):
        return f"group({', '.join(s.op.name for s in self.members())})"

    @property
    def num_child_stages(self):
        """How many stages and groups are directly in this group."""
        return sum(1 for s in self.schedule.stages + self.schedule.groups if s.group is self)

    def members(self):
        return [s for s in self.schedule.stages if s.group is self]

    @recorded("compute_at")
    def compute_at(self, parent, scope):
        """Compute every member inside loop `scope` of stage `parent`. As for a stage,
        whether that is legal (`parent` not a member, every consumer inside the loop) is
        checked when lowering."""
        self._check_attach_point(parent, scope)
        if self.attach_type == SCAN_UPDATE:
            raise schedule_error("compute_at", self, f"the group is the body of scan "
                                 f"'{self.attach_stage.op.name}', computed in its loop",
                                 scope)
        self.attach_type = SCOPE
        self.attach_ivar = scope
        self.attach_stage = parent

    def _refuse(self, primitive):
        raise schedule_error(primitive, self, "a group has no loops; schedule its members")

    def split(self, *args, **kwargs):
        self._refuse("split")

    def compute_inline(self):
        self._refuse("compute_inline")

    def pragma(self, *args, **kwargs):
        self._refuse("pragma")

    # TVM's Stage accepts these on a group and ignores them (a group has no op, so no
    # storage and no store of its own): accepted and ignored here too, so that TVM's
    # scripts run, with a warning, so that nothing is lost unnoticed.

    def _ignored(self, primitive, what):
        members = ", ".join(f"'{s.op.name}'" for s in self.members())
        warnings.warn(f"{primitive} on group (of {members}): a group has no {what} of its "
                      f"own, so this does nothing (as in TVM); apply {primitive} to its "
                      "members", stacklevel=3)

    def set_scope(self, scope):
        self._ignored("set_scope", "storage")

    def double_buffer(self):
        self._ignored("double_buffer", "buffer")

    def set_store_predicate(self, predicate):
        self._ignored("set_store_predicate", "store")


def create_group(sch, outputs, inputs, include_inputs=False):
    """The group of the stages between `inputs` and `outputs` (tensors or lists)."""
    outputs, inputs = _tensors(sch, "outputs", outputs), _tensors(sch, "inputs", inputs)
    members = [_stage(sch, op) for op in _sub_graph(sch, outputs, inputs, include_inputs)]
    if not members:
        raise ScheduleError("create_group: no stage lies between the inputs and the "
                            "outputs (each output must read an input, directly or not)")
    parent = _common_group(members)
    group = Group(sch, parent)
    for child in _children_under(parent, members):
        child.group = group
    for s in members:
        if s.attach_type == SCOPE and not in_group(s.attach_stage, group):
            warnings.warn(f"create_group: stage '{s.op.name}' was computed at stage "
                          f"'{s.attach_stage.op.name}', outside the group; it now goes "
                          "with the group")
            s.compute_root()
    sch.groups.append(group)
    return group


def _common_group(members):
    """TVM's LeastCommonAncestor of the members' groups (None: the root)."""
    def ancestors(g):
        chain = []
        while g is not None:
            chain.append(g)
            g = g.group
        return chain
    common = members[0].group
    for s in members[1:]:
        g = s.group
        if common is None or g is None:
            return None
        common = (g if any(g is a for a in ancestors(common)) else
                  common if any(common is a for a in ancestors(g)) else None)
    return common


def _children_under(parent, members):
    """The members and groups to put in the new group: those directly in `parent`. A
    group below `parent` must be wholly among the members (TVM's counting check)."""
    chosen, seen = [], {}
    for s in members:
        g = s
        while g.group is not parent:
            g = g.group
        if not any(g is c for c in chosen):
            chosen.append(g)
        if s.group is not parent:
            seen.setdefault(id(s.group), [s.group, 0])[1] += 1
    _check_whole_groups(parent, seen)
    return chosen


def _check_whole_groups(parent, seen):
    """Every group a member is in (below `parent`) has all its children among the
    members, counting a whole subgroup as one child."""
    stack = [g for g, count in seen.values() if count == g.num_child_stages]
    while stack:
        g = stack.pop()
        if g.group is not None and g.group is not parent:
            entry = seen.setdefault(id(g.group), [g.group, 0])
            entry[1] += 1
            if entry[1] == g.group.num_child_stages:
                stack.append(g.group)
    for g, count in seen.values():
        if count != g.num_child_stages:
            raise ScheduleError(f"create_group: the new group would take only {count} "
                                f"of the {g.num_child_stages} members of {g!r}; a group "
                                "must contain whole groups or lie inside one")


def _tensors(sch, name, value):
    value = [value] if isinstance(value, Tensor) else value
    if not isinstance(value, (list, tuple)):
        raise ScheduleError(f"create_group: {name} must be a tensor or a list of tensors, "
                            f"got {value!r}")
    for t in value:
        if not isinstance(t, Tensor):
            raise ScheduleError(f"create_group: {name} must be tensors, got {t!r}")
        if t.op not in sch.stage_map:
            raise ScheduleError(f"create_group: tensor '{t.op.name}' of {name} is not a "
                                "tensor of this schedule")
    return list(value)


def _stage(sch, op):
    return next(s for s in sch.stages if s.op is op)


def _sub_graph(sch, outputs, inputs, include_inputs):
    """Ops on paths from `outputs` to `inputs`, inputs first (TVM's GetSubGraph), on the
    stages' current ops."""
    current = {s.origin_op: s.op for s in sch.stages}
    return sub_graph([current.get(t.op, t.op) for t in outputs],
                     [current.get(t.op, t.op) for t in inputs], include_inputs)
