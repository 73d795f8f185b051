"""Scans in the schedule (TVM's ScanOp BuildProvide/BuildRealize, PropBoundToInputs,
GatherBound, ScanGetBody and InjectScanStep).

The scan stage loops over its scan axis only (its spatial axes are opaque):

    AttrStmt(scan, "scan_init_scope", 0)              <- the init stages go here
      for scan.idx in range(extent):                  (rebased from the axis minimum)
        AttrStmt(scan, "scan_update_scope", scan.idx + min)   <- the update stages here

The init stages are computed once, before the loop; the scan's body (the ops between
its state placeholders or `inputs` and its updates) is computed inside it, each row at
the scan index. Afterwards every init, update and state placeholder tensor is the scan's
output: their realizes disappear and their accesses go to the output.
"""
from __future__ import annotations

from dataclasses import replace

from ..arith.int_set import IntSet, union
from ..te.scan import ScanOp
from ..tir import op as _op
from ..tir.expr import IntImm, Range
from ..tir.functor import Mutator
from ..tir.stmt import AttrStmt
from .graph import sub_graph
from .loop_nest import NO_OP, make_bound_check, make_if_nest, make_loop_nest, merge_nest
from .substitute import substitute_iter_vars

INIT_SCOPE, UPDATE_SCOPE = "scan_init_scope", "scan_update_scope"


def scan_body(op):
    """The ops computed inside the scan loop: those on a path from an update back to a
    state placeholder or an input of the scan (TVM's ScanGetBody)."""
    return sub_graph([t.op for t in op.update],
                     [t.op for t in op.state_placeholder + op.inputs])


def make_scan_stmt(stage, ranges):
    """The scan's loop over its axis, with the init and update markers."""
    op = stage.op
    values = {}
    nest = make_loop_nest(stage, ranges, 0, False, (), values)
    nest[0].append(AttrStmt(op, INIT_SCOPE, IntImm("int32", 0), NO_OP))
    nest.append(make_if_nest(make_bound_check(stage, ranges, values, False, ())))
    update = AttrStmt(op, UPDATE_SCOPE, op.scan_axis.var, NO_OP)
    return substitute_iter_vars(merge_nest(nest, update), values)


def scan_realize_bounds(op, k, ranges):
    """Output `k` is realized from row 0 to the last row the scan computes."""
    r = ranges[op.scan_axis]
    rows = Range(_op.const(0, r.min.dtype), r.min + r.extent)
    return (rows,) + tuple(ranges[iv] for iv in op.spatial_axes_of(k))


def scan_region_reads(op, tensor, dom):
    """Per dimension of `tensor` (an init or update of `op`), what the scan reads of it
    when its axes range over `dom`: the init rows whole, the update at the scan rows."""
    for k, (init, update) in enumerate(zip(op.init, op.update)):
        if tensor is init or tensor is update:
            rows = (IntSet.interval(_op.const(0, init.shape[0].dtype), init.shape[0] - 1)
                    if tensor is init else dom[op.scan_axis.var])
            return [[rows]] + [[dom[iv.var]] for iv in op.spatial_axes_of(k)]
    return [[] for _ in tensor.shape]


def scan_root_bounds(op, time_sets, ranges):
    """The scan axis covers the rows consumers read (from its minimum on); the spatial
    axes their whole extent (TVM narrows them by a fix-point analysis, which only
    saves work)."""
    dom = op.scan_axis.dom
    if time_sets:
        r = union(time_sets).cover_range(dom)
        ranges[op.scan_axis] = Range(dom.min, r.min + r.extent - dom.min)
    else:
        ranges[op.scan_axis] = dom
    for iv in op.spatial_axis:
        ranges[iv] = iv.dom


class InjectScanStep(Mutator):
    """Puts `stage`'s pipeline (built by `make`) in the init or update marker of `scan`."""

    def __init__(self, scan, key, make):
        self.scan, self.key, self.make = scan, key, make
        self.found = False

    def visit_AttrStmt(self, node):
        node = self.generic_visit(node)
        if node.attr_key == self.key and node.node is self.scan:
            self.found = True
            return replace(node, body=self.make(node.body))
        return node


def init_scans(sch):
    """{init op (as the user declared it): the scan stage computing it first}."""
    return {t.op: s for s in sch.stages if isinstance(s.op, ScanOp) for t in s.op.init}


def scan_replacements(sch):
    """({tensor: scan output} for every init, update and state placeholder, the set of
    init and update tensors whose realize disappears)."""
    tensors, dropped = {}, set()
    for s in sch.stages:
        if not isinstance(s.op, ScanOp):
            continue
        for k, out in enumerate(s.origin_op.outputs):
            for t in (s.op.init[k], s.op.update[k], s.op.state_placeholder[k]):
                tensors[t] = out
            dropped.update((s.op.init[k], s.op.update[k]))
    return tensors, dropped
