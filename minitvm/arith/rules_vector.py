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


def _pair(e):
    """(a, b, lanes) when both operands are ramps or broadcasts of one lane count."""
    a, b = e.a, e.b
    if not isinstance(a, (E.Ramp, E.Broadcast)) or not isinstance(b, (E.Ramp, E.Broadcast)):
        return None
    return (a, b, a.lanes) if a.lanes == b.lanes else None


def _zero(like):
    return op.const(0, like.dtype)


def add(e, simplifier):
    pair = _pair(e)
    if pair is None:
        return None
    a, b, lanes = pair
    if isinstance(a, E.Broadcast) and isinstance(b, E.Broadcast):
        return E.Broadcast(op.add(a.value, b.value), lanes)
    if isinstance(a, E.Ramp) and isinstance(b, E.Ramp):
        return E.Ramp(op.add(a.base, b.base), op.add(a.stride, b.stride), lanes)
    if isinstance(a, E.Ramp):
        return E.Ramp(op.add(a.base, b.value), a.stride, lanes)
    return E.Ramp(op.add(a.value, b.base), b.stride, lanes)


def sub(e, simplifier):
    pair = _pair(e)
    if pair is None:
        return None
    a, b, lanes = pair
    if isinstance(a, E.Broadcast) and isinstance(b, E.Broadcast):
        return E.Broadcast(op.sub(a.value, b.value), lanes)
    if isinstance(a, E.Ramp) and isinstance(b, E.Ramp):
        return E.Ramp(op.sub(a.base, b.base), op.sub(a.stride, b.stride), lanes)
    if isinstance(a, E.Ramp):
        return E.Ramp(op.sub(a.base, b.value), a.stride, lanes)
    return E.Ramp(op.sub(a.value, b.base), op.sub(_zero(b.stride), b.stride), lanes)


def mul(e, simplifier):
    pair = _pair(e)
    if pair is None:
        return None
    a, b, lanes = pair
    if isinstance(a, E.Broadcast) and isinstance(b, E.Broadcast):
        return E.Broadcast(op.mul(a.value, b.value), lanes)
    if isinstance(a, E.Ramp) and isinstance(b, E.Ramp):
        return None
    ramp, scale = (a, b.value) if isinstance(a, E.Ramp) else (b, a.value)
    return E.Ramp(op.mul(ramp.base, scale), op.mul(ramp.stride, scale), lanes)


ADD, SUB, MUL = [add], [sub], [mul]
