"""TVM's AutoInlineElemWise / AutoInlineBroadcast / AutoInlineInjective: compute_inline
every stage the user has not scheduled yet, is not an output, and is a compute of the
kind named (what `tvm.te.schedule.AutoInline*` do before a default schedule).

elementwise: every tensor read is indexed by exactly the stage's own axes, in order;
broadcast: no reduction and the TOPI tag "broadcast"; injective: no reduction.
"""
from __future__ import annotations

from ..te.tensor import ComputeOp
from ..tir.expr import ProducerLoad
from ..tir.functor import post_order_visit
from .stage import ROOT


def auto_inline_elem_wise(sch):
    _inline_where(sch, _is_elem_wise)


def auto_inline_broadcast(sch):
    _inline_where(sch, lambda op: _is_injective(op) and op.tag == "broadcast")


def auto_inline_injective(sch):
    _inline_where(sch, _is_injective)


def _inline_where(sch, kind):
    for stage in sch.stages:
        if not _is_scheduled(stage) and kind(stage.op) and not stage.is_output:
            stage.compute_inline()


def _is_scheduled(stage):
    """TVM's Stage::is_scheduled: a primitive has touched the stage's loops or place."""
    untouched = (not stage.relations and stage.attach_type == ROOT
                 and not stage.iter_var_attrs
                 and len(stage.leaf_iter_vars) == len(stage.all_iter_vars)
                 and all(a is b for a, b in zip(stage.leaf_iter_vars, stage.all_iter_vars)))
    return not untouched


def _is_injective(op):
    return isinstance(op, ComputeOp) and not op.reduce_axis


def _is_elem_wise(op):
    if not isinstance(op, ComputeOp):
        return False
    axis_vars = [iv.var for iv in op.axis]
    loads = []
    for body in op.body:
        post_order_visit(body, lambda n: loads.append(n) if isinstance(n, ProducerLoad)
                         else None)
    return all(len(load.indices) == len(axis_vars)
               and all(i is v for i, v in zip(load.indices, axis_vars)) for load in loads)
