"""Tensorize (TVM's `MakeTensorize`): replace the loops from the tensorized axis inward
by a tensor intrinsic.

1. Region: with the loops outside the axis fixed and those inside ranging fully, find
   the output region one intrinsic call computes and the input regions it reads.
2. Match: rewrite the stage's body onto the intrinsic's tensors and axes (a region
   [min, min+extent) becomes the intrinsic's [0, extent); leading extent-1 dimensions
   are dropped) and require it to equal the intrinsic's declared body.
3. Build: the loops outside the axis around the intrinsic's statements, each buffer
   bound to its region by `AttrStmt((buffer, tensor), "buffer_bind_scope",
   tvm_tuple(min0, extent0, ...))`. When the axis lies inside the reduction loops, the
   intrinsic's reset goes in the `.init` nest and its update in the main nest.
"""
from __future__ import annotations

from ..arith import Analyzer
from ..arith.int_set import IntSet, union
from ..tir.analysis import expr_deep_equal
from ..tir import op as _op
from ..tir.expr import Call, IterVarType, ProducerLoad, Reduce, Var
from ..tir.functor import Mutator, post_order_visit
from ..tir.stmt import AttrStmt, For, IfThenElse, LetStmt, seq
from .bound import region_reads
from .compute_stmt import compute_loop_nest
from .errors import TensorizeError, schedule_error
from .loop_nest import NO_OP, likely, make_if_nest, merge_nest
from .message_passing import is_const, pass_up_domain
from ..tir.functor import substitute
from .substitute import substitute_iter_vars


def make_tensorize(stage, ranges):
    """The statement computing `stage` with its tensorized axis replaced by the intrinsic."""
    tloc, out_dom, in_region = _infer_region(stage, ranges)
    axis = stage.leaf_iter_vars[tloc]
    intrin = stage.iter_var_attrs[axis].tensor_intrin

    def error(rule):
        return schedule_error("tensorize", stage, f"intrinsic '{intrin.name}': {rule}", axis,
                              cls=TensorizeError)

    n = compute_loop_nest(stage, ranges)
    _verify_loop_nest(stage, n, tloc, error)
    _verify_body(stage, n.main_values, ranges, out_dom, in_region, intrin, error)
    op = stage.op
    inputs = op.input_tensors
    input_binds = [[_bind(buf, t, in_region[t]) for buf, t in zip(intrin.buffers, inputs)]]
    output_binds = [[_bind(intrin.buffers[len(inputs)], op.output(0),
                           [out_dom[iv] for iv in op.axis])]]
    vmap = _reduce_extent_binds(op, intrin, out_dom, error)

    def bound(stmt, values, with_inputs=True):
        stmt = merge_nest(output_binds, stmt)
        if with_inputs:
            stmt = substitute(merge_nest(input_binds, stmt), vmap)
        return substitute_iter_vars(stmt, values)

    main = n.main_nest
    if tloc <= n.num_common_loop:
        if intrin.body is None:
            raise error("the intrinsic declares no body statement")
        nest = main[:tloc + 1] + [make_if_nest(n.main_predicates)]
        return merge_nest(nest, bound(intrin.body, n.main_values))
    if intrin.reduce_update is None:
        raise error("the axis lies inside the reduction loops but the intrinsic declares "
                    "no update statement")
    common = main[:n.num_common_loop + 1]
    update_nest = main[n.num_common_loop + 1:tloc + 1] + [make_if_nest(n.main_predicates)]
    if intrin.reduce_init is not None:
        init_nest = n.init_nest[:tloc + 1] + [make_if_nest(n.init_predicates)]
        init = merge_nest(init_nest, bound(intrin.reduce_init, n.init_values, False))
        update = merge_nest(update_nest, bound(intrin.reduce_update, n.main_values))
        return merge_nest(common, seq(init, update))
    if intrin.body is None:
        raise error("the intrinsic declares neither a reset nor a body statement")
    update = _first_iteration_switch(stage, ranges, tloc, n, intrin, error)
    return merge_nest(common, merge_nest(update_nest, bound(update, n.main_values)))


def _bind(buffer, tensor, region):
    args = []
    for r in region:
        args += [r.min, r.extent]
    return AttrStmt((buffer, tensor), "buffer_bind_scope",
                    Call("handle", "tir.tvm_tuple", tuple(args)), NO_OP)


