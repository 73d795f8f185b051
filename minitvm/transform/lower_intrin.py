"""LowerIntrin: rewrites calls by the intrinsic lowering rules of the build's target
(TVM's `tir.transform.LowerIntrin`).

`driver.build` runs it after `lower`, because the rules depend on the target: a call of
operator `op` is offered to the rule registered for "<target kind>.FLowerIntrinsic",
then to the one for "default.FLowerIntrinsic" (`tvm.ir.register_intrin_lowering`). A
rule returning the call itself declines; a rule's result is lowered again (its operands
included). Calls no rule takes stay as they are: the host build runs TVM's math
intrinsics itself (minitvm.codegen.intrinsics).
"""
from __future__ import annotations

from ..error import TVMError
from ..ir.op import Op, attr_map
from ..tir import expr as E
from ..tir.functor import Mutator


class IntrinLoweringError(TVMError):
    """A lowering rule returned something that is not an expression."""


def lower_intrin(func, target):
    """`func` with every call that a rule of `target` (a Target) takes rewritten."""
    keys = (f"{target.kind.name}.FLowerIntrinsic", "default.FLowerIntrinsic")
    rules = [attr_map(key) for key in keys]
    if not any(rules):
        return func
    return func.with_body(_LowerIntrin(rules).visit(func.body))


class _LowerIntrin(Mutator):
    def __init__(self, rules):
        self.rules = rules

    def visit_Call(self, e):
        for table in self.rules:
            rule = table.get(e.op)
            if rule is None:
                continue
            call = e if isinstance(e.op, Op) else E.Call(e.dtype, Op(e.op), e.args)
            result = rule(call)
            if not isinstance(result, E.PrimExpr):
                raise IntrinLoweringError(
                    f"the intrinsic lowering rule {getattr(rule, '__name__', rule)!r} for "
                    f"{e.op} returned {result!r}, not an expression; a rule must return an "
                    f"expression (the call itself to decline)")
            if result is not call and result is not e:
                return self.visit(result)
        return self.generic_visit(e)
