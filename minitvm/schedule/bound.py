"""Bound inference (TVM's `InferBound`): the range of every iteration variable.

Stages are visited outputs first. An output iterates its whole domain. Any other stage
computes the union of the regions its consumers read, where each consumer's loops at or
outside the stage's attachment point are fixed (one iteration) and the loops inside it
range fully; so a stage attached inside a tile computes (and allocates) only that tile.
A virtual-thread loop is relaxed only for storage shared between threads (global). The
ranges of the split/fused loops then follow from the root ranges.

Two schedules TVM refuses are refused here, naming the stage, the axis and the scope:
a thread-bound axis whose inferred range does not start at 0 (TVM's MakeLoopNest check:
each thread index must select one iteration of a loop starting at 0), and a stage whose
range depends on the index of a virtual thread it is not computed inside (its storage,
'local' for example, is private to each thread, so outside the thread the index has no
value; TVM lowers it with the variable unbound and fails at build). A third rule is
minitvm's own: no double-buffered stage in a scan's body (each step reads what the one
before wrote, so no step can be computed ahead).
"""
from __future__ import annotations

from ..arith.scratch import scratch_analyzer
from ..arith.int_set import IntSet, eval_set, union
from ..te.extern import ExternOp
from ..te.scan import ScanOp
from ..tir import op as _op
from ..tir.expr import IntImm, ProducerLoad, Range, Var
from ..tir.functor import post_order_visit
from .bound_memo import computed_once
from .errors import ScheduleError, schedule_error, stage_name
from .graph import attach_paths, feed_graph, read_graph
from .scan_stmt import scan_region_reads, scan_root_bounds
from .message_passing import is_const, pass_down_domain, pass_up_domain
from .stage import (INLINED, ROOT, SCOPE, STORAGE_RANKS,
                    VIRTUAL_THREAD_TAGS, thread_rank)

# TVM's DefaultStorageRank: memory of a stage computed under threads of a rank
_DEFAULT_STORAGE = {-1: "global", 0: "shared", 1: "local"}


def infer_bound(sch):
    """{IterVar: Range} for every IterVar of every stage of the normalized schedule (the
    same dict again inside `bound_memo.shared_bounds()`: do not change it)."""
    return computed_once("bounds", sch, _infer_bound)


def _infer_bound(sch):
    graph = read_graph([sch.stage_map[op].op for op in sch.outputs])
    context = _Context(sch, feed_graph(graph))
    ranges = {}
    ana = scratch_analyzer()
    for stage in reversed(sch.stages):
        if stage.attach_type == INLINED:
            continue
        _infer_root_bound(stage, context, ranges)
        pass_down_domain(stage, ranges, ana)
        for thread in stage.launched_threads:       # env_threads run over their range
            ranges[thread] = thread.dom
    ranges = {iv: Range(ana.simplify(r.min), ana.simplify(r.extent))
              for iv, r in ranges.items()}
    for stage in sch.stages:
        if stage.attach_type != INLINED:
            _check_thread_indices_defined(stage, context, ranges)
            _check_thread_axes_start_at_zero(stage, context, ranges)
    return ranges


class _Context:
    def __init__(self, sch, feeds):
        self.feeds = feeds
        self.paths = attach_paths(sch)
        self.stage_of = {s.op: s for s in sch.stages}
        self.bind_map = {iv: attr.bind_thread for s in sch.stages
                         for iv, attr in s.iter_var_attrs.items() if attr.bind_thread is not None}


def _scope_name(stage, context):
    """The stage's storage scope, as given or as inferred from the threads around it."""
    return stage.scope or _DEFAULT_STORAGE[_innermost_thread_rank(stage, context)]


def _storage_rank(stage, context):
    """The memory rank of the stage's storage: its scope, else by the threads around it."""
    if stage.scope:
        return STORAGE_RANKS[stage.scope.split(".")[0]]
    return STORAGE_RANKS[_DEFAULT_STORAGE[_innermost_thread_rank(stage, context)]]


def _innermost_thread_rank(stage, context):
    """The highest thread rank on the stage's attach path (-1: none)."""
    tags = [_thread_tag(iv, context) for iv in context.paths[stage.op]]
    return max((thread_rank(tag) for tag in tags if tag), default=-1)


def _thread_tag(iv, context):
    bound = context.bind_map.get(iv)
    return bound.thread_tag if bound is not None else iv.thread_tag


def _need_relax(iv, found_attach, context, rank):
    tag = _thread_tag(iv, context)
    if not tag:
        return not found_attach
    if rank == STORAGE_RANKS["warp"] and tag == "threadIdx.x":
        return True         # TVM: warp memory is indexed across the lanes of threadIdx.x
    return rank <= thread_rank(tag)


def _infer_root_bound(stage, context, ranges):
    op = stage.op
    if not op.root_iter_vars:           # placeholders and extern ops have no loops
        return
    if stage.is_output:
        _check_output_at_root(stage)
        for iv in op.root_iter_vars:
            ranges[iv] = iv.dom
        return
    # per output, per dimension: what the consumers read
    rank = _storage_rank(stage, context)
    regions = [_consumer_regions(stage, t, context, ranges, rank) for t in op.outputs]
    if isinstance(op, ScanOp):
        scan_root_bounds(op, [s for region in regions for s in region[0]], ranges)
        return
    for k, iv in enumerate(op.axis):    # the outputs of a multi-output compute share them
        sets = [s for region in regions for s in region[k]]
        ranges[iv] = union(sets).cover_range(iv.dom) if sets else iv.dom
    for iv in op.reduce_axis:
        ranges[iv] = iv.dom