def _infer_region(stage, ranges):
    """(position of the tensorized leaf, {root IterVar: Range} computed by one call,
    {input tensor: [Range]} read by it)."""
    sets, tloc = {}, None
    for k in range(len(stage.leaf_iter_vars) - 1, -1, -1):
        iv = stage.leaf_iter_vars[k]
        r = ranges[iv]
        if is_const(r.extent, 1):
            sets[iv] = IntSet.point(r.min)
        elif tloc is not None:
            sets[iv] = IntSet.point(iv.var)
        else:
            sets[iv] = IntSet.from_range(r)
        attr = stage.iter_var_attrs.get(iv)
        if attr is not None and tloc is None:
            if attr.bind_thread is not None:
                raise schedule_error("tensorize", stage, "a loop inside the tensorized "
                                     "scope is bound to a thread", iv, cls=TensorizeError)
            if attr.tensor_intrin is not None:
                tloc = k
    pass_up_domain(stage, ranges, sets)
    op = stage.op
    out_dom = {iv: sets[iv].cover_range(ranges[iv]) for iv in op.root_iter_vars}
    dom = {iv.var: sets[iv] for iv in op.root_iter_vars}
    in_region = {}
    for t in op.input_tensors:
        regions = region_reads(op, t, dom)
        in_region[t] = [union(s).cover_range(None) for s in regions]
        if any(r is None for r in in_region[t]):
            raise schedule_error("tensorize", stage, f"cannot bound the region of "
                                 f"'{t.name}' read by one intrinsic call",
                                 stage.leaf_iter_vars[tloc], cls=TensorizeError)
    return tloc, out_dom, in_region


def _verify_loop_nest(stage, n, tloc, error):
    """Bound checks of non-dividing splits may not depend on loops being replaced."""
    banned = set()
    for levels in (n.main_nest, n.init_nest):
        for level in levels[tloc + 1:]:
            for s in level:
                if isinstance(s, For):
                    banned.add(s.loop_var)
                elif isinstance(s, LetStmt):
                    banned.add(s.var)
                elif isinstance(s, AttrStmt) and hasattr(s.node, "var"):
                    banned.add(s.node.var)
    for pred in n.main_predicates + n.init_predicates:
        used = []
        post_order_visit(pred, lambda e: used.append(e) if isinstance(e, Var) else None)
        if any(v in banned for v in used):
            raise error("a split inside the tensorized loops does not divide its axis, so "
                        "their iterations are guarded, which an intrinsic cannot be")


def _reduce_extent_binds(op, intrin, out_dom, error):
    """Map the intrinsic's symbolic reduction bounds to the region's (checking constants)."""
    ana = Analyzer()
    intrin_axes = intrin.op.reduce_axis
    if len(op.reduce_axis) < len(intrin_axes):
        raise error(f"the stage has {len(op.reduce_axis)} reduction axes, the intrinsic "
                    f"{len(intrin_axes)}")
    start = len(op.reduce_axis) - len(intrin_axes)
    vmap = {}
    for iv in op.reduce_axis[:start]:
        if not is_const(out_dom[iv].extent, 1):
            raise error(f"reduction axis '{iv.var.name}' is not covered by the intrinsic")
    for iv, target in zip(op.reduce_axis[start:], intrin_axes):
        for declared, actual in ((target.dom.min, 0), (target.dom.extent, out_dom[iv].extent)):
            if isinstance(declared, Var):
                vmap[declared] = actual
            elif not ana.can_prove(_op.equal(declared, actual)):
                raise error(f"reduction axis '{iv.var.name}' covers {actual!r} values per "
                            f"call, the intrinsic's '{target.var.name}' {declared!r}")
    return vmap


