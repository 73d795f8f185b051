"""Schedule normalization (TVM's `Schedule::normalize`), run on a copy before lowering.

1. InjectInline: the body of every compute_inline'd stage is substituted into the
   stages that read it; those stages get new ops reading the inlined stage's inputs.
2. RebaseNonZeroMinLoop: every root axis still a loop is replaced by a rebased copy
   (same name) that starts at zero, so a stage computing rows [7, 14) loops over
   [0, 7) and reads row `y + 7`.
3. LegalizeInvalidAttach: a compute_at axis that was split (or fused as the inner
   part) after the compute_at moves to the inner part (the fused loop).

The user's schedule is left untouched, so lowering twice, or scheduling further after
printing, works as in TVM.
"""
from __future__ import annotations

from ..te.scan import ScanOp
from ..te.tensor import ComputeOp
from ..tir.expr import IterVar, Var
from .dataflow import replace_reads
from .errors import schedule_error
from ..tir.functor import Mutator
from .relations import Fuse, Rebase, Split
from .schedule import Schedule
from ..tir.functor import substitute
from .stage import INLINE, INLINED, SCOPE, Stage


def normalize(sch):
    """A normalized copy of `sch`."""
    copy = copy_schedule(sch)
    inject_inline(copy)
    rebase_non_zero_min_loops(copy)
    legalize_invalid_attach(copy)
    return copy


def copy_schedule(sch):
    """Copies of the stages and groups (lists, attributes, attachments, groups); ops and
    IterVars are shared."""
    result = Schedule(sch.outputs, [])
    copies = {}
    for s in sch.stages + sch.groups:
        c = type(s).__new__(type(s))
        c.__dict__.update(s.__dict__)
        c.schedule = result
        c.all_iter_vars = list(s.all_iter_vars)
        c.leaf_iter_vars = list(s.leaf_iter_vars)
        c.relations = list(s.relations)
        c.launched_threads = list(s.launched_threads)
        c.iter_var_attrs = {iv: attr.copy() for iv, attr in s.iter_var_attrs.items()}
        copies[id(s)] = c
    for c in copies.values():
        if c.attach_stage is not None:
            c.attach_stage = copies[id(c.attach_stage)]
        if c.group is not None:
            c.group = copies[id(c.group)]
    result.stages = [copies[id(s)] for s in sch.stages]
    result.groups = [copies[id(g)] for g in sch.groups]
    result.stage_map = {s.origin_op: s for s in result.stages}
    return result


class _Inliner(Mutator):
    """Replaces reads of `tensor` by `body` with the axes bound to the read's indices."""

    def __init__(self, tensor, axis_vars, body):
        self.tensor = tensor
        self.axis_vars = axis_vars
        self.body = body

    def visit_ProducerLoad(self, node):
        node = self.generic_visit(node)
        if node.producer is not self.tensor:
            return node
        return substitute(self.body, dict(zip(self.axis_vars, node.indices)))


def inject_inline(sch):
    """Substitute inlined stages into their consumers (later stages first)."""
    bodies = {}
    for i in range(len(sch.stages) - 1, -1, -1):
        stage = sch.stages[i]
        if stage.attach_type != INLINE:
            continue
        _check_inlinable(stage)
        if _read_whole(stage, sch.stages[i + 1:]):
            stage.to_root()
            continue
        stage.attach_type = INLINED
        op = stage.op
        inliner = _Inliner(op.output(0), [iv.var for iv in op.axis], op.body[0])
        for consumer in sch.stages[i + 1:]:
            if isinstance(consumer.op, ComputeOp):
                body = bodies.get(consumer, consumer.op.body)
                bodies[consumer] = tuple(inliner.visit(b) for b in body)
    replacements = {}
    for stage in sch.stages:
        if stage.attach_type == INLINED:
            continue
        if isinstance(stage.op, ScanOp):         # a scan reads its rewritten update
            new_op = stage.op.with_inputs(replacements)
        elif isinstance(stage.op, ComputeOp):
            new_op = stage.op.with_body(tuple(replace_reads(b, replacements)
                                              for b in bodies.get(stage, stage.op.body)))
        else:
            continue
        if new_op is not stage.op:
            replacements.update(zip(stage.op.outputs, new_op.outputs))
            stage.op = new_op


def _check_inlinable(stage):
    """TVM's InjectInline rules (raised when lowering, as TVM raises them), and an output
    (which TVM would silently leave uncomputed) is refused too."""
    op = stage.op
    rule = ("only a compute can be inlined" if not isinstance(op, ComputeOp) else
            "a reduction cannot be inlined" if op.reduce_axis else
            "a compute with several outputs cannot be inlined" if op.num_outputs > 1 else
            "an output of the schedule cannot be inlined" if stage.is_output else None)
    if rule is not None:
        raise schedule_error("compute_inline", stage, rule)


def _read_whole(stage, later):
    """True when an extern op reads the stage's output, which TVM's InjectInline then
    leaves computed (an extern op reads its inputs as buffers); a scan reading it (its
    update) cannot do without it either, which TVM does not check: refused."""
    readers = [c.op for c in later if not isinstance(c.op, ComputeOp)
               and any(t.op is stage.op for t in c.op.input_tensors)]
    for reader in readers:
        if isinstance(reader, ScanOp):
            raise schedule_error("compute_inline", stage, f"scan '{reader.name}' reads it "
                                 "as a whole tensor (its init or update); it cannot be "
                                 "inlined")
    return bool(readers)


def rebase_non_zero_min_loops(sch):
    """Give every root axis that is still a loop a zero-based copy (a Rebase relation)."""
    rebased = {}
    for stage in sch.stages:
        if stage.attach_type == INLINED:
            continue
        for iv in stage.op.root_iter_vars:
            attr = stage.iter_var_attrs.get(iv)
            if attr is not None and attr.bind_thread is not None:
                continue
            pos = next((k for k, leaf in enumerate(stage.leaf_iter_vars) if leaf is iv), None)
            if pos is None:
                continue
            new = IterVar(None, Var(iv.var.name, iv.var.dtype), iv.iter_type)
            stage.relations.append(Rebase(iv, new))
            stage.all_iter_vars.append(new)
            if attr is not None:
                stage.iter_var_attrs[new] = attr
            stage.leaf_iter_vars[pos] = new
            rebased[iv] = new
    for stage in sch.stages + sch.groups:
        if stage.attach_type == SCOPE and stage.attach_ivar in rebased:
            stage.attach_ivar = rebased[stage.attach_ivar]


def legalize_invalid_attach(sch):
    """Move attachments to axes that were split or fused away onto what replaced them."""
    for stage in sch.stages + sch.groups:
        if stage.attach_type != SCOPE:
            continue
        parent, ivar = stage.attach_stage, stage.attach_ivar
        while not any(iv is ivar for iv in parent.leaf_iter_vars):
            moved = _replacement(parent, ivar)
            if moved is None:
                break
            ivar = moved
        stage.attach_ivar = ivar


def _replacement(stage, ivar):
    for rel in stage.relations:
        if isinstance(rel, Split) and rel.parent is ivar:
            return rel.inner
        if isinstance(rel, Fuse) and rel.inner is ivar:
            return rel.fused
    return None
