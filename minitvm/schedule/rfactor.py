"""rfactor: split a reduction in two stages over a factored reduction axis (TVM's
`Schedule::rfactor` in `schedule_dataflow_rewrite.cc`).

    ko, ki = s[B].split(k, factor=16)        B[i] = sum(A[i, k], k)
    BF = s.rfactor(B, ki)                    becomes
        B.rf[ki, i] = sum(A[i, ko*16 + ki], ko)      where ko*16 + ki < m   (ki: data axis)
        B[ax0]      = sum(B.rf[ki.v, ax0], ki.v)

The factored axis (`axis`, a leaf of the reduction's loops) becomes a data-parallel axis
of the new stage `<name>.rf`, at position `factor_axis`; the other reduction loops
derived from the same axes stay its reduction axes (a leaf split part keeps its range).
The original stage becomes a reduction over `<axis>.v` of B.rf, with a fresh schedule;
the new stage is placed before it, also with a fresh schedule.
"""
from __future__ import annotations

from ..arith import Analyzer
from ..te.tensor import ComputeOp
from ..tir import op as _op
from ..tir.expr import IntImm, IterVar, IterVarType, ProducerLoad, Range, Reduce, Var
from ..tir.functor import substitute
from .dataflow import replace_op, stage_of
from .errors import argument_error, schedule_error
from .loop_nest import likely, make_bound_check
from .message_passing import (is_const, pass_down_bitmask_or, pass_down_domain,
                              pass_up_bitmask_or, pass_up_index)
from .stage import Stage


def rfactor(sch, tensor, axis, factor_axis=0):
    """The factored tensor (a list for a multi-output reduction)."""
    stage = stage_of(sch, "rfactor", tensor)
    op = stage.op
    stage._leaf_position("rfactor", axis)
    if not isinstance(op, ComputeOp) or not op.reduce_axis:
        raise schedule_error("rfactor", stage, "only a reduction compute can be factored",
                             axis)
    if axis.iter_type != IterVarType.COMM_REDUCE:
        raise schedule_error("rfactor", stage, "only a reduction axis can be factored",
                             axis)
    touched = _touched_axes(stage, axis)
    ranges = {iv: iv.dom for iv in op.reduce_axis if iv in touched}
    pass_down_domain(stage, ranges, Analyzer(), allow_missing=True)
    if not is_const(ranges[axis].min, 0):
        raise schedule_error("rfactor", stage, "the factored axis must start at 0", axis)
    position = _factor_position(stage, axis, factor_axis)
    factor_op = _factored_op(stage, tensor, axis, touched, ranges, position)
    repl_op = _combining_op(stage, factor_op, ranges[axis], axis, position)
    factor_stage = Stage(factor_op, sch, False)
    factor_stage.join(stage)
    sch.stages.insert(sch.stages.index(stage), factor_stage)
    sch.stage_map[factor_op] = factor_stage
    replace_op(sch, stage, repl_op)
    outputs = list(factor_op.outputs)
    return outputs[0] if len(outputs) == 1 else outputs


def _touched_axes(stage, axis):
    """The reduction axes and loops `axis` derives from or shares a loop with."""
    flags = {axis: 1}
    pass_up_bitmask_or(stage, flags)
    pass_down_bitmask_or(stage, flags)
    touched = {iv for iv, flag in flags.items() if flag}
    for iv in stage.op.axis:
        if iv in touched:
            raise schedule_error("rfactor", stage, f"the axis is fused with the "
                                 f"data-parallel axis '{iv.var.name}'; only reduction "
                                 "loops can be factored", axis)
    return touched


def _factor_position(stage, axis, factor_axis):
    ndim = len(stage.op.axis)
    if isinstance(factor_axis, bool) or not isinstance(factor_axis, int) \
            or not -(ndim + 1) <= factor_axis <= ndim:
        raise argument_error("rfactor", stage, "factor_axis", f"must be an int in "
                             f"[{-(ndim + 1)}, {ndim}]", factor_axis)
    return factor_axis if factor_axis >= 0 else ndim + 1 + factor_axis


def _factored_op(stage, tensor, axis, touched, ranges, position):
    """`<name>.rf`: the reduction with `axis` as a data-parallel axis at `position`."""
    op = stage.op
    values = {}
    for iv in stage.leaf_iter_vars:
        if iv in touched:
            values[iv] = ranges[iv].min if is_const(ranges[iv].extent, 1) else iv.var
    pass_up_index(stage, ranges, values, allow_missing=True)
    skip = set(op.axis) | {iv for iv in op.reduce_axis if iv not in touched}
    reduce = op.body[tensor.value_index]
    predicates = make_bound_check(stage, ranges, values, True, skip) + [reduce.condition]
    predicate = likely(_op.all(*predicates))
    new_axis = list(op.axis)
    new_axis.insert(position, IterVar(ranges[axis], axis.var, IterVarType.DATA_PAR))
    reduce_axis = [iv for iv in op.reduce_axis if iv not in touched]
    reduce_axis += [IterVar(ranges[iv], iv.var, iv.iter_type) for iv in stage.leaf_iter_vars
                    if iv in touched and iv is not axis]
    vsub = {iv.var: values[iv] for iv in op.reduce_axis if iv in touched}
    source = tuple(substitute(e, vsub) for e in reduce.source)
    condition = substitute(predicate, vsub)
    bodies = [Reduce(reduce.combiner, source, tuple(reduce_axis), condition, k, ())
              for k in range(len(source))]
    return ComputeOp(op.name + ".rf", "", {}, new_axis, bodies)


def _combining_op(stage, factor_op, axis_range, axis, position):
    """The stage's new op: the reduction of the factored tensors over `<axis>.v`."""
    op = stage.op
    reduce = op.body[0]
    red = IterVar(axis_range, Var(axis.var.name + ".v"), IterVarType.COMM_REDUCE)
    new_axis = [IterVar(Range(IntImm("int32", 0), e), Var(f"ax{k}"), IterVarType.DATA_PAR)
                for k, e in enumerate(op.outputs[0].shape)]
    indices = [iv.var for iv in new_axis]
    indices.insert(position, red.var)
    source = tuple(ProducerLoad(t, tuple(indices)) for t in factor_op.outputs)
    to_new = {old.var: new.var for old, new in zip(op.axis, new_axis)}
    init = tuple(substitute(e, to_new) for e in reduce.init)
    bodies = [Reduce(reduce.combiner, source, (red,), _op.const(True), k, init)
              for k in range(len(source))]
    return ComputeOp(op.name + ".repl", op.tag, op.attrs, new_axis, bodies)
