"""Affine index arithmetic for the VTA passes (TVM's `arith.DetectLinearEquation` and
`arith.DetectClipBound`, restricted to the integer coefficients VTA programs have).

An index such as `ic_outer*3136 + (i2 + i2_outer*7)*224 + i3*16 + i5 - 240` is read as a
`Linear` form: integer coefficients on *atoms* plus a constant. Atoms are variables or
any sub-expression that is not affine (`max(1 - i2_outer*7, 0)`, `i // 2`), compared
structurally, so `max(...)*224 // 16` divides exactly into `max(...)*14`. The DMA pass
reads copy strides and padding from these forms, the ALU and micro-op passes read loop
coefficients, and LowerDeviceStorageAccessInfo divides offsets into SRAM element indices.
"""
from __future__ import annotations

from minitvm.tir import expr as E
from minitvm.tir import op
from minitvm.tir.analysis import structural_key

from .common import uses_var


class Linear:
    """`sum(coeff * atom) + const` with int coefficients; immutable by convention."""

    __slots__ = ("terms", "const")

    def __init__(self, terms=None, const=0):
        self.terms = terms or {}        # atom key -> (atom expr, coeff), insertion ordered
        self.const = const

    @staticmethod
    def of(value):
        """The form of an expression or Python int."""
        if isinstance(value, Linear):
            return value
        if isinstance(value, int):
            return Linear(const=value)
        return _read(value)

    def __add__(self, other):
        other = Linear.of(other)
        terms = dict(self.terms)
        for key, (atom, coeff) in other.terms.items():
            total = terms.get(key, (atom, 0))[1] + coeff
            if total:
                terms[key] = (atom, total)
            else:
                terms.pop(key, None)
        return Linear(terms, self.const + other.const)

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-Linear.of(other))

    def __mul__(self, k):
        if not isinstance(k, int):
            raise TypeError(f"a Linear form scales by an int, not {k!r}")
        if k == 0:
            return Linear()
        return Linear({key: (atom, c * k) for key, (atom, c) in self.terms.items()},
                      self.const * k)

    def is_const(self, value=None):
        return not self.terms and (value is None or self.const == value)

    def divisible_by(self, k):
        return self.const % k == 0 and all(c % k == 0 for _, c in self.terms.values())

    def exact_div(self, k):
        """`self / k` when every coefficient divides exactly, else None."""
        if not self.divisible_by(k):
            return None
        return Linear({key: (atom, c // k) for key, (atom, c) in self.terms.items()},
                      self.const // k)

    def coeff(self, var):
        return self.terms.get(_key(var), (None, 0))[1]

    def without(self, var):
        terms = dict(self.terms)
        terms.pop(_key(var), None)
        return Linear(terms, self.const)

    def mentions_inside_atoms(self, var):
        """True when `var` occurs in an atom other than itself (a non-affine use)."""
        return any(atom is not var and uses_var(atom, var) for atom, _ in self.terms.values())

    def to_expr(self, dtype="int32"):
        """`a1*c1 + a2*c2 - a3*c3 ... + const`: positive terms first (in the order they
        were first seen), then the negative ones subtracted; `1 - x*7` when no term is
        positive."""
        def scaled(atom, c):
            return atom if c == 1 else op.mul(atom, c)

        terms = list(self.terms.values())
        result = None
        for atom, c in (t for t in terms if t[1] > 0):
            result = scaled(atom, c) if result is None else op.add(result, scaled(atom, c))
        const = self.const
        if result is None and const:
            result, const = op.const(const, dtype), 0
        for atom, c in (t for t in terms if t[1] < 0):
            result = scaled(atom, c) if result is None else op.sub(result, scaled(atom, -c))
        if result is None:
            return op.const(const, dtype)
        return op.add(result, const) if const > 0 else op.sub(result, -const) if const else result

    def __repr__(self):
        return f"Linear({self.to_expr()!r})"


def _key(atom):
    return ("var", id(atom)) if isinstance(atom, E.Var) else structural_key(atom)


def _read(e):
    e = op.convert(e)
    if isinstance(e, E.IntImm):
        return Linear(const=e.value)
    if isinstance(e, E.Add):
        return _read(e.a) + _read(e.b)
    if isinstance(e, E.Sub):
        return _read(e.a) - _read(e.b)
    if isinstance(e, E.Mul):
        if isinstance(e.b, E.IntImm):
            return _read(e.a) * e.b.value
        if isinstance(e.a, E.IntImm):
            return _read(e.b) * e.a.value
    if isinstance(e, E.Cast) and e.dtype in ("int32", "int64") and e.value.dtype.startswith("int"):
        return _read(e.value)
    return Linear({_key(e): (e, 1)})


def detect_linear_equation(expr, loop_vars):
    """TVM's DetectLinearEquation with int coefficients: `(coeffs, base)` such that
    `expr == sum(coeffs[i] * loop_vars[i]) + base`, where `base` does not mention the
    loop variables; None when a loop variable is used non-affinely."""
    form = Linear.of(expr)
    coeffs = []
    for var in loop_vars:
        if form.mentions_inside_atoms(var):
            return None
        coeffs.append(form.coeff(var))
        form = form.without(var)
    return coeffs, form


_CANONICAL = {   # comparison -> the form that is >= 0 exactly when it holds
    E.LT: lambda a, b: b - a - 1, E.LE: lambda a, b: b - a,
    E.GT: lambda a, b: a - b - 1, E.GE: lambda a, b: a - b,
}


def _conjuncts(cond):
    if isinstance(cond, E.And):
        return _conjuncts(cond.a) + _conjuncts(cond.b)
    return [cond]


def detect_clip_bound(cond, loop_vars):
    """TVM's DetectClipBound: for a conjunction of comparisons, each naming exactly one
    of `loop_vars` with coefficient +1 or -1, the inclusive `[lo, hi]` per variable as
    Linear forms (None where unbounded). None when a clause does not fit the pattern."""
    bounds = {id(v): [None, None] for v in loop_vars}
    for clause in _conjuncts(cond):
        canonical = _CANONICAL.get(type(clause))
        if canonical is None:
            return None
        form = canonical(Linear.of(clause.a), Linear.of(clause.b))
        named = [v for v in loop_vars if form.coeff(v) or form.mentions_inside_atoms(v)]
        if len(named) != 1 or form.mentions_inside_atoms(named[0]):
            return None
        var = named[0]
        coeff, rest = form.coeff(var), form.without(var)
        entry = bounds[id(var)]
        if coeff == 1:          # var + rest >= 0  ->  var >= -rest
            entry[0] = _tighter(entry[0], -rest, max)
        elif coeff == -1:       # rest - var >= 0  ->  var <= rest
            entry[1] = _tighter(entry[1], rest, min)
        else:
            return None
    return [tuple(bounds[id(v)]) for v in loop_vars]


def _tighter(old, new, pick):
    if old is None:
        return new
    if old.is_const() and new.is_const():
        return Linear(const=pick(old.const, new.const))
    combined = (op.max if pick is max else op.min)(old.to_expr(), new.to_expr())
    return Linear.of(combined)


def clamp_at_zero(form):
    """`max(form, 0)` as a Linear form (folded when `form` is constant)."""
    if form.is_const():
        return Linear(const=max(form.const, 0))
    return Linear.of(op.max(form.to_expr(), 0))
