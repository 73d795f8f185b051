"""The canonical simplifier (TVM's `arith::CanonicalSimplifier`): index sums in normal form.

An index expression is read into a `SumExpr`: a list of `SplitExpr` terms, each
`((index % upper_factor) // lower_factor) * scale`, plus an integer `base` that
collects every constant. Terms are kept in the order met (left to right); a term
whose index and factors equal an existing one merges into it. Writing the sum back
(`SumExpr.normalize`) stable-sorts the terms by scale, descending, and prints the
positive terms, then a positive base, then the negative terms and a negative base:
`i1 * 3136 + i2 * 224 + i3 * 16 + i5 - 240`, `1 - i2_outer * 7`, `9 - x - y`.
Division and modulo by a positive constant work on these terms directly.
Everything else (min, max, comparisons, ...) goes to the rewrite simplifier it extends.
"""
from __future__ import annotations

from math import gcd

from ..tir import dtype as dt
from ..tir import expr as E
from ..tir import op
from .canonical_form import FLOOR, TRUNC, SplitExpr, SumExpr, mod_impl
from .compare import CompareResult as CR, is_index_type
from .const_int_bound import POS_INF
from .pattern import truncdiv, truncmod
from .rewrite import RewriteSimplifier

_CANONICAL = (SplitExpr, SumExpr)


def _int_value(e):
    return e.value if isinstance(e, E.IntImm) else None


