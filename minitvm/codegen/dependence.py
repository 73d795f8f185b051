"""Is it safe to run a loop nest's stores as whole-array operations, one after another?

The vectorized order runs store instance T1 for all its iterations (all reads, then
all writes), then T2, and so on. That equals the sequential order when, for every
two accesses to one allocation where at least one writes:

* within one store: the write is injective over its loops, and a read of the written
  memory either never meets the write (disjoint ranges, or a GCD test) or meets it
  only in the same iteration;
* between stores Ti before Tj: accesses either never meet, or meet only when the
  loops the two stores share have equal values (then Ti's access comes first in
  both orders).

A store `A[S] = A[S] + f` (or max/min) whose index S ignores some loops is a
reduction over them: it runs as a sum over those axes, and f must not read A[S]'s
memory. Lets and guard conditions must not read memory the nest writes (the
vectorizer re-evaluates them per store). Anything not proven safe is refused.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Tuple

from ..tir import expr as E
from .access import flat_index
from .affine import Affine, Analyzer, interval_of
from .region import Instance, Loop, Refused, loads_in
from .scalar_expr import symbol_of

_COMBINERS = {E.Add: "add", E.Max: "max", E.Min: "min"}


@dataclass(frozen=True, eq=False)
class Reduction:
    combiner: str                  # "add", "max" or "min"
    value: E.PrimExpr              # what is combined into the accumulator
    axes: Tuple[Loop, ...]         # the loops the store index ignores


@dataclass(frozen=True, eq=False)
class Plan:
    instance: Instance
    reduction: Optional[Reduction]
    analyzer: Analyzer             # outer scope plus this instance's loops and lets


@dataclass(frozen=True, eq=False)
class _Access:
    data: E.Var
    name: str
    write: bool
    form: Optional[Affine]
    index: E.PrimExpr
    loops: Tuple[Loop, ...]
    analyzer: Analyzer


def plan_region(instances, outer):
    """One Plan per instance, or raise Refused; `outer` is the enclosing scope's Analyzer."""
    analyzers = [Analyzer({**outer.ranges, **{l.var: (l.min, l.max) for l in t.loops}},
                          {**outer.lets, **dict(t.lets)}) for t in instances]
    writes = [_write(t, a) for t, a in zip(instances, analyzers)]
    written = {w.data for w in writes}
    plans, accesses, checked = [], [], set()
    for t, a, w in zip(instances, analyzers, writes):
        _check_side_inputs(t, written, checked)
        reduction = _reduction(t, a, w)
        reads = [_access(load, t, a, False) for load in _reads(t, reduction)]
        _check_self(w, reads, reduction)
        plans.append(Plan(t, reduction, a))
        accesses.append([w] + reads)
    _check_pairs(instances, accesses, written)
    return plans


def _write(t, analyzer):
    w = _access(t.store, t, analyzer, True)
    if w.form is None:
        raise Refused(f"the store into {w.name} has an index that is not affine in the loops")
    return w


def _access(node, t, analyzer, write):
    index = flat_index(node.buffer, node.indices)
    return _Access(node.buffer.data, node.buffer.name, write, analyzer.affine(index), index,
                   t.loops, analyzer)


def _reads(t, reduction):
    value = t.store.value
    if reduction is not None:
        value = reduction.value
    return loads_in((value,) + tuple(t.store.indices))


def _check_side_inputs(t, written, checked):
    """Refuse lets and guards that read written memory. Instances share the lets and
    guards around them, so each expression is read once (`checked`: ids seen)."""
    fresh = [e for e in [v for _, v in t.lets] + list(t.guards) if id(e) not in checked]
    checked.update(map(id, fresh))
    for load in loads_in(fresh):
        if load.buffer.data in written:
            raise Refused(f"a let or condition reads {load.buffer.name}, which the nest writes")


def _reduction(t, analyzer, w):
    value = t.store.value
    combiner = symbol_of(value, _COMBINERS)
    axes = tuple(l for l in t.loops if l.extent > 1 and not w.form.coeff(l.var))
    if combiner is None or not axes:
        return None
    for acc, other in ((value.a, value.b), (value.b, value.a)):
        if isinstance(acc, E.BufferLoad) and acc.buffer.data is w.data:
            form = _access(acc, t, analyzer, False).form
            if form is not None and form.same_as(w.form):
                return Reduction(combiner, other, axes)
    return None


