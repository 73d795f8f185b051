"""Split a fused loop back into its parts, for the vectorizer's eyes only.

`fuse` leaves loops whose variable v appears as `floordiv(v, c)` and `floormod(v, c)`,
which are not affine. Writing v = q*c + r (q over extent/c, r over c, so the same
iteration order) turns them into q and r, and any coarser `floordiv(v, k*c)` or
`floormod(v, k*c)` into the same forms of q, which are split in turn. Every rewrite
is an exact identity for v >= 0, so it never changes results.
"""
from __future__ import annotations

from ..tir import expr as E
from ..tir import op
from ..tir import stmt as S
from ..tir.functor import Mutator, post_order_visit


def split_fused(loop):
    """`loop` with its variable split at the finest divisor it is divided by, or itself."""
    if not (isinstance(loop.min, E.IntImm) and loop.min.value == 0
            and isinstance(loop.extent, E.IntImm)):
        return loop
    divisors = _divisors(loop.body, loop.loop_var)
    if not divisors:
        return loop
    c, extent = min(divisors), loop.extent.value
    if c <= 1 or extent % c or any(d % c for d in divisors):
        return loop
    v = loop.loop_var
    q, r = E.Var(v.name + ".q", v.dtype), E.Var(v.name + ".r", v.dtype)
    body = _Substitute(v, q, r, c).visit(loop.body)
    inner = S.For(r, op.const(0, v.dtype), op.const(c, v.dtype), loop.kind, body)
    outer = S.For(q, op.const(0, v.dtype), op.const(extent // c, v.dtype), loop.kind, inner)
    return split_fused(outer)


def _divisors(body, var):
    found = set()

    def visit(node):
        if isinstance(node, (E.FloorDiv, E.FloorMod)) and node.a is var and \
                isinstance(node.b, E.IntImm) and node.b.value > 0:
            found.add(node.b.value)
    post_order_visit(body, visit)
    return found


class _Substitute(Mutator):
    """v -> q*c + r, with floordiv/floormod of v by multiples of c rewritten exactly."""

    def __init__(self, v, q, r, c):
        self.v, self.q, self.r, self.c = v, q, r, c

    def visit_FloorDiv(self, e):
        if e.a is self.v and isinstance(e.b, E.IntImm):
            return op.floordiv(self.q, e.b.value // self.c)
        return self.generic_visit(e)

    def visit_FloorMod(self, e):
        if e.a is self.v and isinstance(e.b, E.IntImm):
            return op.add(op.mul(op.floormod(self.q, e.b.value // self.c), self.c), self.r)
        return self.generic_visit(e)

    def visit_Var(self, e):
        return op.add(op.mul(self.q, self.c), self.r) if e is self.v else e
