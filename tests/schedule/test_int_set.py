"""Interval sets: the bounds bound inference derives for index expressions."""
from minitvm.arith.int_set import IntSet, eval_set, union
from minitvm.tir import Var, const
from sched_outline import evaluate


def interval(e, dom, **env):
    s = eval_set(e, dom)
    return evaluate(s.min, **env), evaluate(s.max, **env)


def test_affine_index_over_loop_ranges():
    i, dy, y = Var("i"), Var("dy"), Var("y")
    dom = {i: IntSet.interval(0, 6), dy: IntSet.interval(0, 2)}
    assert interval(i + y * 7 + dy, dom, y=1) == (7, 15)
    assert interval((i - 1) * 2, dom) == (-2, 10)
    assert interval(3 - i, dom) == (-3, 3)


def test_division_modulo_min_max_and_points():
    i = Var("i")
    dom = {i: IntSet.interval(0, 13)}
    assert interval(i // 4, dom) == (0, 3)
    assert interval(i % 4, dom) == (0, 3)
    assert interval((i // 8) % 4, {i: IntSet.interval(8, 15)}) == (1, 1)
    assert interval(i % 16, dom) == (0, 13)
    assert interval(Var("x").__add__(1), dom, x=5) == (6, 6)
    assert interval(const(3) + i * 0, dom) == (3, 3)
    from minitvm.tir import max as tmax, min as tmin
    assert interval(tmin(i, 5), dom) == (0, 5)
    assert interval(tmax(i, 5), dom) == (5, 13)


def test_nested_domains_and_union():
    i, y = Var("i"), Var("y")
    dom = {i: IntSet.interval(y * 7, y * 7 + 6), y: IntSet.interval(0, 1)}
    assert interval(i, dom) == (0, 13)
    u = union([IntSet.interval(2, 5), IntSet.interval(0, 3)])
    assert (u.min.value, u.max.value) == (0, 5)
    assert IntSet.interval(y, y + 3).cover_range(None).extent.value == 4
    assert not eval_set(Var("p") * i, {i: IntSet.interval(0, 3)}).bounded


def test_sign_is_strict_for_bound_deduction_and_not_for_interval_arithmetic():
    """TVM's IntSet::GetSignType calls [0, 5] unknown; its Combine of `*` multiplies by a
    factor it proves >= 0 without reversing the bounds."""
    from minitvm.arith import Analyzer
    from minitvm.arith.int_set import sign
    i = Var("i")
    ana = Analyzer()
    assert sign(const(0), const(5), ana) == 0
    assert sign(const(0), const(5), ana, strict=False) == 1
    assert sign(const(1), None, ana) == 1 and sign(None, const(-1), ana) == -1
    assert sign(None, None, ana) == 0 and sign(i, i, ana, strict=False) == 0