class CanonicalSimplifier(RewriteSimplifier):
    """Rewrite simplifier whose index arithmetic goes through SumExpr/SplitExpr."""

    def __call__(self, expr):
        return self.visit(expr)

    def visit(self, e):
        return self.normalize(RewriteSimplifier.visit(self, e))

    def canonical_mutate(self, e):
        return RewriteSimplifier.visit(self, e)

    @staticmethod
    def normalize(e):
        return e.normalize() if isinstance(e, _CANONICAL) else e

    def to_split(self, e):
        if isinstance(e, SplitExpr):
            return e
        if isinstance(e, SumExpr):
            if e.base == 0 and len(e.args) == 1:
                return e.args[0]
            e = e.normalize()
        return SplitExpr(e, e.dtype)

    def to_sum(self, e):
        if isinstance(e, SumExpr):
            return e.copy()
        if isinstance(e, E.IntImm):
            return SumExpr(e.dtype, base=e.value)
        return SumExpr(e.dtype, [self.to_split(e)])

    def convert_div_mode(self, s, mode):
        if s.div_mode == mode:
            return s
        if not s.mode_compatible(mode):
            s = self.to_split(s.normalize())
        return s._replace(div_mode=mode)

    # -- sums -------------------------------------------------------------------------

    def _operands(self, e):
        return self.canonical_mutate(e.a), self.canonical_mutate(e.b)

    def _add_or_sub(self, e, sign):
        if not is_index_type(e.dtype):
            return RewriteSimplifier.visit_Add(self, e) if sign > 0 \
                else RewriteSimplifier.visit_Sub(self, e)
        a, b = self._operands(e)
        va, vb = _int_value(a), _int_value(b)
        if va is not None and vb is not None:
            return op.add(a, b) if sign > 0 else op.sub(a, b)
        if vb == 0:
            return a
        if va == 0 and sign > 0:
            return b
        ret = self.to_sum(a)
        if vb is not None:
            ret.base += sign * vb
        elif isinstance(b, SumExpr):
            ret.add_sum(b, sign)
        else:
            ret.add_split(self.to_split(b), sign)
        return ret

    def visit_Add(self, e):
        return self._add_or_sub(e, 1)

    def visit_Sub(self, e):
        return self._add_or_sub(e, -1)

    def visit_Mul(self, e):
        if not is_index_type(e.dtype):
            return RewriteSimplifier.visit_Mul(self, e)
        a, b = self._operands(e)
        va, vb = _int_value(a), _int_value(b)
        if va is not None and vb is not None:
            return op.const(va * vb, e.dtype)
        if va is not None:
            a, b, va, vb = b, a, vb, va
        if vb is not None:
            if vb == 1:
                return a
            if vb == 0:
                return op.const(0, e.dtype)
            if isinstance(a, SumExpr):
                ret = a.copy()
                ret.mul_to_self(vb)
                return ret
            s = self.to_split(a)
            return s._replace(scale=s.scale * vb)
        a, b = self.normalize(a), self.normalize(b)
        ret = _mul_and_normalize(a, b)
        if isinstance(ret, E.Mul) and ret.a is e.a and ret.b is e.b:
            return e
        return ret

    # -- division and modulo by constants ---------------------------------------------

    def separate_divisible(self, psum, coeff):
        divisible, rest = SumExpr(psum.dtype), SumExpr(psum.dtype)
        if psum.base % coeff == 0:
            divisible.base = psum.base
        else:
            rest.base = psum.base
        for a in psum.args:
            (divisible if a.scale % coeff == 0 else rest).args.append(a)
        return divisible, rest

    def split_div_const(self, lhs, cval, mode):
        lhs = self.convert_div_mode(lhs, mode)
        if lhs.scale % cval == 0:
            return lhs._replace(scale=lhs.scale // cval)
        if lhs.scale > 0 and cval % lhs.scale == 0:   # (TVM forgets negative scales)
            scaled = cval // lhs.scale
            if lhs.upper_factor == POS_INF or lhs.upper_factor % (lhs.lower_factor * scaled) == 0:
                return lhs._replace(scale=1, lower_factor=lhs.lower_factor * scaled)
            if lhs.upper_factor <= lhs.lower_factor * scaled:
                return self.to_split(op.const(0, lhs.dtype))      # (x % c1) / c2 with c2 >= c1
            index = mod_impl(lhs.index, op.const(lhs.upper_factor, lhs.dtype), mode)
            return lhs._replace(index=index, upper_factor=POS_INF, scale=1,
                           lower_factor=lhs.lower_factor * scaled)
        lhs = self.to_split(lhs.normalize())
        return lhs._replace(lower_factor=lhs.lower_factor * cval, div_mode=mode)

    def split_mod_const(self, lhs, cval, mode):
        lhs = self.convert_div_mode(lhs, mode)
        if lhs.scale % cval == 0:
            return lhs._replace(scale=0)
        if lhs.scale > 0 and cval % lhs.scale == 0:   # (TVM forgets negative scales)
            new_upper = lhs.lower_factor * (cval // lhs.scale)
            if lhs.upper_factor == POS_INF or lhs.upper_factor % new_upper == 0:
                if new_upper < lhs.upper_factor and lhs.upper_factor != POS_INF:
                    inner = mod_impl(lhs.index, op.const(new_upper, lhs.dtype), mode)
                    updated = self.to_split(self.visit(inner))
                    if lhs.lower_factor != 1:
                        updated = self.split_div_const(updated, lhs.lower_factor, mode)
                    return updated._replace(scale=updated.scale * lhs.scale)
                return lhs._replace(upper_factor=new_upper)
            if new_upper % lhs.upper_factor == 0:
                return lhs                                          # (x % 2) % 4 == x % 2
        lhs = self.to_split(lhs.normalize())
        return lhs._replace(div_mode=mode, upper_factor=cval)

    def _const_divisor(self, e):
        a, b = self._operands(e)
        return a, b, _int_value(b)

    def _fold_div(self, a, b, e, fold):
        va, vb = _int_value(a), _int_value(b)
        if vb == 0:
            raise ZeroDivisionError(f"division by zero in {e!r}")
        if va is not None and vb is not None:
            return op.const(fold(va, vb), e.dtype)
        if va == 0:
            return a
        return a if vb == 1 else None

    def visit_FloorDiv(self, e):
        if not is_index_type(e.dtype):
            return RewriteSimplifier.visit_FloorDiv(self, e)
        a, b, cval = self._const_divisor(e)
        folded = self._fold_div(a, b, e, lambda p, q: p // q)
        if folded is not None:
            return folded
        if cval is None or cval <= 0:
            return self._symbolic(e, a, b, E.FloorDiv)
        if isinstance(a, SumExpr):
            lhs, extra = self.separate_divisible(a, cval)
            lhs.divide_by(cval)
            if extra.is_zero():
                return lhs
            temp = extra.normalize()
            if isinstance(temp, E.IntImm):
                lhs.base += temp.value // cval
            elif not (self.try_compare_value(temp, cval) == CR.LT
                      and self.analyzer.can_prove_greater_equal(temp, 0)):
                lhs.add_split(self.split_div_const(self.to_split(temp), cval, FLOOR), 1)
            return lhs
        lo, hi = self.analyzer.const_int_bound(self.normalize(a))
        if lo >= 0 and hi < cval:
            return op.const(0, e.dtype)
        return self.split_div_const(self.to_split(a), cval, FLOOR)

    def visit_FloorMod(self, e):
        if not is_index_type(e.dtype):
            return RewriteSimplifier.visit_FloorMod(self, e)
        a, b, cval = self._const_divisor(e)
        va = _int_value(a)
        if cval == 0:
            raise ZeroDivisionError(f"modulo by zero in {e!r}")
        if va is not None and cval is not None:
            return op.const(va % cval, e.dtype)
        if va == 0:
            return a
        if cval == 1:
            return op.const(0, e.dtype)
        if cval is None or cval <= 0:
            return self._symbolic(e, a, b, E.FloorMod)
        if isinstance(a, SumExpr):
            _, extra = self.separate_divisible(a, cval)
            temp = extra.normalize()
            if isinstance(temp, E.IntImm):
                return op.const(temp.value % cval, e.dtype)
            if (self.try_compare_value(temp, cval) == CR.LT
                    and self.analyzer.can_prove_greater_equal(temp, 0)):
                return temp
            extra.base %= cval
            return self.split_mod_const(self.to_split(extra), cval, FLOOR)
        lo, hi = self.analyzer.const_int_bound(self.normalize(a))
        if lo >= 0 and hi < cval:
            return a
        return self.split_mod_const(self.to_split(a), cval, FLOOR)

    def visit_Div(self, e):
        if not is_index_type(e.dtype):
            return RewriteSimplifier.visit_Div(self, e)
        a, b, cval = self._const_divisor(e)
        folded = self._fold_div(a, b, e, lambda p, q: truncdiv(op.const(p), op.const(q)).value)
        if folded is not None:
            return folded
        if cval is None or cval <= 0:
            return self._symbolic(e, a, b, E.Div)
        if isinstance(a, SumExpr):
            lhs, extra = self.separate_divisible(a, cval)
            if extra.is_zero():
                lhs.divide_by(cval)
                return lhs
            if (self.analyzer.can_prove_greater_equal(lhs.normalize(), 0)
                    and self.analyzer.can_prove_greater_equal(extra.normalize(), 0)):
                lhs.divide_by(cval)
                temp = extra.normalize()
                if isinstance(temp, E.IntImm):
                    lhs.base += temp.value // cval
                elif self.try_compare_value(temp, cval) != CR.LT:
                    lhs.add_split(self.split_div_const(self.to_split(temp), cval, TRUNC), 1)
                return lhs
        else:
            lo, hi = self.analyzer.const_int_bound(self.normalize(a))
            if lo >= 0 and hi < cval:
                return op.const(0, e.dtype)
        return self.split_div_const(self.to_split(a), cval, TRUNC)

    def visit_Mod(self, e):
        if not is_index_type(e.dtype):
            return RewriteSimplifier.visit_Mod(self, e)
        a, b, cval = self._const_divisor(e)
        va = _int_value(a)
        if va is not None and cval:
            return truncmod(a, b)
        if cval is None or cval <= 0:
            return self._symbolic(e, a, b, E.Mod)
        if isinstance(a, SumExpr):
            lhs, extra = self.separate_divisible(a, cval)
            if extra.is_zero():
                return op.const(0, e.dtype)
            if (self.analyzer.can_prove_greater_equal(lhs.normalize(), 0)
                    and self.analyzer.can_prove_greater_equal(extra.normalize(), 0)):
                temp = extra.normalize()
                if isinstance(temp, E.IntImm):
                    return truncmod(temp, b)
                if self.try_compare_value(temp, cval) == CR.LT:
                    return temp
                a = extra
            lo, _ = self.analyzer.const_int_bound(self.normalize(a))
            new_base = truncmod(op.const(a.base), op.const(cval)).value
            if lo >= 0 and lo - a.base + new_base >= 0:
                a = a.copy()
                a.base = new_base
        else:
            lo, hi = self.analyzer.const_int_bound(self.normalize(a))
            if lo >= 0 and hi < cval:
                return a
        return self.split_mod_const(self.to_split(a), cval, TRUNC)

    def _symbolic(self, e, a, b, cls):
        a, b = self.normalize(a), self.normalize(b)
        if a is e.a and b is e.b:
            return e
        return cls(a, b)

    # -- casts and comparisons --------------------------------------------------------

    def visit_Cast(self, e):
        if not is_index_type(e.dtype):
            return RewriteSimplifier.visit_Cast(self, e)
        value = self.canonical_mutate(e.value)
        if isinstance(value, _CANONICAL) and dt.bits(e.dtype) >= dt.bits(value.dtype):
            if isinstance(value, SumExpr):
                ret = SumExpr(e.dtype, [_cast_split(a, e.dtype) for a in value.args], value.base)
                return ret
            return _cast_split(value, e.dtype)
        return RewriteSimplifier.visit_Cast(self, e)

    def visit_LT(self, e):
        """x0*s0 + ... + xn + c < 0 divided by the gcd of the scales when xn is small."""
        diff = self.canonical_mutate(op.sub(e.a, e.b))
        if isinstance(diff, SumExpr):
            divisor, has_scale = diff.base, False
            for a in diff.args:
                if a.scale > 1 or a.scale < -1:
                    has_scale = True
                    divisor = gcd(divisor, abs(a.scale))
            if has_scale and divisor > 1:
                out = self._lt_by_gcd(diff, divisor)
                if out is not None:
                    return out
        return RewriteSimplifier.visit_LT(self, e)

    def _lt_by_gcd(self, diff, divisor):
        divisible, extra = self.separate_divisible(diff, divisor)
        zero = op.const(0, diff.dtype)
        normal_extra = extra.normalize()
        # TVM accepts -d < extra < d here, which is wrong for a negative extra
        # (x*8 - y < 0 is not x < 0); only 0 <= extra < d lets the extra be dropped.
        if (self.analyzer.can_prove(op.less(normal_extra, op.const(divisor, diff.dtype)))
                and self.analyzer.can_prove(op.greater_equal(normal_extra, zero))):
            divisible.divide_by(divisor)
            return RewriteSimplifier.visit(self, op.less(divisible.normalize(), zero))
        split = extra.args[0] if len(extra.args) == 1 else None
        # TVM also takes a negative or truncated remainder here, which is wrong
        # (x*2 - y%2 < 0 is not x < 0): only a floor remainder added once is safe.
        if (split is not None and split.scale == 1 and split.div_mode == FLOOR
                and split.upper_factor != POS_INF
                and split.upper_factor % (divisor * split.lower_factor) == 0):
            divisible.divide_by(divisor)
            lower = divisor * split.lower_factor
            extra_expr = op.floormod(op.floordiv(split.index, lower), split.upper_factor // lower)
            return RewriteSimplifier.visit(
                self, op.less(op.add(divisible.normalize(), extra_expr), zero))
        return None


def _cast_split(s, dtype):
    return s._replace(index=op.cast(dtype, s.index), dtype=dtype)


def _mul_and_normalize(a, b):
    """Product of non-constant factors with the constant factors collected last."""
    scale = 1
    res = op.const(1, a.dtype)
    for side in (a, b):
        for factor in _unpack_mul(side):
            if isinstance(factor, E.IntImm):
                scale *= factor.value
            else:
                res = op.mul(res, factor)
    return op.mul(res, op.const(scale, res.dtype)) if scale != 1 else res


def _unpack_mul(e):
    if isinstance(e, E.Mul):
        return _unpack_mul(e.a) + _unpack_mul(e.b)
    return [e]
