"""The simplifier's ramp and broadcast rules (TVM's rewrite_simplify.cc): each expected
form derived by hand from the lane values; each rewrite also checked lane by lane."""
import pytest

from minitvm.arith import Analyzer
from minitvm.tir import expr as E
from minitvm.tir.analysis import structural_equal
from minitvm.tir.functor import substitute

x, y, s = E.Var("x", "int32"), E.Var("y", "int32"), E.Var("s", "int32")
f = E.Var("f", "float32")


def i32(v):
    return E.IntImm("int32", v)


def ramp(base, stride):
    return E.Ramp(base, stride, 4)


def bcast(value):
    return E.Broadcast(value, 4)


CASES = [
    (E.Add(ramp(x, i32(1)), ramp(y, i32(2))), ramp(x + y, i32(3))),
    (E.Add(ramp(x, i32(1)), bcast(y)), ramp(x + y, i32(1))),
    (E.Add(bcast(y), ramp(x, i32(1))), ramp(y + x, i32(1))),
    (E.Add(bcast(f), bcast(f)), bcast(f + f)),
    (E.Sub(ramp(x, i32(3)), ramp(y, i32(1))), ramp(x - y, i32(2))),
    (E.Sub(ramp(x, i32(1)), bcast(y)), ramp(x - y, i32(1))),
    (E.Sub(bcast(y), ramp(x, i32(1))), ramp(y - x, i32(-1))),
    (E.Mul(ramp(x, i32(1)), bcast(s)), ramp(x * s, s)),
    (E.Mul(bcast(s), ramp(x, i32(2))), ramp(x * s, i32(2) * s)),
    (E.Mul(bcast(f), bcast(f)), bcast(f * f)),
]


def lanes(e, values):
    """The 4 lane values of a ramp or broadcast over int32 vars with `values`."""
    def scalar(v):
        return int(Analyzer().simplify(_bind(v, values)).value)
    if isinstance(e, E.Ramp):
        return [scalar(e.base) + k * scalar(e.stride) for k in range(4)]
    return [scalar(e.value)] * 4


def _bind(e, values):
    return substitute(e, {var: i32(v) for var, v in values.items()})


@pytest.mark.parametrize("before, after", CASES, ids=[str(i) for i in range(len(CASES))])
def test_vector_rule(before, after):
    got = Analyzer().simplify(before)
    assert structural_equal(got, Analyzer().simplify(after)), got
    if after.dtype.startswith("int"):
        values = {x: 5, y: -3, s: 7}
        a, b = before.a, before.b
        want = [_apply(type(before), p, q) for p, q in zip(lanes(a, values), lanes(b, values))]
        assert lanes(got, values) == want


def _apply(cls, p, q):
    return {E.Add: p + q, E.Sub: p - q, E.Mul: p * q}[cls]
