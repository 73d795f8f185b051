"""Rewriting which tensors the operations of a schedule read (TVM's `ReplaceInputs` and
`ReplaceDataFlow` in `schedule_dataflow_rewrite.cc`).

The dataflow rewrites (cache_read, cache_write, rfactor) and normalize's inlining give a
stage a new op; every stage reading the old op's tensor must then read the new one, and
so on down the graph. A stage whose op is replaced keeps its `origin_op`, so the user's
tensors still name it (`s[C]`) and lowering maps the new tensors back to them.
`replace_op` does all of it for a stage whose op a rewrite replaces, and gives the stage
a fresh schedule over the new op's axes (its old loops no longer exist).
"""
from __future__ import annotations

from ..te.scan import ScanOp
from ..te.tensor import ComputeOp, Tensor
from ..tir.expr import ProducerLoad
from ..tir.functor import Mutator
from .errors import ScheduleError


class _ReplaceReads(Mutator):
    def __init__(self, vmap):
        self.vmap = vmap

    def visit_ProducerLoad(self, node):
        node = self.generic_visit(node)
        new = self.vmap.get(node.producer)
        return node if new is None else ProducerLoad(new, node.indices)


def replace_reads(expr, vmap):
    """`expr` reading `vmap[t]` wherever it read tensor `t`."""
    return _ReplaceReads(vmap).visit(expr) if vmap else expr


def replace_inputs(op, vmap):
    """`op` reading `vmap[t]` instead of each tensor `t`; `op` itself when it reads none."""
    if isinstance(op, ScanOp):
        return op.with_inputs(vmap)
    if not isinstance(op, ComputeOp):
        return op
    return op.with_body(tuple(replace_reads(b, vmap) for b in op.body))


def replace_data_flow(stages, vmap, rvmap):
    """Give every stage reading a tensor of `vmap` ({old: new tensor}) a new op, and add
    that op's tensors to `vmap` so the stages after it follow; `rvmap` ({new: original})
    keeps `vmap` keyed by the original tensors when a tensor is replaced twice."""
    for stage in stages:
        op = replace_inputs(stage.op, vmap)
        if op is stage.op:
            continue
        for old, new in zip(stage.op.outputs, op.outputs):
            original = rvmap.get(old)
            if original is not None:
                vmap[original] = new
            else:
                vmap[old] = new
                rvmap[new] = old
        stage.op = op


def record_replacement(vmap, rvmap, old_op, new_op):
    """Map each output of `old_op` to `new_op`'s, both ways."""
    for old, new in zip(old_op.outputs, new_op.outputs):
        vmap[old] = new
        rvmap[new] = old


def stage_of(sch, primitive, tensor):
    """The stage computing `tensor`, or an error naming `primitive`."""
    if not isinstance(tensor, Tensor):
        raise ScheduleError(f"{primitive}: expected a te.Tensor, got {tensor!r}")
    stage = sch.stage_map.get(tensor.op)
    if stage is None:
        raise ScheduleError(f"{primitive}: tensor '{tensor.op.name}' is not computed by "
                            "this schedule")
    return stage


def replace_op(sch, stage, new_op):
    """Everything reading the stage now reads `new_op`, which gets a fresh schedule."""
    vmap, rvmap = {}, {}
    record_replacement(vmap, rvmap, stage.op, new_op)
    replace_data_flow(sch.stages, vmap, rvmap)
    reset_stage(stage, new_op)


def reset_stage(stage, new_op):
    """The stage computes `new_op` over its own axes, with no schedule yet."""
    stage.op = new_op
    stage.all_iter_vars = list(new_op.root_iter_vars)
    stage.leaf_iter_vars = list(new_op.root_iter_vars)
    stage.relations = []
    stage.iter_var_attrs = {}

