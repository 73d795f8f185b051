"""UnrollLoop: rewrites loops marked `unrolled` into copies of their body.

TVM's `tir.transform.UnrollLoop` with its default configuration (explicit unrolling, no
automatic unrolling): `s[t].unroll(ax)` leaves `For(ax, 0, n, kind="unrolled")`, which
becomes `n` copies of the body with `ax` replaced by `min + 0 .. min + n-1`. Loops of
other kinds are left alone.

It runs at the end of phase 2, after memory planning, so that StorageRewrite still sees
one statement per loop rather than `n` copies.
"""
from __future__ import annotations

from ..error import TVMError
from ..tir import expr as E
from ..tir import stmt as S
from ..tir.functor import Mutator
from ..tir.functor import substitute
from .ir_utils import const_int
from .pass_infra import lowering_pass


class UnrollError(TVMError, ValueError):
    """A loop marked for unrolling that cannot be unrolled."""


@lowering_pass("tir.UnrollLoop")
def unroll_loop(func):
    """Unroll every `unrolled` loop of `func`."""
    return func.with_body(_Unroller().visit(func.body))


class _Unroller(Mutator):
    def visit_For(self, node):
        node = self.generic_visit(node)
        if node.kind != S.ForKind.UNROLLED:
            return node
        extent = const_int(node.extent)
        if extent is None:
            raise UnrollError(f"cannot unroll loop {node.loop_var.name}: its extent "
                              f"{node.extent!r} is not a constant")
        if extent <= 0:
            return S.Evaluate(E.IntImm("int32", 0))
        var = node.loop_var
        return S.seq(*(substitute(node.body, {var: node.min + E.IntImm(var.dtype, i)})
                       for i in range(extent)))
