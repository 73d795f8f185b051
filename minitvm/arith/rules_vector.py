"""Rewrite rules for vector arithmetic (TVM's rewrite_simplify.cc, its ramp and broadcast
rules): an operation of two vectors of one lane count whose lanes form a ramp or a
broadcast is that ramp or broadcast.

    ramp(b1, s1, n) + ramp(b2, s2, n)  ->  ramp(b1 + b2, s1 + s2, n)
    ramp(b1, s1, n) + broadcast(x, n)  ->  ramp(b1 + x, s1, n)
    broadcast(x, n) * broadcast(y, n)  ->  broadcast(x * y, n)
    ramp(b1, s1, n) * broadcast(x, n)  ->  ramp(b1 * x, s1 * x, n)

VectorizeLoop builds vector expressions; the phase-3 Simplify then folds them with
these rules (a strided buffer's index `ramp(i, 1, 4) * broadcast(stride, 4)` becomes
`ramp(i * stride, stride, 4)`). Each rule is a function `(expr, simplifier)` returning the
rewritten expression or None; the rules sit in the "any" tables of `rules_arith`, since a
vector type is no index type. The scalar parts are built with the folding operators, as
TVM's rules build them, and not simplified again.
"""
from __future__ import annotations

from ..tir import expr as E
from ..tir import op


def _vector_rule(combine, on_ramps):
    """The rule for the operator `combine` (op.add, op.sub, op.mul): two broadcasts
    combine their values, a ramp with a broadcast or a ramp is rewritten by `on_ramps`."""
    def rule(e, simplifier):
        a, b = e.a, e.b
        if not isinstance(a, (E.Ramp, E.Broadcast)) or not isinstance(b, (E.Ramp, E.Broadcast)) \
                or a.lanes != b.lanes:
            return None
        if isinstance(a, E.Broadcast) and isinstance(b, E.Broadcast):
            return E.Broadcast(combine(a.value, b.value), a.lanes)
        return on_ramps(a, b, combine)
    return rule


def _additive(a, b, combine):
    """+ or -: lane k of a ramp is base + k * stride, so bases and strides combine."""
    if isinstance(a, E.Ramp) and isinstance(b, E.Ramp):
        return E.Ramp(combine(a.base, b.base), combine(a.stride, b.stride), a.lanes)
    if isinstance(a, E.Ramp):
        return ramp_with_scalar(a, b.value, combine)
    return scalar_with_ramp(a.value, b, combine)


def _scaled(a, b, combine):
    """*: a ramp times a broadcast scales base and stride (two ramps: no rule)."""
    if isinstance(a, E.Ramp) and isinstance(b, E.Ramp):
        return None
    ramp, scale = (a, b.value) if isinstance(a, E.Ramp) else (b, a.value)
    return scaled_ramp(ramp, scale, combine)


# The ramp-with-scalar folds, shared with VectorizeLoop (which meets the scalar before
# it is broadcast): `combine` is + or - (or, for `scaled_ramp`, *).

def ramp_with_scalar(ramp, x, combine):
    """ramp(b, s, n) +/- x  ->  ramp(b +/- x, s, n)"""
    return E.Ramp(combine(ramp.base, x), ramp.stride, ramp.lanes)


def scalar_with_ramp(x, ramp, combine):
    """x +/- ramp(b, s, n)  ->  ramp(x +/- b, 0 +/- s, n)"""
    zero = op.const(0, ramp.stride.dtype)
    return E.Ramp(combine(x, ramp.base), combine(zero, ramp.stride), ramp.lanes)


def scaled_ramp(ramp, x, mul):
    """ramp(b, s, n) * x  ->  ramp(b * x, s * x, n) (either order of the factors)"""
    return E.Ramp(mul(ramp.base, x), mul(ramp.stride, x), ramp.lanes)


ADD = [_vector_rule(op.add, _additive)]
SUB = [_vector_rule(op.sub, _additive)]
MUL = [_vector_rule(op.mul, _scaled)]