def _consumer_regions(stage, tensor, context, ranges, rank):
    regions = [[] for _ in tensor.shape]
    for consumer in context.feeds.get(tensor, []):
        dom = _consumer_domain(stage, context.stage_of[consumer], context, ranges, rank,
                               context.paths[stage.op])
        for k, sets in enumerate(region_reads(consumer, tensor, dom)):
            regions[k] += sets
    return regions


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
        raise _outside_consumer_error(stage, consumer, attach_iv)
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


def _attach_place(stage, attach_iv):
    """"compute_at on stage 'B', axis 'i'", naming the group when the stage goes where
    its group goes."""
    spec = stage.attach_spec()
    member = f" (of its member '{stage.op.name}')" if spec is not stage else ""
    return f"compute_at on {stage_name(spec)}{member}, axis '{attach_iv.var.name}'"


def _check_output_at_root(stage):
    """TVM's InferRootBound check: an output is computed at the root, whole."""
    spec = stage.attach_spec()
    if spec.attach_type != ROOT:
        raise ScheduleError(f"{_attach_place(stage, spec.attach_ivar)}: '{stage.op.name}' "
                            "is an output of the schedule, which must stay at the root")


def _outside_consumer_error(stage, consumer, attach_iv):
    """TVM's "cannot find the producer along the loop nest specified by compute_at": a
    consumer of the stage runs outside the loop the stage is computed in."""
    parent = stage.attach_spec().attach_stage
    outside = (f"its consumer '{consumer.op.name}' is not computed inside that loop, so "
               "the stage would not be ready when it is read")
    if not stage.schedule.reads(parent.op, stage.op):
        outside = f"stage '{parent.op.name}' does not consume '{stage.op.name}'; " + outside
    return ScheduleError(f"{_attach_place(stage, attach_iv)}: {outside}")


def region_reads(op, tensor, dom):
    """Per dimension of `tensor`, the IntSets of indices each read of it in `op`'s body
    covers when the variables range over `dom`."""
    if isinstance(op, ExternOp):        # an extern op reads its inputs whole
        return [[IntSet.interval(_op.const(0, e.dtype), e - 1)] for e in tensor.shape]
    if isinstance(op, ScanOp):
        return scan_region_reads(op, tensor, dom)
    ana = scratch_analyzer()
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


def _where(stage, context):
    """Where the stage is computed and with what storage, for error messages."""
    place = "at the root"
    if stage.attach_type == SCOPE:
        place = (f"at stage '{stage.attach_stage.op.name}', axis "
                 f"'{stage.attach_ivar.var.name}'")
    return f"computed {place} with storage scope '{_scope_name(stage, context)}'"


def _check_thread_indices_defined(stage, context, ranges):
    """The region a stage computes may only depend on the thread indices around it."""
    owner = {thread.var: (iv, s) for s in context.stage_of.values()
             for iv, attr in s.iter_var_attrs.items()
             if (thread := attr.bind_thread) is not None}
    # the threads launched around the stage, and the GPU threads its own loops are bound
    # to (a GPU thread index has one value per thread in every launch; a virtual thread's
    # launches are replicated apart, so one of the stage's own says nothing of another)
    around = {context.bind_map[iv].var for iv in context.paths[stage.op]
              if iv in context.bind_map}
    around |= {context.bind_map[iv].var for iv in stage.leaf_iter_vars if iv in context.bind_map
               and context.bind_map[iv].thread_tag not in VIRTUAL_THREAD_TAGS}
    used = []
    for iv in stage.op.root_iter_vars:
        for e in (ranges[iv].min, ranges[iv].extent):
            post_order_visit(e, lambda n: used.append(n) if isinstance(n, Var) else None)
    for var in used:
        if var in owner and var not in around:
            iv, reader = owner[var]
            raise ScheduleError(
                f"stage '{stage.op.name}', {_where(stage, context)}: stage "
                f"'{reader.op.name}' reads it inside thread '{var.name}' (its axis "
                f"'{iv.var.name}'), where each thread needs its own part of it, but the "
                "stage is computed outside that thread, where the thread index has no "
                "value; compute_at it inside that thread's loop, or give it scope 'global' "
                "(shared by all threads)")


def _check_thread_axes_start_at_zero(stage, context, ranges):
    """TVM's MakeLoopNest check: a thread-bound loop starts at 0; a virtual thread's also
    runs over a positive constant extent (it is replicated that many times)."""
    for iv in stage.leaf_iter_vars:
        attr = stage.iter_var_attrs.get(iv)
        if attr is None or attr.bind_thread is None:
            continue
        r = ranges[iv]
        virtual = attr.bind_thread.thread_tag in VIRTUAL_THREAD_TAGS
        if is_const(r.min, 0) and (not virtual or isinstance(r.extent, IntImm)
                                   and r.extent.value > 0):
            continue
        end = scratch_analyzer().simplify(r.min + r.extent)
        index = "runs over [0, n) for a constant n > 0" if virtual else "starts at 0"
        raise schedule_error(
            "bind", stage,
            f"the axis is bound to {'virtual ' if virtual else ''}thread "
            f"'{attr.bind_thread.var.name}', whose index {index}, but the stage, "
            f"{_where(stage, context)}, computes that axis over [{r.min}, {end}), the part "
            "its consumers read there; bind an axis made by split (it starts at 0), compute "
            "the stage further out, or, inside another virtual thread, give it scope "
            "'global' so that every thread computes the whole axis", iv)
