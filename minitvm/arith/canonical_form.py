"""The canonical form of index sums (TVM's SplitExprNode / SumExprNode).

A `SumExpr` is a list of `SplitExpr` terms, each `((index % upper_factor) //
lower_factor) * scale`, plus an integer `base` holding every constant. Terms are
kept in the order met; a term with an equal index and equal factors merges into
an existing one (`add_split`). `SumExpr.normalize` writes the sum back as an
expression: terms stable-sorted by scale (then lower factor, upper factor, division
mode) descending, positive terms first, then a positive base, then negative terms,
then a negative base. `canonical.py` builds these while simplifying.
"""
from __future__ import annotations

from typing import NamedTuple

from ..tir import dtype as dt
from ..tir import expr as E
from ..tir import op
from ..tir.analysis import expr_deep_equal
from .const_int_bound import POS_INF
from .pattern import truncdiv, truncmod

TRUNC, FLOOR = 0, 1          # division modes; FLOOR sorts first (larger)


def mod_impl(a, b, mode):
    return truncmod(a, b) if mode == TRUNC else op.floormod(a, b)


def _div_impl(a, b, mode):
    return truncdiv(a, b) if mode == TRUNC else op.floordiv(a, b)


class SplitExpr(NamedTuple):
    """((index % upper_factor) // lower_factor) * scale; upper POS_INF means no modulo."""
    index: E.PrimExpr
    dtype: str
    lower_factor: int = 1
    upper_factor: int = POS_INF
    scale: int = 1
    div_mode: int = TRUNC

    def normalize(self, sscale=1):
        if self.scale == 0:
            return op.const(0, self.dtype)
        res = self.index
        if self.upper_factor != POS_INF:
            res = mod_impl(res, op.const(self.upper_factor, self.dtype), self.div_mode)
        if self.lower_factor != 1:
            res = _div_impl(res, op.const(self.lower_factor, self.dtype), self.div_mode)
        sscale *= self.scale
        if sscale != 1:
            res = op.mul(res, op.const(sscale, self.dtype))
        return res

    def index_equal(self, other):
        if self.index is other.index:
            return True
        if isinstance(self.index, E.Var) or isinstance(other.index, E.Var):
            return False                    # a variable equals only itself
        return expr_deep_equal(self.index, other.index)

    def mode_compatible(self, mode):
        """A bare index (no division or modulo) reads the same in either mode."""
        return self.div_mode == mode or (self.lower_factor == 1 and self.upper_factor == POS_INF)


def _sort_key(s):
    return (-s.scale, -s.lower_factor, -s.upper_factor, -s.div_mode)


class SumExpr:
    """sum(args) + base; mutable while one handler builds it, then normalized."""

    __slots__ = ("args", "base", "dtype")

    def __init__(self, dtype, args=(), base=0):
        self.dtype = dtype
        self.args = list(args)
        self.base = base

    def copy(self):
        return SumExpr(self.dtype, self.args, self.base)

    def is_zero(self):
        return self.base == 0 and not self.args

    def normalize(self):
        if not self.args:
            return op.const(self.base, self.dtype)
        return _normalize_terms(self.dtype, _merge_terms(list(self.args)), self.base)

    def mul_to_self(self, scale):
        self.base *= scale
        self.args = [a._replace(scale=a.scale * scale) for a in self.args]

    def divide_by(self, scale):
        self.base //= scale
        self.args = [a._replace(scale=a.scale // scale) for a in self.args]

    def add_split(self, other, scale):
        """self += other * scale, keeping equal indices together (AddToSelf)."""
        if other.scale == 0:
            return
        args = self.args
        start = next((i for i, a in enumerate(args) if a.index_equal(other)), len(args))
        for j in range(start, len(args)):
            a = args[j]
            if not a.index_equal(other) or other.lower_factor > a.lower_factor:
                args.insert(j, other._replace(scale=other.scale * scale))
                return
            if (other.lower_factor == a.lower_factor and other.upper_factor == a.upper_factor
                    and other.mode_compatible(a.div_mode)):
                args[j] = a._replace(scale=a.scale + other.scale * scale)
                return
        args.append(other._replace(scale=other.scale * scale))

    def add_sum(self, other, scale):
        for a in other.args:
            self.add_split(a, scale)
        self.base += other.base * scale


def _merge_terms(args):
    """Fold equal terms and `(x//(c*s))*s + (x%(c*s))//c` pairs, then stable-sort by scale."""
    for i in range(len(args)):
        if args[i].scale == 0:
            continue
        for j in range(i + 1, len(args)):
            lhs, rhs = args[i], args[j]
            if not lhs.index_equal(rhs) or lhs.upper_factor < rhs.lower_factor:
                break
            if (lhs.upper_factor == rhs.upper_factor and lhs.lower_factor == rhs.lower_factor
                    and lhs.mode_compatible(rhs.div_mode)):
                args[j] = rhs._replace(scale=rhs.scale + lhs.scale)
                args[i] = lhs._replace(scale=0)
            elif (lhs.lower_factor == rhs.upper_factor and rhs.scale != 0
                  and lhs.scale % rhs.scale == 0
                  and lhs.lower_factor == (lhs.scale // rhs.scale) * rhs.lower_factor
                  and lhs.mode_compatible(rhs.div_mode)):
                args[j] = rhs._replace(upper_factor=lhs.upper_factor)
                args[i] = lhs._replace(scale=0)
                break
    return sorted(args, key=_sort_key)


def _normalize_terms(dtype, args, base):
    lo, _ = dt.int_range(dtype)
    is_min = base == lo
    res = op.const(0, dtype)
    for a in args:
        if a.scale > 0:
            res = op.add(res, a.normalize())
    if base > 0 or is_min:
        res = op.add(res, op.const(base, dtype))
    for a in args:
        if a.scale < 0:
            res = op.sub(res, a.normalize(-1))
    if base < 0 and not is_min:
        res = op.sub(res, op.const(-base, dtype))
    return res
