"""Bound inference (TVM's `InferBound`): the range of every iteration variable.

Stages are visited outputs first. An output iterates its whole domain. Any other stage
computes the union of the regions its consumers read, where each consumer's loops at or
outside the stage's attachment point are fixed (one iteration) and the loops inside it
range fully; so a stage attached inside a tile computes (and allocates) only that tile.
A virtual-thread loop is relaxed only for storage shared between threads (global). The
ranges of the split/fused loops then follow from the root ranges.
"""
from __future__ import annotations

from ..arith import Analyzer
from ..arith.int_set import IntSet, eval_set, union
from ..te.tensor import PlaceholderOp
from ..tir import op as _op
from ..tir.expr import ProducerLoad, Range
from ..tir.functor import post_order_visit
from .errors import ScheduleError
from .graph import attach_paths, feed_graph, read_graph
from .message_passing import is_const, pass_down_domain, pass_up_domain
from .stage import INLINED, STORAGE_RANKS

_THREAD_RANK = 1            # vthread / cthread: the rank of a thread index
_LOCAL_RANK = STORAGE_RANKS["local"]


def infer_bound(sch):
    """{IterVar: Range} for every IterVar of every stage of the normalized schedule."""
    graph = read_graph([sch.stage_map[op].op for op in sch.outputs])
    context = _Context(sch, feed_graph(graph))
    ranges = {}
    ana = Analyzer()
    for stage in reversed(sch.stages):
        if stage.attach_type == INLINED:
            continue
        _infer_root_bound(stage, context, ranges)
        pass_down_domain(stage, ranges, ana)
    return {iv: Range(ana.simplify(r.min), ana.simplify(r.extent)) for iv, r in ranges.items()}


class _Context:
    def __init__(self, sch, feeds):
        self.feeds = feeds
        self.paths = attach_paths(sch)
        self.stage_of = {s.op: s for s in sch.stages}
        self.bind_map = {iv: attr.bind_thread for s in sch.stages
                         for iv, attr in s.iter_var_attrs.items() if attr.bind_thread is not None}


def _storage_rank(stage, context):
    """The memory rank of the stage's storage: its scope, else by the threads around it."""
    if stage.scope:
        return STORAGE_RANKS[stage.scope.split(".")[0]]
    threaded = any(_thread_tag(iv, context) for iv in context.paths[stage.op])
    return _LOCAL_RANK if threaded else STORAGE_RANKS["global"]


def _thread_tag(iv, context):
    bound = context.bind_map.get(iv)
    return bound.thread_tag if bound is not None else iv.thread_tag


def _need_relax(iv, found_attach, context, rank):
    if not _thread_tag(iv, context):
        return not found_attach
    return rank <= _THREAD_RANK


def _infer_root_bound(stage, context, ranges):
    op = stage.op
    if stage.is_output or isinstance(op, PlaceholderOp):
        for iv in op.root_iter_vars:
            ranges[iv] = iv.dom
        return
    regions = [[] for _ in op.axis]
    rank = _storage_rank(stage, context)
    attach = context.paths[op]
    for tensor in op.outputs:   # the outputs of a multi-output compute share the axes
        for consumer in context.feeds.get(tensor, []):
            dom = _consumer_domain(stage, context.stage_of[consumer], context, ranges, rank,
                                   attach)
            for k, sets in enumerate(region_reads(consumer, tensor, dom)):
                regions[k] += sets
    for iv, sets in zip(op.axis, regions):
        ranges[iv] = union(sets).cover_range(iv.dom) if sets else iv.dom
    for iv in op.reduce_axis:
        ranges[iv] = iv.dom


def _consumer_domain(stage, consumer, context, ranges, rank, attach):
    """{root var of consumer: IntSet} over which the consumer reads the stage's output."""
    attach_iv = attach[0] if attach else None
    found = False
    sets, relax = {}, {}
    for iv in reversed(consumer.leaf_iter_vars):
        found = found or iv is attach_iv
        r = ranges[iv]
        if is_const(r.extent, 1):
            sets[iv] = IntSet.point(r.min)
        elif not _need_relax(iv, found, context, rank):
            bound = context.bind_map.get(iv)
            sets[iv] = IntSet.point((iv if bound is None else bound).var)
        else:
            sets[iv] = IntSet.from_range(r)
    for iv in context.paths[consumer.op]:
        found = found or iv is attach_iv
        if _need_relax(iv, found, context, rank):
            relax[iv.var] = IntSet.from_range(ranges[iv])
            if iv in context.bind_map:
                relax[context.bind_map[iv].var] = IntSet.from_range(ranges[iv])
    if attach and not found:
        raise ScheduleError(
            f"compute_at on stage '{stage.op.name}', axis '{attach_iv.var.name}': its "
            f"consumer '{consumer.op.name}' is not computed inside that loop, so the "
            "stage would not be ready when it is read")
    pass_up_domain(consumer, ranges, sets)
    dom = {}
    for iv in consumer.op.root_iter_vars:
        r = sets[iv].cover_range(iv.dom) if iv in sets else iv.dom
        if relax:
            lo = eval_set(r.min, relax).min
            hi = eval_set(r.min + r.extent - 1, relax).max
            dom[iv.var] = IntSet(lo, hi)
        else:
            dom[iv.var] = IntSet.from_range(r)
    return dom


def region_reads(op, tensor, dom):
    """Per dimension of `tensor`, the IntSets of indices each read of it in `op`'s body
    covers when the variables range over `dom`."""
    ana = Analyzer()
    regions = [[] for _ in range(tensor.ndim)]

    def visit(node):
        if not isinstance(node, ProducerLoad) or node.producer is not tensor:
            return
        for k, index in enumerate(node.indices):
            s = eval_set(index, dom)
            upper = tensor.shape[k] - 1
            # prefer the tensor's own bounds when they are provably tighter
            if (s.min is None or ana.can_prove(_op.greater_equal(0, s.min))) and \
                    (s.max is None or ana.can_prove(_op.less_equal(upper, s.max))):
                s = IntSet.interval(_op.const(0, upper.dtype), upper)
            regions[k].append(s)

    for body in op.body:
        post_order_visit(body, visit)
    return regions
