"""ScheduleOps: the whole program's loop nest from a normalized schedule and its bounds.

Stages are visited outputs first. A root stage becomes a pipeline around everything
built so far:

    AttrStmt(op, "realize_scope", scope)
      ProducerRealize(tensor, inferred bounds)
        seq(<the stage's loop nest>, <the stages after it>)

and a compute_at stage becomes the same pipeline around the body of the "loop_scope"
marker of its attachment loop. So stages attached at one loop appear in dataflow order.
A final pass removes the markers, maps the ops that normalize rewrote back to the user's
tensors and replaces thread-bound axes by their thread variable.
"""
from __future__ import annotations

from dataclasses import replace

from ..te.extern import ExternOp
from ..te.scan import ScanOp
from ..te.tensor import PlaceholderOp
from ..tir.expr import Call, StringImm
from ..tir.functor import Mutator
from ..tir.op import const
from ..tir.stmt import AttrStmt, ProducerRealize, seq
from .compute_stmt import make_compute_stmt
from .cross_thread_reduction import is_cross_thread_reduction, make_cross_thread_reduction
from .extern_stmt import extern_realize_bounds, make_extern_stmt
from .errors import ScheduleError, schedule_error
from .loop_nest import LOOP_SCOPE, NO_OP
from .scan_stmt import (INIT_SCOPE, UPDATE_SCOPE, InjectScanStep, init_scans,
                        make_scan_stmt, scan_realize_bounds, scan_replacements)
from .stage import INLINED, SCAN_UPDATE, SCOPE
from .tensorize import make_tensorize


def schedule_ops(sch, ranges):
    """The loop nest (a Stmt) of the normalized schedule `sch` with bounds `ranges`."""
    body = None
    first_computed_by = init_scans(sch)
    for stage in reversed(sch.stages):
        if stage.attach_type == INLINED or isinstance(stage.op, PlaceholderOp):
            continue
        spec = stage.attach_spec()          # a group member goes where its group goes
        _check_double_buffer_outside_scan(stage, spec)
        scan = spec.attach_stage if spec.attach_type == SCAN_UPDATE \
            else first_computed_by.get(stage.origin_op)
        if scan is not None:
            key = UPDATE_SCOPE if spec.attach_type == SCAN_UPDATE else INIT_SCOPE
            injector = InjectScanStep(scan.op, key, lambda c, s=stage: make_pipeline(
                s, ranges, c))
            body = injector.visit(body)
            if not injector.found:
                raise ScheduleError(f"stage '{stage.op.name}' belongs to scan "
                                    f"'{scan.op.name}', whose loop was not found")
        elif spec.attach_type == SCOPE:
            injector = _InjectAttach(stage, ranges, spec.attach_ivar)
            body = injector.visit(body)
            if not injector.found:
                raise ScheduleError(
                    f"compute_at on stage '{stage.op.name}', axis "
                    f"'{spec.attach_ivar.var.name}': the loop was not found in stage "
                    f"'{spec.attach_stage.op.name}'")
        else:
            body = make_pipeline(stage, ranges, body)
    return _PostProc(sch).visit(body)


def make_pipeline(stage, ranges, consumer):
    """Realize the stage's output around its loop nest followed by `consumer`."""
    op = stage.op
    if isinstance(op, ExternOp):
        producer = make_extern_stmt(stage)
    elif isinstance(op, ScanOp):
        producer = make_scan_stmt(stage, ranges)
    elif any(attr.tensor_intrin is not None for attr in stage.iter_var_attrs.values()):
        producer = make_tensorize(stage, ranges)
    elif is_cross_thread_reduction(stage):
        producer = make_cross_thread_reduction(stage, ranges)
    else:
        producer = make_compute_stmt(stage, ranges)
    if stage.double_buffered:
        producer = AttrStmt(op, "double_buffer_scope", const(1), producer)
    pipeline = producer if consumer is None or consumer is NO_OP else seq(producer, consumer)
    for tensor in reversed(op.outputs):
        bounds = _realize_bounds(op, tensor, ranges)
        pipeline = ProducerRealize(tensor, bounds, const(True), pipeline, stage.scope)
        pipeline = _align_dims(stage, tensor, pipeline)
    return AttrStmt(op, "realize_scope", StringImm(stage.scope), pipeline)


def _align_dims(stage, tensor, realize):
    """storage_align: one "buffer_dim_align" attribute per aligned dimension, with
    tvm_tuple(dimension, factor, offset), as TVM's BuildRealize."""
    for dim, iv in enumerate(stage.op.axis):
        attr = stage.iter_var_attrs.get(iv)
        if attr is not None and attr.dim_align_factor != 0:
            value = Call("handle", "tir.tvm_tuple", tuple(const(v) for v in (
                dim, attr.dim_align_factor, attr.dim_align_offset)))
            realize = AttrStmt(tensor, "buffer_dim_align", value, realize)
    return realize


