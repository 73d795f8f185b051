"""Passing ranges, indices and flags through a stage's relations (TVM's
`message_passing.cc`).

Down (root to leaves): ranges of the new loops from the ranges of the axes they came
from. Up (leaves to root): the value of each original axis in terms of the loops, the
set of values an original axis takes when the loops range over sets, and whether an
axis needs a bound check because a split did not divide it.
"""
from __future__ import annotations

from ..arith import Analyzer
from ..arith.int_set import IntSet, eval_set
from ..tir import op as _op
from ..tir.expr import IntImm, Range
from .relations import Fuse, Rebase, Singleton, Split


def is_const(e, value):
    return isinstance(e, IntImm) and e.value == value


def _ceil_div(ana, a, b):
    if ana.can_prove(_op.equal(_op.floormod(a, b), 0)):
        return ana.simplify(_op.floordiv(a, b))
    return ana.simplify(_op.floordiv(a + (b - 1), b))


def _thread_bound(stage):
    """IterVars that are, or split/fuse into, a loop bound to a thread."""
    bound = {iv for iv, attr in stage.iter_var_attrs.items() if attr.bind_thread is not None}
    for rel in reversed(stage.relations):
        if isinstance(rel, Split) and (rel.outer in bound or rel.inner in bound):
            bound.add(rel.parent)
        elif isinstance(rel, Fuse) and rel.fused in bound:
            bound.update((rel.outer, rel.inner))
        elif isinstance(rel, Rebase) and rel.rebased in bound:
            bound.add(rel.parent)
    return bound


def pass_down_domain(stage, ranges, ana, allow_missing=False):
    """Add to `ranges` the range of every IterVar derived from the stage's root axes.
    With `allow_missing` (the dataflow rewrites, which know only some root ranges), the
    relations of axes without a range are skipped and no split part is tightened."""
    threaded = _thread_bound(stage)

    def tightened(iv, extent, parts):
        # a split part never iterates more than its parent (unless bound to a thread)
        parts = IntImm(extent.dtype, parts) if isinstance(parts, int) \
            else _op.cast(extent.dtype, parts)
        if iv not in threaded and not allow_missing and ana.can_prove(extent < parts):
            return ana.simplify(extent)
        return parts

    zero = IntImm("int32", 0)
    for rel in stage.relations:
        if allow_missing and not all(iv in ranges for iv in _sources(rel, down=True)):
            continue
        if isinstance(rel, Split):
            extent = ranges[rel.parent].extent
            if rel.factor is not None:
                ranges[rel.inner] = Range(zero, tightened(rel.inner, extent, rel.factor))
                ranges[rel.outer] = Range(zero, _ceil_div(ana, extent, rel.factor))
            else:
                ranges[rel.outer] = Range(zero, tightened(rel.outer, extent, rel.nparts))
                ranges[rel.inner] = Range(zero, _ceil_div(ana, extent, rel.nparts))
        elif isinstance(rel, Fuse):
            ranges[rel.fused] = Range(zero, ana.simplify(
                ranges[rel.outer].extent * ranges[rel.inner].extent))
        elif isinstance(rel, Singleton):
            ranges[rel.iter] = Range(zero, IntImm("int32", 1))
        else:
            ranges[rel.rebased] = Range(zero, ranges[rel.parent].extent)
    for iv, attr in stage.iter_var_attrs.items():
        if attr.bind_thread is not None and iv in ranges:
            ranges[attr.bind_thread] = ranges[iv]


def _sources(rel, down):
    """The IterVars a relation reads when passing down (parent side) or up (leaf side)."""
    if isinstance(rel, Split):
        return (rel.parent,) if down else (rel.outer, rel.inner)
    if isinstance(rel, Fuse):
        return (rel.outer, rel.inner) if down else (rel.fused,)
    if isinstance(rel, Rebase):
        return (rel.parent,) if down else (rel.rebased,)
    return ()


def pass_up_index(stage, ranges, values, allow_missing=False):
    """Add to `values` ({IterVar: expr}, the leaves) the value of every other IterVar
    (with `allow_missing`, of those whose loops have a value)."""
    for rel in reversed(stage.relations):
        if allow_missing and not all(iv in values for iv in _sources(rel, down=False)):
            continue
        if isinstance(rel, Split):
            value = values[rel.inner] + values[rel.outer] * ranges[rel.inner].extent
            values[rel.parent] = _plus_min(value, ranges[rel.parent].min)
        elif isinstance(rel, Fuse):
            factor = ranges[rel.inner].extent
            fused = values[rel.fused]
            values[rel.outer] = _plus_min(_op.floordiv(fused, factor), ranges[rel.outer].min)
            values[rel.inner] = _plus_min(_op.floormod(fused, factor), ranges[rel.inner].min)
        elif isinstance(rel, Rebase):
            values[rel.parent] = _plus_min(values[rel.rebased], ranges[rel.parent].min)


