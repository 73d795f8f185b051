"""Modular sets (TVM's `arith::ModularSetAnalyzer`): every value of an expression is
`coeff * k + base` for some integer k.

The rewrite simplifier uses it to fold `floormod(x * 8 + 4, 2)` to 0 and to divide
both sides of a comparison by a common factor; the bound analyzer uses it to tighten
modulo bounds. `coeff == 0` means the expression is the constant `base`; the
"know nothing" set is (1, 0).
"""
from __future__ import annotations

import weakref
from math import gcd
from typing import NamedTuple

from ..tir import expr as E


class ModularSet(NamedTuple):
    coeff: int
    base: int


def make(coeff, base):
    """A normalized set: non-negative coeff, base in [0, coeff)."""
    coeff = abs(coeff)
    if coeff != 0:
        base %= coeff
    return ModularSet(coeff, base)


EVERYTHING = ModularSet(1, 0)


def _union(a, b):
    """{a.coeff*x + a.base} or {b.coeff*z + b.base}, as TVM joins them."""
    coeff = gcd(a.coeff, b.coeff)
    if coeff == 0:
        return a if a.base == b.base else EVERYTHING
    base0, base1 = a.base % coeff, b.base % coeff
    if base0 == base1:
        return make(coeff, base0)
    return make(gcd(gcd(base0, base1), coeff), base0)


class ModularSetAnalyzer:
    """Modular sets of integer expressions under the variable bindings so far."""

    def __init__(self, parent):
        self.parent = weakref.proxy(parent)     # no cycle with the Analyzer (see rewrite.py)
        self.var_map = {}

    def update(self, var, info, allow_override=False):
        old = self.var_map.get(var)
        if old is not None and not allow_override and old != info:
            raise ValueError(f"variable {var.name!r} already has modular set {tuple(old)}")
        self.var_map[var] = make(*info)

    def __call__(self, e):
        visit = _VISIT.get(type(e))
        return visit(self, e) if visit is not None else EVERYTHING

    def _int(self, e):
        return ModularSet(0, e.value)

    def _var(self, e):
        return self.var_map.get(e, EVERYTHING)

    def _add(self, e):
        a, b = self(e.a), self(e.b)
        return make(gcd(a.coeff, b.coeff), a.base + b.base)

    def _sub(self, e):
        a, b = self(e.a), self(e.b)
        return make(gcd(a.coeff, b.coeff), a.base - b.base)

    def _mul(self, e):
        a, b = self(e.a), self(e.b)
        coeff = gcd(a.coeff * b.coeff, gcd(a.coeff * b.base, a.base * b.coeff))
        return make(coeff, a.base * b.base)

    def _div_by_const(self, lhs, val, round_down):
        a = self(lhs)
        if val != 0 and a.coeff % val == 0:
            if a.base == 0:
                return make(a.coeff // val, 0)
            if a.base > 0 and val > 0 and (round_down or self.parent.can_prove_greater_equal(lhs, 0)):
                return make(a.coeff // val, a.base // val)
        return EVERYTHING

    def _mod_by_const(self, lhs, val, round_down):
        a = self(lhs)
        coeff = gcd(a.coeff, val)
        if a.base % coeff == 0 or (a.base > 0 and (
                round_down or self.parent.can_prove_greater_equal(lhs, 0))):
            return make(coeff, a.base % coeff)
        return EVERYTHING

    def _floordiv(self, e):
        if isinstance(e.b, E.IntImm):
            return self._div_by_const(e.a, e.b.value, True)
        return EVERYTHING

    def _truncdiv(self, e):
        if isinstance(e.b, E.IntImm):
            return self._div_by_const(e.a, e.b.value, False)
        return EVERYTHING

    def _floormod(self, e):
        if isinstance(e.b, E.IntImm) and e.b.value != 0:
            return self._mod_by_const(e.a, e.b.value, True)
        return EVERYTHING

    def _truncmod(self, e):
        if isinstance(e.b, E.IntImm) and e.b.value != 0:
            return self._mod_by_const(e.a, e.b.value, False)
        return EVERYTHING

    def _minmax(self, e):
        return _union(self(e.a), self(e.b))

    def _select(self, e):
        return _union(self(e.true_value), self(e.false_value))

    def _call(self, e):
        if e.op == "tir.shift_left" and isinstance(e.args[1], E.IntImm):
            a = self(e.args[0])
            scale = 1 << e.args[1].value
            return make(a.coeff * scale, a.base * scale)
        return EVERYTHING


_VISIT = {
    E.IntImm: ModularSetAnalyzer._int, E.Var: ModularSetAnalyzer._var,
    E.SizeVar: ModularSetAnalyzer._var, E.Add: ModularSetAnalyzer._add,
    E.Sub: ModularSetAnalyzer._sub, E.Mul: ModularSetAnalyzer._mul,
    E.FloorDiv: ModularSetAnalyzer._floordiv, E.Div: ModularSetAnalyzer._truncdiv,
    E.FloorMod: ModularSetAnalyzer._floormod, E.Mod: ModularSetAnalyzer._truncmod,
    E.Min: ModularSetAnalyzer._minmax, E.Max: ModularSetAnalyzer._minmax,
    E.Select: ModularSetAnalyzer._select, E.Call: ModularSetAnalyzer._call,
}
