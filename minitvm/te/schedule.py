"""TVM's `tvm.te.schedule` names that its TE tests call, over minitvm's schedule package:
`InferBound`, `ScheduleOps`, `CreateReadGraph`, `PostDFSOrder`, `ScanGetBody`,
`AutoInlineElemWise` / `AutoInlineBroadcast` / `AutoInlineInjective`, plus `Schedule`,
`Stage`, `create_schedule`, the relation nodes of `Stage.relations` (`Split`, `Fuse`,
`Singleton`) and the `tir` names TVM's module imports (`Buffer`, `IterVar`, `Var`).

As in TVM, `InferBound` and `ScheduleOps` take a normalized schedule
(`s = s.normalize()`); `InferBound` returns a `Map` from each IterVar to its Range.
"""
from ..ir.container import Array, Map
from ..schedule import Schedule, Stage, create_schedule, infer_bound, schedule_ops
from ..schedule.auto_inline import (auto_inline_broadcast, auto_inline_elem_wise,
                                    auto_inline_injective)
from ..schedule.graph import post_dfs_order, read_graph
from ..schedule.scan_stmt import scan_body
from ..tir.buffer import Buffer
from ..tir.expr import IterVar, Var
from ..schedule.relations import Fuse, Singleton, Split


def InferBound(sch):  # noqa: N802 - TVM's name
    """{IterVar: Range} of every loop of the normalized schedule `sch`."""
    return Map(infer_bound(sch))


def ScheduleOps(sch, bounds, debug_keep_trivial_loop=False):  # noqa: N802
    """The loop nest of the normalized schedule `sch` with the ranges `bounds`. minitvm
    always drops one-iteration loops (`debug_keep_trivial_loop` is accepted, not used)."""
    return schedule_ops(sch, dict(bounds))


def CreateReadGraph(roots):  # noqa: N802
    """{op: [tensors it reads]} for every op reachable from `roots` (ops)."""
    return Map({op: Array(inputs) for op, inputs in read_graph(list(roots)).items()})


def PostDFSOrder(roots, graph):  # noqa: N802
    """The ops reachable from `roots`, each after the ops it reads."""
    return Array(post_dfs_order(list(roots), graph))


def ScanGetBody(scan_op):  # noqa: N802
    """The ops computed inside the scan's loop, inputs first."""
    return Array(scan_body(scan_op))


AutoInlineElemWise = auto_inline_elem_wise
AutoInlineBroadcast = auto_inline_broadcast
AutoInlineInjective = auto_inline_injective

__all__ = ["AutoInlineBroadcast", "AutoInlineElemWise", "AutoInlineInjective", "Buffer",
           "IterVar", "ScanGetBody", "Var",
           "CreateReadGraph", "Fuse", "InferBound", "PostDFSOrder", "Schedule", "ScheduleOps",
           "Singleton", "Split", "Stage", "create_schedule"]
