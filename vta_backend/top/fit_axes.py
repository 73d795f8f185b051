"""How each leaf loop of a stage walks the stage's root axes (part of `vta.top`'s fit check).

The fit check (fit.py, fit_kernels.py, fit_transfers.py) reads a schedule without lowering
it, so it needs, for a leaf loop, which axes of the computation one iteration moves and by
how much. A loop made by splits (and the Rebase of `normalize`) is one digit of one root
axis: each iteration moves that axis by `coeff` (the extents of the inner splits). A loop
made by `fuse` is a mixed-radix number whose digits, outer first, are those of the loops
it fused: iteration k moves its inner loop's digits, and the outer ones each time the
inner ones wrap around.

`digits` follows the stage's Split, Fuse and Rebase relations back to the root axes
(`op.axis`, `op.reduce_axis`) and returns the digits of more than one iteration. A loop
split out of a fused loop walks the fused digits only partly; that reading is not followed
(None), and the rules that need it leave such a schedule to the compiler's own checks.
"""
from __future__ import annotations

from typing import List, NamedTuple, Optional

from minitvm.schedule.relations import Fuse, Rebase, Split
from minitvm.tir.expr import IterVar


class Digit(NamedTuple):
    """One root axis as a leaf loop walks it: `root` moves by `coeff` per step of this
    digit, which takes `extent` values; `leaf` is the loop it belongs to."""
    root: IterVar
    coeff: int
    extent: int
    leaf: IterVar


def digits(stage, leaf, ranges) -> Optional[List[Digit]]:
    """The digits of more than one iteration of `leaf` (a leaf axis of `stage`, normalized,
    with its bound-inference `ranges`), outer first; None where the reading stops (see
    the module docstring)."""
    parents, fused = {}, {}
    for rel in stage.relations:
        if isinstance(rel, Split):
            parents[rel.outer] = (rel.parent, int(ranges[rel.inner].extent))
            parents[rel.inner] = (rel.parent, 1)
        elif isinstance(rel, Rebase):
            parents[rel.rebased] = (rel.parent, 1)
        elif isinstance(rel, Fuse):
            fused[rel.fused] = (rel.outer, rel.inner)
    return _digits(leaf, leaf, parents, fused, ranges)


def _digits(iv, leaf, parents, fused, ranges):
    extent = int(ranges[iv].extent)
    if extent == 1:
        return []
    if iv in fused:
        outer, inner = (_digits(part, leaf, parents, fused, ranges) for part in fused[iv])
        return None if outer is None or inner is None else outer + inner
    node, coeff = iv, 1
    while node in parents:
        node, step = parents[node]
        coeff *= step
        if node in fused:       # all of a fused loop (through a Rebase) or a part of it
            whole = coeff == 1 and int(ranges[node].extent) == extent
            return _digits(node, leaf, parents, fused, ranges) if whole else None
    return [Digit(node, coeff, extent, leaf)]


def leaf_position(stage, iv):
    """The position of leaf axis `iv` among the stage's leaf axes (by identity)."""
    return next(k for k, leaf in enumerate(stage.leaf_iter_vars) if leaf is iv)