def _check_self(w, reads, reduction):
    kept = tuple(l for l in w.loops if reduction is None or l not in reduction.axes)
    if not _separated(w, w, kept):
        raise Refused(f"the store into {w.name} writes one element in several iterations")
    for r in reads:
        if r.data is not w.data or _disjoint(w, r):
            continue
        if reduction is not None or not _separated(w, r, w.loops):
            raise Refused(f"{w.name} is read and written in different iterations "
                          f"(a loop-carried dependence)")


def _check_pairs(instances, accesses, written):
    """`_check_pair` for every two instances i < j, in that order, but only where they
    may touch one element (`_Overlaps`: the other pairs pass) and once for each two
    kinds of instance: the outcome depends only on the kinds (`_kind`), so pair (i, j) is
    skipped when i's kind met j's kind already, either at i or at an earlier i of the
    same kind (which saw every j after it). An unrolled nest has hundreds of instances,
    of a few kinds or each touching its own elements; the first failing pair, and so
    the message, stays the same."""
    kinds = [_kind(t, a, written) for t, a in zip(instances, accesses)]
    overlaps = _Overlaps(accesses, written)
    done = set()
    for i, first in enumerate(kinds):
        if first in done:
            continue
        done.add(first)
        met = set()
        for j in overlaps.partners(i):
            if kinds[j] not in met:
                met.add(kinds[j])
                _check_pair(accesses[i], accesses[j], _common(instances[i], instances[j]))


class _Overlaps:
    """Which later instances may touch what an instance touches; the others pass
    `_check_pair` (all their accesses are `_disjoint`), so they are not checked.

    Two accesses of one shape (buffer, loops, and coefficients of every variable) differ
    by a constant d = c1 - c2, and `_disjoint` decides them from d alone: over the same
    loop ranges the loop parts span one interval [L, H] and the rest cancel, so they
    are disjoint when |d| > H - L, or (GCD test) when g, the gcd of the loop
    coefficients, does not divide d (d != 0 when there are none). So an access's
    partners of its shape are the constants c + k * g within H - L of its own. A buffer
    accessed in several shapes, or without an affine form, is checked pairwise."""

    def __init__(self, accesses, written):
        self.touching = {}      # id(data) -> instances accessing it
        self.shapes = {}        # id(data) -> {shape: {constant: instances}}
        self.own = []           # per instance: (id(data), shape or None, constant)
        for t, accs in enumerate(accesses):
            own = []
            for a in accs:
                if a.data not in written:
                    continue
                shape = _shape(a)
                self.touching.setdefault(id(a.data), set()).add(t)
                consts = self.shapes.setdefault(id(a.data), {}).setdefault(shape, {})
                if shape is not None:
                    consts.setdefault(a.form.const, set()).add(t)
                own.append((id(a.data), shape, None if shape is None else a.form.const))
            self.own.append(own)

    def partners(self, i):
        """The instances after `i` that may touch what `i` touches, in order."""
        found = set()
        for data, shape, const in self.own[i]:
            shapes = self.shapes[data]
            if shape is None or len(shapes) > 1:
                found |= self.touching[data]
                continue
            for d in _near(const, shape, shapes[shape]):
                found |= shapes[shape][d]
        return sorted(j for j in found if j > i)


def _shape(access):
    """(id(data), loops, coefficients, span H - L, gcd g) of an affine access, or None."""
    form = access.form
    if form is None:
        return None
    own = {id(l.var) for l in access.loops}
    inside = Affine({v: c for v, c in form.coeffs.items() if id(v) in own}, 0)
    lo, hi = interval_of(inside, {l.var: (l.min, l.max) for l in access.loops})
    return (id(access.data), tuple(map(id, access.loops)),
            frozenset((id(v), c) for v, c in form.coeffs.items()), hi - lo,
            math.gcd(*inside.coeffs.values()))


