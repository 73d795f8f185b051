"""cache_read and cache_write: a stage that copies a tensor into, or computes it in,
another memory scope (TVM's `Schedule::cache_read` and `CacheWriteWithReLayout` in
`schedule_dataflow_rewrite.cc`). Both rewrite the dataflow when called, so call them
before the other primitives of the stages they touch.

    AA = s.cache_read(A, "local", [C])      A --> C    becomes    A --> A.local --> C
        A.local[ax0, ax1] = A[ax0, ax1], placed after A's stage; C reads A.local.

    CL = s.cache_write(C, "local")          C = f(...)  becomes   C.local = f(...)
                                                                  C = C.local[...]
        C.local takes C's body (a reduction included) and its loops as they are now,
        one axis per data-parallel loop ("i.outer.c", "i.inner.c"...): data split by
        C's schedule is stored in that layout (relayout), and C itself becomes a copy
        reading it back, with a fresh schedule. C.local is placed before C's stage.
"""
from __future__ import annotations

from dataclasses import replace

from ..arith import Analyzer
from ..te.tensor import ComputeOp, Operation, Tensor
from ..tir import op as _op
from ..tir.expr import IntImm, IterVar, IterVarType, ProducerLoad, Range, Reduce, Var
from ..tir.functor import substitute
from .dataflow import (record_replacement, replace_data_flow, replace_inputs, replace_op,
                       stage_of)
from .errors import ScheduleError, argument_error, schedule_error
from .loop_nest import make_bound_check
from .message_passing import pass_down_domain, pass_down_index, pass_up_index
from .stage import Stage, scan_group


def cache_read(sch, tensor, scope, readers):
    """The new cache tensor `<tensor>.<scope>`, which `readers` read instead of `tensor`."""
    stage = stage_of(sch, "cache_read", tensor)
    stage.check_scope("cache_read", scope)
    reader_stages = []
    for reader in _as_list(readers):      # a reader named twice is rewritten once
        found = _reader_stage(sch, stage, reader)
        if not any(found is r for r in reader_stages):
            reader_stages.append(found)
    if not reader_stages:
        # a cache nobody reads would be computed over its whole shape, where the
        # cached stage may be computed over less
        raise argument_error("cache_read", stage, "readers", "must name at least one "
                             "stage reading the tensor", readers)
    source = stage.op.output(tensor.value_index)
    base = stage.op.name if stage.op.num_outputs == 1 \
        else f"{stage.op.name}.v{tensor.value_index}"
    cache = _copy_op(_unique_name(sch, base, scope), source).output(0)
    # every reader is checked before any is rewritten: a refused call changes nothing
    new_ops = [replace_inputs(reader.op, {source: cache}) for reader in reader_stages]
    for reader, new_op in zip(reader_stages, new_ops):
        if new_op is reader.op:
            raise schedule_error("cache_read", stage, f"stage '{reader.op.name}' does not "
                                 f"read tensor '{tensor.op.name}'")
    vmap, rvmap = {}, {}
    for reader, new_op in zip(reader_stages, new_ops):
        record_replacement(vmap, rvmap, reader.op, new_op)
        reader.op = new_op
    replace_data_flow(sch.stages, vmap, rvmap)
    cache_stage = _insert_stage(sch, cache.op, stage, sch.stages.index(stage) + 1, scope)
    _join_scan_of_state(cache_stage, source, reader_stages)
    return cache


def _join_scan_of_state(cache_stage, source, reader_stages):
    """A copy of a scan's state read inside the scan's body is part of the body (it is
    on a path from the update to the state): it copies each step's rows in the loop.
    TVM would leave it in the state placeholder's group, outside the scan."""
    for reader in reader_stages:
        body = scan_group(reader)
        if body is not None and any(source is t for t
                                    in body.attach_stage.op.state_placeholder):
            cache_stage.group = body
            cache_stage.to_root()
            return


def _as_list(readers):
    return list(readers) if isinstance(readers, (list, tuple)) else [readers]


def _reader_stage(sch, stage, reader):
    op = reader.op if isinstance(reader, Tensor) else reader
    found = sch.stage_map.get(op) if isinstance(op, Operation) else None
    if found is None:
        raise schedule_error("cache_read", stage, f"reader {reader!r} is not an operation "
                             "or tensor of this schedule")
    return found


def _unique_name(sch, base, scope):
    """`base.scope`, with `.d` added to base while a stage already has that name."""
    names = {s.op.name for s in sch.stages}
    while f"{base}.{scope}" in names:
        base += ".d"
    return f"{base}.{scope}"


