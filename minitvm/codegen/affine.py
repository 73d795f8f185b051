"""Affine forms of integer index expressions, and bounds of index expressions.

`Analyzer.affine(e)` writes `e` as `const + sum(coeff * var)` (let-bound variables
substituted), or gives None when `e` is not affine in its variables; affine index
arithmetic is assumed not to overflow, as in TVM's own analysis. `bounds(e)` gives
an inclusive interval of `e`'s mathematical value using the known loop ranges, and
only when that interval fits `e`'s dtype (so no wrap-around can have happened);
otherwise None.
"""
from __future__ import annotations

from ..tir import dtype as dt
from ..tir import expr as E


class Affine:
    """`const + sum(coeffs[v] * v)`; coefficients are non-zero Python ints."""

    __slots__ = ("coeffs", "const")

    def __init__(self, coeffs, const):
        self.coeffs = {v: c for v, c in coeffs.items() if c}
        self.const = const

    def __add__(self, other):
        coeffs = dict(self.coeffs)
        for v, c in other.coeffs.items():
            coeffs[v] = coeffs.get(v, 0) + c
        return Affine(coeffs, self.const + other.const)

    def scale(self, k):
        return Affine({v: c * k for v, c in self.coeffs.items()}, self.const * k)

    def __sub__(self, other):
        return self + other.scale(-1)

    def coeff(self, var):
        return self.coeffs.get(var, 0)

    def same_as(self, other):
        return self.const == other.const and self.coeffs == other.coeffs


def interval_of(affine, ranges):
    """Inclusive (lo, hi) of an affine form over `ranges` (Var -> (lo, hi)), or None."""
    lo = hi = affine.const
    for v, c in affine.coeffs.items():
        r = ranges.get(v)
        if r is None:
            return None
        a, b = c * r[0], c * r[1]
        lo, hi = lo + min(a, b), hi + max(a, b)
    return lo, hi


class Analyzer:
    """Affine forms and bounds under loop ranges and let bindings (both Var-keyed dicts
    that the caller may extend while walking scopes)."""

    def __init__(self, ranges=None, lets=None):
        self.ranges = ranges if ranges is not None else {}
        self.lets = lets if lets is not None else {}

    def affine(self, e):
        if not dt.is_integer(e.dtype):
            return None
        if isinstance(e, E.IntImm):
            return Affine({}, e.value)
        if isinstance(e, E.Var):
            if e in self.lets:
                return self.affine(self.lets[e])
            return Affine({e: 1}, 0)
        if isinstance(e, E.Cast):
            return self.affine(e.value) if _widens(e.value.dtype, e.dtype) else None
        if isinstance(e, (E.Add, E.Sub)):
            a, b = self.affine(e.a), self.affine(e.b)
            if a is None or b is None:
                return None
            return a + b if isinstance(e, E.Add) else a - b
        if isinstance(e, E.Mul):
            a, b = self.affine(e.a), self.affine(e.b)
            if a is not None and b is not None:
                if not a.coeffs:
                    return b.scale(a.const)
                if not b.coeffs:
                    return a.scale(b.const)
        return None

    def bounds(self, e):
        """Inclusive integer bounds of `e`, or None when unknown."""
        if not dt.is_integer(e.dtype):
            return None
        form = self.affine(e)
        if form is not None:
            found = interval_of(form, self.ranges)
        else:
            method = _BOUNDS.get(type(e))
            found = method(self, e) if method else None
        lo, hi = dt.int_range(e.dtype)
        return found if found is not None and lo <= found[0] and found[1] <= hi else None


def _widens(src, dst):
    """An integer cast that keeps every value of `src`."""
    if not (dt.is_integer(src) and dt.is_integer(dst)):
        return False
    lo, hi = dt.int_range(src)
    dlo, dhi = dt.int_range(dst)
    return dlo <= lo and hi <= dhi


def _both(analyzer, e):
    a, b = analyzer.bounds(e.a), analyzer.bounds(e.b)
    return (a, b) if a is not None and b is not None else (None, None)


def _bound_arith(analyzer, e):
    a, b = _both(analyzer, e)
    if a is None:
        return None
    if isinstance(e, E.Add):
        return a[0] + b[0], a[1] + b[1]
    if isinstance(e, E.Sub):
        return a[0] - b[1], a[1] - b[0]
    products = [x * y for x in a for y in b]
    return min(products), max(products)


def _bound_floordiv(analyzer, e):
    a, b = _both(analyzer, e)
    if a is None or b[0] <= 0:
        return None
    return min(a[0] // b[0], a[0] // b[1]), max(a[1] // b[0], a[1] // b[1])


def _bound_floormod(analyzer, e):
    a, b = _both(analyzer, e)
    if a is None or b[0] <= 0:
        return None
    if b[0] == b[1] and a[0] // b[0] == a[1] // b[0]:
        return a[0] % b[0], a[1] % b[0]
    return 0, b[1] - 1


def _bound_minmax(analyzer, e):
    a, b = _both(analyzer, e)
    if a is None:
        return None
    pick = min if isinstance(e, E.Min) else max
    return pick(a[0], b[0]), pick(a[1], b[1])


def _bound_select(analyzer, e):
    t, f = (e.true_value, e.false_value) if isinstance(e, E.Select) else e.args[1:]
    a, b = analyzer.bounds(t), analyzer.bounds(f)
    if a is None or b is None:
        return None
    return min(a[0], b[0]), max(a[1], b[1])


def _bound_call(analyzer, e):
    if e.op == "tir.if_then_else":
        return _bound_select(analyzer, e)
    if e.op == "tir.shift_right":
        a, b = analyzer.bounds(e.args[0]), analyzer.bounds(e.args[1])
        if a is not None and b is not None and b[0] == b[1] and b[0] >= 0:
            return a[0] >> b[0], a[1] >> b[0]
    return None


def _bound_cast(analyzer, e):
    return analyzer.bounds(e.value)


def _bound_let_var(analyzer, e):
    return analyzer.bounds(analyzer.lets[e]) if e in analyzer.lets else None


def _bound_dtype(analyzer, e):
    return dt.int_range(e.dtype) if dt.is_integer(e.dtype) else None


_BOUNDS = {E.Add: _bound_arith, E.Sub: _bound_arith, E.Mul: _bound_arith,
           E.FloorDiv: _bound_floordiv, E.FloorMod: _bound_floormod,
           E.Min: _bound_minmax, E.Max: _bound_minmax, E.Select: _bound_select,
           E.Call: _bound_call, E.Cast: _bound_cast, E.BufferLoad: _bound_dtype,
           E.Var: _bound_let_var}
