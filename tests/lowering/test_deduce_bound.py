"""arith.deduce_bound on its own (LoopPartition's tests reach it only through guards of
positive scales): the interval it gives for `v` is sufficient, lane by lane, for
comparisons through additions, subtractions, multiplications and floor divisions by
constants of either sign, with `v` on either side."""
import operator

from hypothesis import given, settings
from hypothesis import strategies as st

from minitvm.arith.deduce_bound import deduce_bound
from minitvm.tir import expr as E
from minitvm.tir import op

_COMPARE = {E.LT: operator.lt, E.LE: operator.le, E.GT: operator.gt, E.GE: operator.ge,
            E.EQ: operator.eq}
_MIRROR = {E.LT: E.GT, E.LE: E.GE, E.GT: E.LT, E.GE: E.LE, E.EQ: E.EQ}
nonzero = st.integers(-5, 5).filter(bool)


@settings(max_examples=300, deadline=None)
@given(scale=nonzero, offset=st.integers(-9, 9), divisor=st.one_of(st.none(), nonzero),
       bound=st.integers(-20, 20), cmp=st.sampled_from(sorted(_COMPARE, key=str)),
       v_on_left=st.booleans())
def test_the_deduced_interval_satisfies_the_condition(scale, offset, divisor, bound, cmp,
                                                      v_on_left):
    x = E.Var("x", "int32")
    side = op.add(op.mul(x, op.const(scale)), op.const(offset))
    if divisor is not None:
        side = op.floordiv(side, op.const(divisor))
    other = op.const(bound)
    cond = cmp(side, other) if v_on_left else _MIRROR[cmp](other, side)
    found = deduce_bound(x, cond, {}, {})
    if cmp is not E.EQ:
        assert found is not None, cond
    if found is None:
        return
    lo, hi = (None if b is None else b.value for b in found)

    def value(n):
        s = n * scale + offset
        return s if divisor is None else s // divisor
    for n in range(-80, 81):
        if (lo is None or n >= lo) and (hi is None or n <= hi):
            assert _COMPARE[cmp](value(n), bound), (cond, found, n)


def test_no_bound_for_a_variable_read_twice_or_a_scale_of_unknown_sign():
    x, y = E.Var("x", "int32"), E.Var("y", "int32")
    assert deduce_bound(x, E.LT(op.add(x, x), op.const(4)), {}, {}) is None
    assert deduce_bound(x, E.LT(op.mul(x, y), op.const(4)), {}, {}) is None
    assert deduce_bound(x, E.NE(x, op.const(4)), {}, {}) is None
