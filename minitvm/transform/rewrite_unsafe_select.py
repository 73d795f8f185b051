"""RewriteUnsafeSelect: a `Select` whose branches read memory becomes `if_then_else`
(TVM's `tir.transform.RewriteUnsafeSelect`).

`Select(c, a, b)` evaluates both branches; `T.if_then_else(c, a, b)` only the one taken.
When a branch loads from a buffer (it might be out of bounds when not taken) or calls
something impure, the rewrite keeps the program safe. It runs late in the pipeline,
after RemoveNoOp, so it sees the final loads; tuple reducers such as argmax, whose
combiner selects between loaded values, are where TE schedules produce it.
"""
from __future__ import annotations

from ..tir import expr as E
from ..tir.analysis import PURE_CALLS
from ..tir.functor import CHILDREN, Mutator


def rewrite_unsafe_select(func):
    """`func` with every unsafe scalar Select turned into an if_then_else call."""
    return func.with_body(_Rewriter().visit(func.body))


class _Rewriter(Mutator):
    def visit_Select(self, node):
        node = self.generic_visit(node)
        scalar_bool = node.condition.dtype == "bool"
        if scalar_bool and (is_unsafe(node.true_value) or is_unsafe(node.false_value)):
            return E.Call(node.dtype, "tir.if_then_else",
                          (node.condition, node.true_value, node.false_value))
        return node


def is_unsafe(expr):
    """Whether evaluating `expr` when not needed could fault or have an effect."""
    if isinstance(expr, (E.BufferLoad, E.ProducerLoad)):
        return True
    if isinstance(expr, E.Select):
        return is_unsafe(expr.condition)
    if isinstance(expr, E.Call):
        if expr.op == "tir.if_then_else":
            return is_unsafe(expr.args[0])
        if expr.op not in PURE_CALLS:
            return True
    for field in CHILDREN.get(type(expr), ()):
        value = getattr(expr, field)
        for child in (value if isinstance(value, tuple) else (value,)):
            if is_unsafe(child):
                return True
    return False