def _near(const, shape, consts):
    """The constants in `consts` an access of `shape` at `const` may meet."""
    span, step = shape[-2], shape[-1]
    if not step:
        return [const] if const in consts else []
    if 2 * (span // step) + 1 > len(consts):
        return [d for d in consts if abs(d - const) <= span and (d - const) % step == 0]
    return [d for d in (const + k * step for k in range(-(span // step), span // step + 1))
            if d in consts]


def _kind(t, accesses, written):
    """What the pair checks read of an instance: its loops (which fix its analyzer's
    ranges) and each access's buffer, direction and affine form, for the buffers some
    instance writes (no pair check looks at the others). An access without a
    form is checked through its own index and lets, so it makes its instance unique.
    Variables and loops enter by id (they are alive meanwhile): a Var's `==` builds an
    expression."""
    return (tuple(map(id, t.loops)),) + tuple(
        (id(a.data), a.name, a.write, a.form.const,
         frozenset((id(v), c) for v, c in a.form.coeffs.items()))
        if a.form is not None else id(a) for a in accesses if a.data in written)


def _check_pair(first, second, common):
    for a in first:
        for b in second:
            if a.data is b.data and (a.write or b.write) and not (
                    _disjoint(a, b) or _separated(a, b, common)):
                raise Refused(f"accesses to {a.name} by two stores of the nest depend on each "
                              f"other across iterations")


def _common(t1, t2):
    shared = []
    for l1, l2 in zip(t1.loops, t2.loops):
        if l1 is not l2:
            break
        shared.append(l1)
    return tuple(shared)


# --- the two tests ------------------------------------------------------------------

def _split(access, loops):
    """(part over `loops`, the rest) of an access's affine form."""
    own = {l.var for l in loops}
    inside = {v: c for v, c in access.form.coeffs.items() if v in own}
    outside = {v: c for v, c in access.form.coeffs.items() if v not in own}
    return Affine(inside, 0), Affine(outside, access.form.const)


def _region_interval(access, part):
    return interval_of(part, {l.var: (l.min, l.max) for l in access.loops})


def _difference_interval(a, b, a_part, b_part):
    """Interval of a(p) - b(q) over independent iterations p, q, given each access split
    into (region part, symbolic part); None when a symbol without known range remains."""
    ia, ib = _region_interval(a, a_part[0]), _region_interval(b, b_part[0])
    sym = interval_of(a_part[1] - b_part[1], a.analyzer.ranges)
    if ia is None or ib is None or sym is None:
        return None
    return ia[0] - ib[1] + sym[0], ia[1] - ib[0] + sym[1]


def _disjoint(a, b):
    """No iteration of `a` touches an element any iteration of `b` touches: their
    index ranges do not overlap, or (GCD test) the difference of the two indices is a
    combination of the loop coefficients that can never be zero."""
    if a.form is not None and b.form is not None:
        a_part, b_part = _split(a, a.loops), _split(b, b.loops)
        diff = _difference_interval(a, b, a_part, b_part)
        if diff is not None and (diff[0] > 0 or diff[1] < 0):
            return True
        offset = a_part[1] - b_part[1]
        if offset.coeffs:
            return False
        step = math.gcd(*a_part[0].coeffs.values(), *b_part[0].coeffs.values())
        return offset.const % step != 0 if step else offset.const != 0
    ra, rb = a.analyzer.bounds(a.index), b.analyzer.bounds(b.index)
    return ra is not None and rb is not None and (ra[1] < rb[0] or rb[1] < ra[0])


def _separated(a, b, common):
    """a(p) == b(q) implies p and q agree on the `common` loops (mixed-radix argument:
    sorted by coefficient, each common loop's step exceeds everything below it)."""
    if a.form is None or b.form is None:
        return False
    if any(a.form.coeff(l.var) != b.form.coeff(l.var) for l in common):
        return False
    shared = {l.var for l in common}
    a_rest = [l for l in a.loops if l.var not in shared]
    b_rest = [l for l in b.loops if l.var not in shared]
    a_part, b_part = _split(a, a_rest), _split(b, b_rest)
    for l in common:        # shared loop terms cancel; drop them from the symbolic rest
        a_part = (a_part[0], a_part[1] - Affine({l.var: a.form.coeff(l.var)}, 0))
        b_part = (b_part[0], b_part[1] - Affine({l.var: b.form.coeff(l.var)}, 0))
    rest = _difference_interval(a, b, a_part, b_part)
    if rest is None:
        return False
    slack = max(abs(rest[0]), abs(rest[1]))
    for step, extent in sorted((abs(a.form.coeff(l.var)), l.extent) for l in common
                               if l.extent > 1):
        if step <= slack:
            return False
        slack += step * (extent - 1)
    return True
