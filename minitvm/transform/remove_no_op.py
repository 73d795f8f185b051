"""RemoveNoOp: deletes statements that do nothing (TVM's `tir.transform.RemoveNoOp`).

A no-op is `Evaluate` of a side-effect-free value, a loop of extent 0 or with a
no-op body, an `if` with no-op branches, a scope (let, attr, allocate) around a
no-op, and a store of a buffer element into itself. Sequences drop their no-ops,
and a sequence left with one statement becomes that statement.
"""
from __future__ import annotations

from ..tir import expr as E
from ..tir import op
from ..tir import stmt as S
from ..tir.analysis import expr_deep_equal, has_side_effect
from ..tir.functor import Mutator

def remove_no_op(func):
    """`func` without statements that have no effect."""
    return func.with_body(_RemoveNoOp().visit(func.body))


def is_no_op(s):
    """True for `Evaluate` of a pure value and for an empty sequence."""
    if isinstance(s, S.Evaluate):
        return not has_side_effect(s.value)
    return isinstance(s, S.SeqStmt) and not s.seq


def _evaluate(e):
    """A statement keeping only the side effects of computing `e`."""
    return S.Evaluate(e) if has_side_effect(e) else S.Evaluate(op.const(0))


class _RemoveNoOp(Mutator):
    def visit_SeqStmt(self, s):
        kept = [x for x in (self.visit(item) for item in s.seq) if not is_no_op(x)]
        if not kept:
            return S.Evaluate(op.const(0))
        if len(kept) == len(s.seq) and all(a is b for a, b in zip(kept, s.seq)):
            return s
        return S.seq(*kept)

    def visit_For(self, s):
        s = self.generic_visit(s)
        if is_no_op(s.body):
            return _evaluate(s.extent) if has_side_effect(s.extent) else s.body
        if isinstance(s.extent, E.IntImm) and s.extent.value == 0:
            return S.Evaluate(op.const(0))
        return s

    def visit_LetStmt(self, s):
        s = self.generic_visit(s)
        return _evaluate(s.value) if is_no_op(s.body) else s

    def visit_AttrStmt(self, s):
        if s.attr_key == "pragma_debug_skip_region":
            return S.Evaluate(op.const(0))
        s = self.generic_visit(s)
        return _evaluate(s.value) if is_no_op(s.body) else s

    def visit_Allocate(self, s):
        s = self.generic_visit(s)
        return s.body if is_no_op(s.body) else s

    def visit_IfThenElse(self, s):
        s = self.generic_visit(s)
        else_no_op = s.else_case is None or is_no_op(s.else_case)
        if is_no_op(s.then_case) and else_no_op:
            return _evaluate(s.condition)
        if s.else_case is not None and else_no_op:
            return S.IfThenElse(s.condition, s.then_case, None)
        return s

    def visit_Evaluate(self, s):
        return S.Evaluate(op.const(0)) if is_no_op(s) else s

    def visit_BufferStore(self, s):
        load = s.value
        if (isinstance(load, E.BufferLoad) and load.buffer.data is s.buffer.data
                and len(load.indices) == len(s.indices)
                and all(expr_deep_equal(a, b) for a, b in zip(load.indices, s.indices))):
            return S.Evaluate(op.const(0))
        return s
