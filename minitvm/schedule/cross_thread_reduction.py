"""The loop nest of a reduction whose reduction loop is bound to a GPU thread (TVM's
`MakeCrossThreadReduction`, te/operation/cross_thread_reduction.cc).

When `s[B].bind(B.op.reduce_axis[0], te.thread_axis("threadIdx.x"))`, every thread holds
one part of each sum, and the parts are combined across the threads by the
`tvm_thread_allreduce` builtin (which a GPU code generator expands into shuffles or
shared-memory steps; minitvm has none, so such a function is lowered and printed only):

    launch threads (the stage's loops, the bound reduction loop included)
      reduce_temp0 = allocate([1], local)
      [normal_reduce_temp0 = identity                 if some reduction loops are not bound:
       for the unbound reduction loops:               each thread first reduces its own
         if bounds: normal_reduce_temp0 = combine(..)   part serially]
      attr(combiner, "reduce_scope", handle 0):
        tvm_thread_allreduce(n, values..., true, reduce_temp0[0], thread vars...)
      if store predicate and thread == 0 and condition:
        B[i] = reduce_temp0[0]

There is no separate initialization of B: the allreduce starts from the reducer's
identity. `schedule_ops` builds this nest instead of the ordinary one for such stages.
"""
from __future__ import annotations

from ..tir import op as _op
from ..tir.buffer import decl_buffer
from ..tir.expr import BufferLoad, Call, IntImm, IterVarType
from ..tir.functor import substitute
from ..tir.stmt import Allocate, AttrStmt, BufferStore, Evaluate, ProducerStore, seq
from .errors import ScheduleError
from .loop_nest import make_bound_check, make_if_nest, make_loop_nest, merge_nest
from .message_passing import is_const
from .stage import VIRTUAL_THREAD_TAGS
from .substitute import substitute_iter_vars


def is_cross_thread_reduction(stage):
    """Is a reduction loop of the stage bound to a GPU thread (TVM's
    kCrossThreadReduction)? A reduction loop bound to a virtual thread stays an ordinary
    reduction: InjectVirtualThread runs the threads one after another, each adding in."""
    return any(iv.iter_type == IterVarType.COMM_REDUCE and _bound_thread(stage, iv) is not None
               for iv in stage.leaf_iter_vars)


def _bound_thread(stage, iv):
    """The GPU thread `iv` is bound to, or None."""
    attr = stage.iter_var_attrs.get(iv)
    thread = attr.bind_thread if attr is not None else None
    return None if thread is None or thread.thread_tag in VIRTUAL_THREAD_TAGS else thread


def make_cross_thread_reduction(stage, ranges):
    """The statement computing `stage` with its bound reduction combined across threads."""
    op = stage.op
    reduces = list(op.body)
    if any(r.init for r in reduces):
        raise ScheduleError(f"stage '{op.name}': a reduction with an init value cannot be "
                            "reduced across threads (bind a data-parallel axis instead)")
    values = {}
    nest = make_loop_nest(stage, ranges, 0, False, (), values)
    condition = reduces[0].condition
    common, serial = [], []
    for k, iv in enumerate(stage.leaf_iter_vars):
        unbound = iv.iter_type == IterVarType.COMM_REDUCE and _bound_thread(stage, iv) is None
        (serial if unbound else common).append(nest[k + 1])
    results = [decl_buffer((1,), r.dtype, f"reduce_temp{k}", scope="local")
               for k, r in enumerate(reduces)]
    partials = ([decl_buffer((1,), r.dtype, f"normal_reduce_temp{k}", scope="local")
                 for k, r in enumerate(reduces)] if serial else [])
    threads = [_bound_thread(stage, iv).var for iv in stage.leaf_iter_vars
               if iv.iter_type == IterVarType.COMM_REDUCE
               and _bound_thread(stage, iv) is not None]
    body = seq(_allreduce(stage, ranges, values, reduces, serial, partials, results, threads),
               _store_results(stage, reduces, results, threads, condition))
    for result, partial in reversed(list(zip(results, partials or [None] * len(results)))):
        body = _allocate(result, body)
        if partial is not None:
            body = _allocate(partial, body)
    return merge_nest(common, substitute_iter_vars(body, values))


def _load(buffer):
    return BufferLoad(buffer, (IntImm("int32", 0),))


def _allreduce(stage, ranges, values, reduces, serial, partials, results, threads):
    """[the serial part of each thread's reduction, then] the allreduce under its scope."""
    combiner = reduces[0].combiner
    inputs = [_load(p) for p in partials] if serial else list(reduces[0].source)
    args = [IntImm("uint32", len(reduces)), *inputs, _op.const(True),
            *(_load(r) for r in results), *threads]
    call = Evaluate(Call("handle", "tir.tvm_thread_allreduce", tuple(args)))
    handle_zero = Call("handle", "tir.reinterpret", (IntImm("uint64", 0),))
    reduce_body = AttrStmt(combiner, "reduce_scope", handle_zero, call)
    if not serial:
        return reduce_body
    inits = [BufferStore(p, v, (IntImm("int32", 0),))
             for p, v in zip(partials, combiner.identity_element)]
    vmap = dict(zip(combiner.lhs, (_load(p) for p in partials)))
    vmap.update(zip(combiner.rhs, reduces[0].source))
    updates = [BufferStore(p, substitute(r, vmap), (IntImm("int32", 0),))
               for p, r in zip(partials, combiner.result)]
    preds = make_bound_check(stage, ranges, values, False, ())
    if not is_const(reduces[0].condition, 1):
        preds.append(reduces[0].condition)
    update = merge_nest(serial, merge_nest([make_if_nest(preds)], seq(*updates)))
    return seq(*inits, update, reduce_body)


def _store_results(stage, reduces, results, threads, condition):
    """`if predicate and thread == 0 and condition: B[i] = reduce_temp0[0]`."""
    args = tuple(iv.var for iv in stage.op.axis)
    stores = seq(*(ProducerStore(t, _load(r), args)
                   for t, r in zip(stage.op.outputs, results)))
    preds = [stage.store_predicate] if stage.store_predicate is not None else []
    preds += [_op.equal(t, _op.const(0, t.dtype)) for t in threads]
    preds.append(condition)
    return merge_nest([make_if_nest(preds)], stores)


def _allocate(buffer, body):
    return Allocate(buffer.data, buffer.dtype, buffer.shape, _op.const(True), body)