def _copy_op(name, source):
    """`name[ax0, ax1, ...] = source[ax0, ax1, ...]`, axes named as TVM's C++ compute."""
    axis = [IterVar(Range(IntImm("int32", 0), extent), Var(f"ax{k}"), IterVarType.DATA_PAR)
            for k, extent in enumerate(source.shape)]
    return ComputeOp(name, "", {}, axis, ProducerLoad(source, tuple(iv.var for iv in axis)))


def _insert_stage(sch, op, home, position, scope):
    stage = Stage(op, sch, False)
    sch.stages.insert(position, stage)
    sch.stage_map[op] = stage
    stage.join(home)
    stage.set_scope(scope)
    return stage


def cache_write(sch, tensor, scope):
    """The cache tensor `<tensor>.<scope>` computing `tensor`'s body in its current loop
    layout; `tensor` (or a list of all the outputs of one compute) becomes a copy of it."""
    tensors = _as_list(tensor)
    if not tensors:
        raise ScheduleError("cache_write: give a tensor or a list of the outputs of one "
                            "compute")
    stage = stage_of(sch, "cache_write", tensors[0])
    for t in tensors[1:]:
        if stage_of(sch, "cache_write", t) is not stage:
            raise schedule_error("cache_write", stage, f"tensor '{t.op.name}' is not an "
                                 "output of this stage; all tensors must come from one "
                                 "compute")
    stage.check_scope("cache_write", scope)
    op = stage.op
    if not isinstance(op, ComputeOp):
        raise schedule_error("cache_write", stage, "only a compute can be cached for writing")
    if len(tensors) != op.num_outputs:
        raise schedule_error("cache_write", stage, f"give all {op.num_outputs} outputs of "
                             f"the stage, got {len(tensors)}")
    cache_op, new_op = _relayout(stage, scope)
    replace_op(sch, stage, new_op)
    _insert_stage(sch, cache_op, stage, sch.stages.index(stage), scope)
    return list(cache_op.outputs) if isinstance(tensor, (list, tuple)) \
        else cache_op.output(0)


def _relayout(stage, scope):
    """(cache op, the stage's new op reading it): TVM's PrepareAxisMapping and the body
    and index rewrites of CacheWriteWithReLayout."""
    op = stage.op
    ranges = {iv: iv.dom for iv in op.axis}
    pass_down_domain(stage, ranges, Analyzer(), allow_missing=True)
    values, new_axis, to_new = {}, [], {}
    for iv in stage.leaf_iter_vars:
        if iv in op.reduce_axis:
            continue
        if iv.iter_type != IterVarType.DATA_PAR or iv not in ranges:
            raise schedule_error("cache_write", stage, "can only relayout data-parallel "
                                 "loops; the loop derives from a reduction axis (call "
                                 "cache_write before splitting or fusing reductions)", iv)
        new = IterVar(ranges[iv], Var(iv.var.name + ".c", iv.var.dtype), IterVarType.DATA_PAR)
        new_axis.append(new)
        values[iv] = iv.var
        to_new[iv.var] = new.var
    pass_up_index(stage, ranges, values, allow_missing=True)
    predicates = make_bound_check(stage, ranges, values, True, set(op.reduce_axis))
    to_leaves = {iv.var: values[iv] for iv in op.axis if iv in values}
    bodies = [substitute(_inject_predicates(predicates, substitute(b, to_leaves)), to_new)
              for b in op.body]
    if isinstance(bodies[0], Reduce):
        # one tuple reduction: every output shares the first one's parts
        bodies = [replace(bodies[0], value_index=k, init=b.init) for k, b in enumerate(bodies)]
    cache_op = ComputeOp(f"{op.name}.{scope}", op.tag, op.attrs, new_axis, bodies)
    reads = {iv: iv.var for iv in op.axis}
    pass_down_index(stage, ranges, reads)
    args = tuple(reads[iv] for iv in stage.leaf_iter_vars if iv not in op.reduce_axis)
    new_op = ComputeOp(op.name, op.tag, op.attrs, op.axis,
                       [ProducerLoad(t, args) for t in cache_op.outputs])
    return cache_op, new_op


def _inject_predicates(predicates, body):
    """TVM's InjectPredicate: a reduction gets them as its condition, other bodies are
    zero outside them. TVM uses a Select there, which evaluates the body on the padded
    rows too and so reads past the inputs; `if_then_else` reads only inside them."""
    if not predicates:
        return body
    if isinstance(body, Reduce):
        condition = body.condition
        for p in predicates:
            condition = _op.logical_and(condition, p)
        return replace(body, condition=condition)
    return _op.if_then_else(_op.all(*predicates), body, _op.const(0, body.dtype))
