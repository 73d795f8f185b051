"""Property: random loop nests over two buffers, with affine reads and writes that may
overlap in any way (accumulations, guards, stores at several depths, fused loops),
give the same memory whether the vectorizer runs them as numpy
statements or they run as plain Python loops (which follow the IR's order exactly)."""
import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import minitvm.nd as nd
import minitvm.tir as T
from minitvm.codegen import build_host, dependence
from minitvm.codegen.affine import Analyzer
from minitvm.codegen.region import Refused, collect_region

from host_ir import func, load, param, store

SIZE = 48


@st.composite
def affine_index(draw, loop_vars, extents):
    """base + sum(c * v); a fused loop (extents (e1, e2)) contributes
    c1 * (v // e2) + c2 * (v % e2) instead, as `fuse` leaves it."""
    terms, index = [], T.const(0)
    for v, e in zip(loop_vars, extents):
        if isinstance(e, tuple):
            c1, c2 = draw(st.integers(-4, 4)), draw(st.integers(-4, 4))
            terms += [(c1, e[0]), (c2, e[1])]
            index = index + T.floordiv(v, e[1]) * c1 + T.floormod(v, e[1]) * c2
        else:
            c = draw(st.integers(-4, 4))
            terms.append((c, e))
            index = index + v * c
    lo = sum(min(0, c * (e - 1)) for c, e in terms)
    hi = sum(max(0, c * (e - 1)) for c, e in terms)
    assume(hi - lo < SIZE)
    return index + draw(st.integers(-lo, SIZE - 1 - hi))


@st.composite
def nests(draw):
    depth = draw(st.integers(1, 3))
    extents = [draw(st.one_of(st.integers(1, 4), st.tuples(st.integers(1, 3),
                                                           st.integers(2, 3))))
               for _ in range(depth)]
    loop_vars = [T.Var(f"i{k}") for k in range(depth)]
    bufs = {"A": param("A", "int32", (SIZE,)), "B": param("B", "int32", (SIZE,))}
    stores = []
    for _ in range(draw(st.integers(1, 3))):
        level = draw(st.integers(1, depth))
        target = bufs[draw(st.sampled_from("AB"))][2]
        index = draw(affine_index(loop_vars[:level], extents[:level]))
        value = T.const(draw(st.integers(-3, 3)))
        if draw(st.booleans()):      # an accumulation into the stored element
            value = value + load(target, index)
        for _ in range(draw(st.integers(0, 2))):
            source = bufs[draw(st.sampled_from("AB"))][2]
            value = value + load(source, draw(affine_index(loop_vars[:level],
                                                           extents[:level])))
        stmt = store(target, index, value)
        if draw(st.booleans()):      # a guard, as a non-dividing split leaves
            bound = draw(st.integers(0, 6))
            other = store(target, index, value + 1) if draw(st.booleans()) else None
            stmt = T.IfThenElse(sum(loop_vars[:level], T.const(0)) < bound, stmt, other)
        stores.append((level, stmt, draw(st.booleans())))
    if draw(st.booleans()):     # repeats, as unrolling leaves: instances of one kind
        stores = draw(st.lists(st.sampled_from(stores), min_size=1, max_size=6))
    return func(list(bufs.values()), _build(stores, loop_vars, extents, 1))


def _build(stores, loop_vars, extents, level):
    here_before = [s for lv, s, before in stores if lv == level - 1 and before]
    here_after = [s for lv, s, before in stores if lv == level - 1 and not before]
    if level > len(loop_vars):
        inner = [s for lv, s, _ in stores if lv == level - 1]
        return T.seq(*inner)
    body = _build(stores, loop_vars, extents, level + 1)
    extent = extents[level - 1]
    extent = extent[0] * extent[1] if isinstance(extent, tuple) else extent
    loop = T.For(loop_vars[level - 1], T.const(0), T.const(extent), T.ForKind.SERIAL, body)
    return T.seq(*here_before, loop, *here_after) if level > 1 else loop


def _run(f, vectorize, a, b):
    arrays = [nd.array(a), nd.array(b)]
    build_host(f, "nest", vectorize=vectorize)(*arrays)
    return [x.numpy() for x in arrays]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.filter_too_much])
@given(nests(), st.integers(0, 2 ** 31 - 1))
def test_vectorized_nests_match_python_loops(f, seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(-50, 50, SIZE).astype("int32")
    b = rng.integers(-50, 50, SIZE).astype("int32")
    expected = _run(f, False, a, b)
    actual = _run(f, True, a, b)
    np.testing.assert_array_equal(actual[0], expected[0])
    np.testing.assert_array_equal(actual[1], expected[1])


def _outcome(check, loop):
    try:
        check(collect_region(loop), Analyzer())
    except Refused as why:
        return str(why)
    return None


def _all_pairs(instances, accesses, written):
    for i in range(len(instances)):
        for j in range(i + 1, len(instances)):
            dependence._check_pair(accesses[i], accesses[j],
                                   dependence._common(instances[i], instances[j]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.filter_too_much])
@given(nests())
def test_pair_checks_once_per_kind_decide_as_all_pairs(f):
    """plan_region checks two stores once for each two kinds of store; with every pair
    checked (the definition) it accepts and refuses the same nests, with the same reason."""
    loop = f.body
    fast = _outcome(dependence.plan_region, loop)
    original = dependence._check_pairs
    dependence._check_pairs = _all_pairs
    try:
        slow = _outcome(dependence.plan_region, loop)
    finally:
        dependence._check_pairs = original
    assert fast == slow


@st.composite
def unrolled_nests(draw):
    """What unrolling leaves: one or two loops around many stores whose indices share
    coefficients and differ by constants (reads of the stored buffers too). Only planned,
    never run, so indices may leave the buffers."""
    loop_vars = [T.Var("i"), T.Var("j")][:draw(st.integers(1, 2))]
    extents = [draw(st.integers(1, 5)) for _ in loop_vars]
    shapes = [[draw(st.integers(-4, 4)) for _ in loop_vars] for _ in range(2)]
    bufs = {"A": param("A", "int32", (SIZE,)), "B": param("B", "int32", (SIZE,))}

    def index():
        coeffs = draw(st.sampled_from(shapes))
        return sum((v * c for v, c in zip(loop_vars, coeffs)), T.const(draw(
            st.integers(-8, 8))))
    stores = []
    for _ in range(draw(st.integers(2, 14))):
        value = T.const(1)
        for _ in range(draw(st.integers(0, 2))):
            value = value + load(bufs[draw(st.sampled_from("AB"))][2], index())
        stores.append(store(bufs[draw(st.sampled_from("AB"))][2], index(), value))
    body = T.seq(*stores)
    for var, extent in reversed(list(zip(loop_vars, extents))):
        body = T.For(var, T.const(0), T.const(extent), T.ForKind.SERIAL, body)
    return body


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unrolled_nests())
def test_pair_checks_of_overlapping_stores_only_decide_as_all_pairs(loop):
    """Only the pairs of stores that may touch one element are checked (same shape:
    constants within reach); accepted and refused as with every pair checked."""
    fast = _outcome(dependence.plan_region, loop)
    original = dependence._check_pairs
    dependence._check_pairs = _all_pairs
    try:
        slow = _outcome(dependence.plan_region, loop)
    finally:
        dependence._check_pairs = original
    assert fast == slow
