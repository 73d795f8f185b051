"""VectorizeLoop (the scalarizing part): rewrites a vectorized loop whose body is guarded
by a condition on the loop variable into a serial loop over `<var>.s`.

TVM's `tir.transform.VectorizeLoop` turns each `vectorized` loop into vector
expressions (ramps and broadcasts) and, where the body cannot be expressed in vector
lanes, "scalarizes" it: a guard `if likely(i_outer * 4 + i_inner < n)` on the lane
variable makes the guarded statement a serial loop over a fresh variable named
`i_inner.s`, printed `for i_inner_s in range(4)`. This module does only that second
rewrite, for a vectorized loop whose body is such an `if`: the loops that TVM would turn
into vector expressions stay `vectorized` loops, which the host build runs whole through
numpy (so their listings still show `T.vectorized`, not TVM's ramps). It runs at the
start of phase 2, where TVM's VectorizeLoop runs, before virtual threads are injected.
"""
from __future__ import annotations

from dataclasses import replace

from ..tir import expr as E
from ..tir import stmt as S
from ..tir.functor import Mutator, post_order_visit, substitute
from .pass_infra import lowering_pass


@lowering_pass("tir.VectorizeLoop")
def vectorize_loop(func):
    """`func` with each guarded vectorized loop made a serial `<var>.s` loop."""
    return func.with_body(_Scalarizer().visit(func.body))


class _Scalarizer(Mutator):
    def visit_For(self, node):
        node = self.generic_visit(node)
        if node.kind != S.ForKind.VECTORIZED or not _guarded_by(node.body, node.loop_var):
            return node
        lane = E.Var(node.loop_var.name + ".s", node.loop_var.dtype)
        return replace(node, loop_var=lane, kind=S.ForKind.SERIAL,
                       body=substitute(node.body, {node.loop_var: lane}))


def _guarded_by(body, var):
    """Is `body` an `if` whose condition reads `var` (one that differs between lanes)?"""
    if not isinstance(body, S.IfThenElse):
        return False
    found = []
    post_order_visit(body.condition, lambda n: found.append(n) if n is var else None)
    return bool(found)