def pass_down_index(stage, ranges, values):
    """Add to `values` ({IterVar: expr}, root axes) the value of the loops made from
    them, where known: the inverse of `pass_up_index` (cache_write's relayout)."""
    for rel in stage.relations:
        if not all(iv in values for iv in _sources(rel, down=True)):
            continue
        if isinstance(rel, Split):
            factor = ranges[rel.inner].extent
            values[rel.outer] = _op.floordiv(values[rel.parent], factor)
            values[rel.inner] = _op.floormod(values[rel.parent], factor)
        elif isinstance(rel, Fuse):
            values[rel.fused] = values[rel.outer] * ranges[rel.inner].extent \
                + values[rel.inner]
        elif isinstance(rel, Singleton):
            values[rel.iter] = IntImm(rel.iter.var.dtype, 0)
        else:
            values[rel.rebased] = values[rel.parent]


def _plus_min(value, minimum):
    return value if is_const(minimum, 0) else value + minimum


def pass_up_domain(stage, ranges, sets):
    """Add to `sets` ({IterVar: IntSet}, the leaves) the set of every other IterVar."""
    for rel in reversed(stage.relations):
        if isinstance(rel, Split):
            outer, inner = sets[rel.outer], sets[rel.inner]
            if outer.match_range(ranges[rel.outer]) and inner.match_range(ranges[rel.inner]):
                sets[rel.parent] = IntSet.from_range(ranges[rel.parent])
                continue
            expr = rel.outer.var * ranges[rel.inner].extent + rel.inner.var \
                + ranges[rel.parent].min
            sets[rel.parent] = eval_set(expr, {rel.outer.var: outer, rel.inner.var: inner})
        elif isinstance(rel, Fuse):
            sets[rel.outer], sets[rel.inner] = _fuse_up(rel, ranges, sets[rel.fused])
        elif isinstance(rel, Rebase):
            rebased = sets[rel.rebased]
            if rebased.match_range(ranges[rel.rebased]):
                sets[rel.parent] = IntSet.from_range(ranges[rel.parent])
            else:
                sets[rel.parent] = eval_set(rel.rebased.var + ranges[rel.parent].min,
                                            {rel.rebased.var: rebased})


def _fuse_up(rel, ranges, fused):
    outer_range, inner_range = ranges[rel.outer], ranges[rel.inner]
    if fused.match_range(ranges[rel.fused]):
        return IntSet.from_range(outer_range), IntSet.from_range(inner_range)
    factor = inner_range.extent
    if fused.is_point:
        return (IntSet.point(_plus_min(_op.floordiv(fused.min, factor), outer_range.min)),
                IntSet.point(_plus_min(_op.floormod(fused.min, factor), inner_range.min)))
    outer = IntSet(outer_range.min + _op.floordiv(fused.min, factor),
                   outer_range.min + _op.floordiv(fused.max, factor))
    ana = Analyzer()
    fused_extent = fused.max - fused.min + 1
    if is_const(ana.simplify(_op.floormod(factor, fused_extent)), 0) and \
            is_const(ana.simplify(_op.floormod(fused.min, fused_extent)), 0):
        # the fused range never spans two rows: a tight box
        inner = IntSet(inner_range.min + _op.floormod(fused.min, factor),
                       inner_range.min + _op.floormod(fused.max, factor))
    else:
        inner = IntSet.from_range(inner_range)
    return outer, inner


def pass_up_bound_check(stage, ranges, ana):
    """{IterVar: True when its value can exceed its range} after non-dividing splits."""
    state = {iv: False for iv in stage.leaf_iter_vars}
    for rel in reversed(stage.relations):
        if isinstance(rel, Split):
            if rel.outer not in ranges or rel.inner not in ranges:
                state[rel.parent] = True        # a kind of axis the caller left out
            elif state[rel.outer] or state[rel.inner]:
                state[rel.parent] = True
            elif rel.disable_predication:
                state[rel.parent] = False
            else:
                covered = ranges[rel.inner].extent * ranges[rel.outer].extent
                state[rel.parent] = not ana.can_prove(
                    _op.equal(ranges[rel.parent].extent, covered))
        elif isinstance(rel, Fuse):
            state[rel.outer] = state[rel.inner] = state[rel.fused]
        elif isinstance(rel, Rebase):
            state[rel.parent] = state[rel.rebased]
    return state


def pass_up_bitmask_or(stage, state):
    """Propagate flags ({IterVar: int}) from loops to the axes they were made from."""
    for rel in reversed(stage.relations):
        if isinstance(rel, Split):
            state[rel.parent] = state.get(rel.parent, 0) | state.get(rel.outer, 0) \
                | state.get(rel.inner, 0)
        elif isinstance(rel, Fuse):
            for iv in (rel.outer, rel.inner):
                state[iv] = state.get(iv, 0) | state.get(rel.fused, 0)
        elif isinstance(rel, Rebase):
            state[rel.parent] = state.get(rel.parent, 0) | state.get(rel.rebased, 0)


def pass_down_bitmask_or(stage, state):
    """Propagate flags ({IterVar: int}) from the root axes to the loops made from them."""
    for rel in stage.relations:
        if isinstance(rel, Split):
            for iv in (rel.outer, rel.inner):
                state[iv] = state.get(iv, 0) | state.get(rel.parent, 0)
        elif isinstance(rel, Fuse):
            state[rel.fused] = state.get(rel.outer, 0) | state.get(rel.inner, 0) \
                | state.get(rel.fused, 0)
        elif isinstance(rel, Singleton):
            state[rel.iter] = 0
        else:
            state[rel.rebased] = state.get(rel.rebased, 0) | state.get(rel.parent, 0)
