"""Schedules of injective operators (TVM's `topi.generic.schedule_injective`,
`schedule_elemwise`, `schedule_broadcast`): producers inlined, each output's axes
fused into one loop."""
from __future__ import annotations

from .default import as_list, auto_inline_injective, default_schedule


def schedule_injective_from_existing(sch, out):
    """Fuse the axes of `out` in the schedule `sch`."""
    sch[out].fuse(*sch[out].op.axis)
    return sch


def schedule_injective(outs):
    """The schedule of injective `outs`: the first output's axes fused."""
    outs = as_list(outs)
    s = default_schedule(outs, False)
    auto_inline_injective(s)
    return schedule_injective_from_existing(s, outs[0])


schedule_elemwise = schedule_injective
schedule_broadcast = schedule_injective