class _Matcher(Mutator):
    """Rewrites the stage's body onto the intrinsic's input tensors and axes."""

    def __init__(self, stage, out_dom, in_region, intrin, error):
        op = stage.op
        self.inputs = {}
        for t, target in zip(op.input_tensors, intrin.inputs):
            region = in_region[t]
            start = len(region) - target.ndim
            if start < 0 or any(not is_const(r.extent, 1) for r in region[:start]):
                raise error(f"the region of '{t.name}' read per call has extents "
                            f"{[_text(r.extent) for r in region]}, the intrinsic's input "
                            f"'{target.name}' has {target.ndim} dimensions")
            self.inputs[t] = (target, start, region)
        self.var_remap, self.axis_remap = {}, {}
        intrin_op = intrin.op
        self._remap(op.axis, intrin_op.axis, out_dom, error, "output")
        self._remap(op.reduce_axis, intrin_op.reduce_axis, out_dom, error, "reduction")

    def _remap(self, axes, targets, out_dom, error, what):
        start = len(axes) - len(targets)
        if start < 0:
            raise error(f"the stage has {len(axes)} {what} axes, the intrinsic {len(targets)}")
        ana = Analyzer()
        for k, iv in enumerate(axes):
            r = out_dom[iv]
            if k < start:
                if not is_const(r.extent, 1):
                    raise error(f"{what} axis '{iv.var.name}' spans {_text(r.extent)} values "
                                "per call but the intrinsic has no axis for it")
                self.var_remap[iv.var] = r.min
                continue
            target = targets[k - start]
            if what == "output" and not ana.can_prove(_op.equal(r.extent, target.dom.extent)):
                raise error(f"axis '{iv.var.name}' spans {_text(r.extent)} values per call, "
                            f"the intrinsic's '{target.var.name}' {_text(target.dom.extent)}")
            self.var_remap[iv.var] = target.var + r.min
            self.axis_remap[iv] = target

    def visit_Var(self, node):
        return self.var_remap.get(node, node)

    def visit_ProducerLoad(self, node):
        node = self.generic_visit(node)
        entry = self.inputs.get(node.producer)
        if entry is None:
            return node
        target, start, region = entry
        return ProducerLoad(target, tuple(i - r.min for i, r in
                                          zip(node.indices[start:], region[start:])))

    def visit_Reduce(self, node):
        node = self.generic_visit(node)
        axes = tuple(self.axis_remap[iv] for iv in node.axis if iv in self.axis_remap)
        return Reduce(node.combiner, node.source, axes, node.condition, node.value_index,
                      node.init)


def _verify_body(stage, values, ranges, out_dom, in_region, intrin, error):
    matched = _Matcher(stage, out_dom, in_region, intrin, error).visit(stage.op.body[0])
    lhs = substitute_iter_vars(matched, values)
    rhs = intrin.op.body[0]
    if lhs.dtype != rhs.dtype:
        raise error(f"the stage computes {lhs.dtype}, the intrinsic {rhs.dtype}")
    if not _same_computation(lhs, rhs):
        raise error("the loops under the axis do not compute what the intrinsic declares "
                    f"(stage reads {[t.name for t in stage.op.input_tensors]}, intrinsic "
                    f"reads {[t.name for t in intrin.inputs]})")


def _same_computation(lhs, rhs):
    ana = Analyzer()
    if isinstance(lhs, Reduce) != isinstance(rhs, Reduce):
        return False
    if not isinstance(lhs, Reduce):
        return expr_deep_equal(ana.simplify(lhs), ana.simplify(rhs))
    a, b = lhs.combiner, rhs.combiner
    combine = substitute(a.result[0], {a.lhs[0]: b.lhs[0], a.rhs[0]: b.rhs[0]})
    return (len(lhs.axis) == len(rhs.axis)
            and all(x is y for x, y in zip(lhs.axis, rhs.axis))
            and expr_deep_equal(ana.simplify(combine), ana.simplify(b.result[0]))
            and expr_deep_equal(ana.simplify(lhs.source[0]), ana.simplify(rhs.source[0]))
            and expr_deep_equal(ana.simplify(lhs.condition), ana.simplify(rhs.condition)))


def _first_iteration_switch(stage, ranges, tloc, n, intrin, error):
    """Without a reset statement: run `body` on the first reduction iteration, `update`
    on the others (TVM's TransformUpdate)."""
    conds, banned = [], set()
    for iv in stage.leaf_iter_vars[:tloc]:
        if iv.iter_type == IterVarType.COMM_REDUCE:
            conds.append(likely(iv.var > ranges[iv].min))
            banned.add(iv.var)
    for pred in n.main_predicates:
        used = []
        post_order_visit(pred, lambda e: used.append(e) if isinstance(e, Var) else None)
        if any(v in banned for v in used):
            raise error("a bound check depends on a reduction loop, which conflicts with "
                        "running the intrinsic's body on the first reduction iteration")
    cond = conds[0]
    for c in conds[1:]:
        cond = _op.logical_or(cond, c)
    return IfThenElse(cond, intrin.reduce_update, intrin.body)


def _text(e):
    return str(e.value) if hasattr(e, "value") else repr(e)
