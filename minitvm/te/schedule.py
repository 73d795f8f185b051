"""TVM's `tvm.te.schedule` names that its TE tests call, over minitvm's schedule package:
`InferBound`, `ScheduleOps`, `CreateReadGraph`, `PostDFSOrder`, plus `Schedule`, `Stage`,
`create_schedule` and the relation nodes of `Stage.relations` (`Split`, `Fuse`,
`Singleton`).

As in TVM, `InferBound` and `ScheduleOps` take a normalized schedule
(`s = s.normalize()`); `InferBound` returns a `Map` from each IterVar to its Range.
"""
from ..ir.container import Array, Map
from ..schedule import Schedule, Stage, create_schedule, infer_bound, schedule_ops
from ..schedule.graph import post_dfs_order, read_graph
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


__all__ = ["CreateReadGraph", "Fuse", "InferBound", "PostDFSOrder", "Schedule", "ScheduleOps",
           "Singleton", "Split", "Stage", "create_schedule"]