def _realize_bounds(op, tensor, ranges):
    if isinstance(op, ExternOp):
        return extern_realize_bounds(tensor)
    if isinstance(op, ScanOp):
        return scan_realize_bounds(op, tensor.value_index, ranges)
    return tuple(ranges[iv] for iv in op.axis)


class _InjectAttach(Mutator):
    """Puts the stage's pipeline inside the loop_scope marker of its attachment loop."""

    def __init__(self, stage, ranges, loop):
        self.stage = stage
        self.ranges = ranges
        self.loop = loop
        self.found = False

    def visit_AttrStmt(self, node):
        node = self.generic_visit(node)
        if node.attr_key == LOOP_SCOPE and node.node is self.loop:
            self.found = True
            return replace(node, body=make_pipeline(self.stage, self.ranges, node.body))
        return node


class _PostProc(Mutator):
    """Drops loop_scope markers, restores the user's tensors, substitutes thread vars."""

    def __init__(self, sch):
        self.tensors = {}
        self.ops = {}
        self.thread_vars = {}
        self.launched = set()       # thread IterVars whose thread_extent encloses the visit
        for stage in sch.stages:
            if stage.op is not stage.origin_op:
                self.tensors.update(zip(stage.op.outputs, stage.origin_op.outputs))
                self.ops[stage.op] = stage.origin_op
            for iv, attr in stage.iter_var_attrs.items():
                if attr.bind_thread is not None:
                    self.thread_vars[iv.var] = attr.bind_thread.var
        # a scan's inits, updates and states are its output; theirs are not realized
        scan_tensors, self.unrealized = scan_replacements(sch)
        self.unrealized |= {t for t, origin in self.tensors.items()
                            if origin in self.unrealized}
        self.tensors.update(scan_tensors)
        for t, target in self.tensors.items():
            self.tensors[t] = self.tensors.get(target, target)
        self.unrealized_ops = {t.op for t in self.unrealized}

    def visit_AttrStmt(self, node):
        if node.attr_key in (LOOP_SCOPE, INIT_SCOPE):
            return self.visit(node.body)
        if node.attr_key == UPDATE_SCOPE:      # the scan axis is the loop's row
            self.thread_vars[node.node.scan_axis.var] = node.value
            return self.visit(node.body)
        if node.attr_key == "realize_scope" and node.node in self.unrealized_ops:
            return self.visit(node.body)
        if node.attr_key == "thread_extent":
            return self._launch(node)
        node = self.generic_visit(node)
        if node.attr_key in ("realize_scope", "double_buffer_scope") \
                and node.node in self.ops:
            return replace(node, node=self.ops[node.node])
        if node.attr_key == "buffer_dim_align" and node.node in self.tensors:
            return replace(node, node=self.tensors[node.node])
        if node.attr_key == "buffer_bind_scope" and node.node[1] in self.tensors:
            return replace(node, node=(node.node[0], self.tensors[node.node[1]]))
        return node

    def visit_Var(self, node):
        return self.thread_vars.get(node, node)

    def _launch(self, node):
        """A thread launched again inside its own launch (a stage attached under a bound
        loop binds the same thread) is the same thread: keep the outer launch only."""
        if node.node in self.launched:
            return self.visit(node.body)
        self.launched.add(node.node)
        try:
            return self.generic_visit(node)
        finally:
            self.launched.discard(node.node)

    def visit_ProducerLoad(self, node):
        node = self.generic_visit(node)
        return self._retarget(node)

    def visit_ProducerStore(self, node):
        return self._retarget(self.generic_visit(node))

    def visit_ProducerRealize(self, node):
        if node.producer in self.unrealized:
            return self.visit(node.body)
        node = self.generic_visit(node)
        bounds = tuple(replace(r, min=self.visit(r.min), extent=self.visit(r.extent))
                       for r in node.bounds)
        if any(a.min is not b.min or a.extent is not b.extent
               for a, b in zip(bounds, node.bounds)):
            node = replace(node, bounds=bounds)
        return self._retarget(node)

    def _retarget(self, node):
        tensor = self.tensors.get(node.producer)
        return node if tensor is None else replace(node, producer=tensor)


def _check_double_buffer_outside_scan(stage, spec):
    """A stage of a scan's body runs once per step, and step t + 1 reads what step t
    writes: its next iteration cannot be computed ahead, so it cannot be double buffered.
    (TVM does not check this; ours is refused when lowering, not by InferBound.)"""
    if stage.double_buffered and spec.attach_type == SCAN_UPDATE:
        raise schedule_error("double_buffer", stage, "the stage is computed in each step "
                             f"of scan '{spec.attach_stage.op.name}', whose next step reads "
                             "what this step writes, so the next step's stage cannot be "
                             "computed ahead")
