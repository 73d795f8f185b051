"""The loop nest that computes one compute stage (TVM's `MakeComputeStmt` and
`ComputeLoopNest`).

An elementwise stage is its loop nest around one `ProducerStore`. A reduction stores
its identity first: right under the loops that come before the first reduction loop
when those are all the data-parallel ones, otherwise in a separate nest of `.init`
loops (the data-parallel loops after the first reduction loop) placed just before it:

    for co: for i:              for ic.outer:            <- reduction loop first
      C[co, i] = 0              ...
      for ic: C += ...      vs  for co.init: for i.init: C[co.init, i.init] = 0
                                for ic.outer: for co: for i: ... C += ...
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List

from ..tir.expr import IterVar, Reduce
from ..tir.stmt import IfThenElse, ProducerStore, seq
from .loop_nest import likely, make_bound_check, make_if_nest, make_loop_nest, merge_nest
from .message_passing import is_const, pass_down_bitmask_or
from ..tir.functor import substitute
from .substitute import substitute_iter_vars

_DATA, _REDUCE = 1, 2


@dataclass
class ComputeLoopNest:
    main_nest: List[list]
    main_values: Dict[IterVar, object]
    main_predicates: list
    num_common_loop: int
    init_nest: List[list] = field(default_factory=list)
    init_values: Dict[IterVar, object] = field(default_factory=dict)
    init_predicates: list = field(default_factory=list)


def compute_loop_nest(stage, ranges):
    """The main nest, and for a reduction the init nest, with their bound checks."""
    op = stage.op
    values = {}
    main = make_loop_nest(stage, ranges, 0, False, (), values)
    preds = [likely(p) for p in make_bound_check(stage, ranges, values, False, ())]
    if stage.store_predicate is not None:       # set_store_predicate: not a likely guard
        preds.append(stage.store_predicate)
    nest = ComputeLoopNest(main, values, preds, len(stage.leaf_iter_vars))
    if not is_reduction(op):
        return nest
    flags = {iv: _REDUCE for iv in op.reduce_axis}
    flags.update({iv: _DATA for iv in op.axis})
    pass_down_bitmask_or(stage, flags)
    leaves = stage.leaf_iter_vars
    begin = next((k for k, iv in enumerate(leaves) if flags[iv] & _REDUCE), len(leaves))
    nest.num_common_loop = begin
    nest.init_values = {iv: values[iv] for iv in leaves[:begin]}
    skip = {iv for iv, flag in flags.items() if flag == _REDUCE}
    nest.init_nest = make_loop_nest(stage, ranges, begin, True, skip, nest.init_values)
    nest.init_predicates = [likely(p) for p in make_bound_check(
        stage, ranges, nest.init_values, True, skip)]
    return nest


def is_reduction(op):
    """A reduction body, even over no axis (rfactor of a reduction's only loop leaves
    one): it is initialized and then updated, as TVM does."""
    return isinstance(op.body[0], Reduce)


def make_compute_stmt(stage, ranges):
    """The statement computing `stage` over its inferred ranges (every output of a
    multi-output compute, in order, in the same loop nest)."""
    op = stage.op
    n = compute_loop_nest(stage, ranges)
    args = tuple(iv.var for iv in op.axis)
    main = n.main_nest + [make_if_nest(n.main_predicates)]
    if not is_reduction(op):
        provide = seq(*[ProducerStore(t, body, args) for t, body in zip(op.outputs, op.body)])
        return substitute_iter_vars(merge_nest(main, provide), n.main_values)
    init, update = make_reduction(op, args)
    init = merge_nest(n.init_nest + [make_if_nest(n.init_predicates)], init)
    init = substitute_iter_vars(init, n.init_values)
    common = main[:n.num_common_loop + 1]
    update = merge_nest(main[n.num_common_loop + 1:], update)
    return substitute_iter_vars(merge_nest(common, seq(init, update)), n.main_values)


def make_reduction(op, args):
    """(init, update) stores of a reduction, one per output: `t_k = identity_k` and
    `t_k = combine(t, source)_k`. The updates run in order, as TVM's do."""
    reduce = op.body[0]
    combiner = reduce.combiner
    vmap = {lhs: t(*args) for lhs, t in zip(combiner.lhs, op.outputs)}
    vmap.update(zip(combiner.rhs, reduce.source))
    init_values = reduce.init or combiner.identity_element
    inits = [ProducerStore(t, v, args) for t, v in zip(op.outputs, init_values)]
    updates = [ProducerStore(t, substitute(r, vmap), args)
               for t, r in zip(op.outputs, combiner.result)]
    init, update = seq(*inits), seq(*updates)
    if not is_const(reduce.condition, 1):
        update = IfThenElse(reduce.condition, update)
    return init, update
