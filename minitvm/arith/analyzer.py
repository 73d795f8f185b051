"""The `Analyzer` (TVM's `arith::Analyzer`): one object that simplifies, proves and bounds.

It holds the sub-analyzers (constant bounds, modular sets, rewrite and canonical
simplifiers) and keeps their knowledge of variables in step: `bind` a loop variable
to its range, or a let variable to its value, and every sub-analyzer uses it.
`simplify` is TVM's Analyzer::Simplify: canonical, then rewrite, then canonical.
"""
from __future__ import annotations

from contextlib import contextmanager

from ..tir import expr as E
from ..tir import op
from .canonical import CanonicalSimplifier
from .const_int_bound import ConstIntBound, ConstIntBoundAnalyzer
from .modular_set import ModularSetAnalyzer
from .rewrite import RewriteSimplifier


class Analyzer:
    """Simplify index expressions, prove conditions, bound integer expressions."""

    def __init__(self):
        self._bound = ConstIntBoundAnalyzer()
        self._modular = ModularSetAnalyzer(self)
        self._rewrite = RewriteSimplifier(self)
        self._canonical = CanonicalSimplifier(self)

    # -- knowledge --------------------------------------------------------------------

    def bind(self, var, value, allow_override=False):
        """Tell every sub-analyzer that `var` ranges over `value` (a Range) or equals it
        (an expression). Rebinding a variable differently needs `allow_override`."""
        if isinstance(value, E.Range):
            if isinstance(value.extent, E.IntImm) and value.extent.value == 1:
                return self.bind(var, value.min, allow_override)
            self._bound.bind_range(var, value, allow_override)
            return None
        value = op.convert(value)
        value = self._rewrite(self._canonical(value))
        self._bound.update(var, self._bound(value), allow_override)
        self._modular.update(var, self._modular(value), allow_override)
        self._rewrite.update(var, value, allow_override)
        self._canonical.update(var, value, allow_override)
        return None

    def update_bound(self, var, bound, allow_override=False):
        """Set `var`'s constant bound directly ((min, max), inclusive)."""
        self._bound.update(var, ConstIntBound(*bound), allow_override)

    @contextmanager
    def constraint_scope(self, cond):
        """Within the block, `cond` is known true (TVM's With<ConstraintContext>)."""
        leaves = [self._bound.enter_constraint(cond), self._rewrite.enter_constraint(cond),
                  self._canonical.enter_constraint(cond)]
        try:
            yield
        finally:
            for leave in reversed(leaves):
                leave()

    # -- questions --------------------------------------------------------------------

    def simplify(self, expr, steps=2):
        """Canonical simplification, then `steps` alternating rewrite/canonical rounds."""
        res = self._canonical(op.convert(expr))
        for i in range(steps):
            if isinstance(res, E.IntImm):
                return res
            res = self._rewrite(res) if i % 2 == 0 else self._canonical(res)
        return res

    def canonical_simplify(self, expr):
        return self._canonical(op.convert(expr))

    def rewrite_simplify(self, expr):
        return self._rewrite(op.convert(expr))

    def const_int_bound(self, expr):
        """`ConstIntBound(min_value, max_value)` of an integer expression (a 2-tuple)."""
        return self._bound(op.convert(expr))

    def modular_set(self, expr):
        """`ModularSet(coeff, base)`: every value is coeff * k + base."""
        return self._modular(op.convert(expr))

    def can_prove(self, cond):
        cond = op.convert(cond)
        if isinstance(cond, E.IntImm):
            return cond.value != 0
        simplified = self.simplify(cond)
        return isinstance(simplified, E.IntImm) and simplified.value != 0

    def can_prove_greater_equal(self, expr, lower):
        expr = op.convert(expr)
        if isinstance(expr, E.IntImm):
            return expr.value >= lower
        return self._bound(self._rewrite(expr)).min_value >= lower

    def can_prove_less(self, expr, upper):
        expr = op.convert(expr)
        if isinstance(expr, E.IntImm):
            return expr.value < upper
        return self._bound(self._rewrite(expr)).max_value < upper

    def can_prove_equal(self, lhs, rhs):
        lhs, rhs = op.convert(lhs), op.convert(rhs)
        if isinstance(lhs, E.IntImm) and isinstance(rhs, E.IntImm):
            return lhs.value == rhs.value
        return self.can_prove(op.equal(op.sub(lhs, rhs), 0))
