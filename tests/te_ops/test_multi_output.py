"""Multi-output te.compute, tuple reducers (argmax/argmin), te.min_value/max_value and
te.tag_scope, run against numpy; one test per misuse rule."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitvm as tvm
from minitvm import te, topi
from minitvm.schedule.errors import ScheduleError
from minitvm.te import ReductionError, TEError

from run import run


def arg_reducer(better):
    """argmax (better = >=) or argmin (<=) over (index, value) pairs, first one on ties."""
    def fcombine(x, y):
        keep = better(x[1], y[1])
        return tvm.tir.Select(keep, x[0], y[0]), tvm.tir.Select(keep, x[1], y[1])

    def fidentity(t0, t1):
        worst = te.min_value(t1) if better(1, 0) else te.max_value(t1)
        return tvm.tir.const(-1, t0), worst
    return te.comm_reducer(fcombine, fidentity, name="arg")


@settings(max_examples=15, deadline=None)
@given(m=st.integers(1, 5), n=st.integers(1, 6), seed=st.integers(0, 99),
       is_max=st.booleans(), dtype=st.sampled_from(["int32", "float32"]))
def test_tuple_reduction_is_argmax_or_argmin(m, n, seed, is_max, dtype):
    reducer = arg_reducer((lambda a, b: a >= b) if is_max else (lambda a, b: a <= b))
    idx = te.placeholder((m, n), name="idx", dtype="int32")
    val = te.placeholder((m, n), name="val", dtype=dtype)
    k = te.reduce_axis((0, n), "k")
    T0, T1 = te.compute((m,), lambda i: reducer((idx[i, k], val[i, k]), axis=k), name="T")
    assert T0.op is T1.op and T0.op.num_outputs == 2 and T1.value_index == 1
    rng = np.random.default_rng(seed)
    v = rng.integers(-5, 5, (m, n)).astype(dtype)
    ix = rng.integers(0, 100, (m, n)).astype("int32")
    t0, t1 = run(te.create_schedule(T0.op), [idx, val, T0, T1], [ix, v])
    pos = v.argmax(axis=1) if is_max else v.argmin(axis=1)
    np.testing.assert_array_equal(t0, ix[np.arange(m), pos])
    np.testing.assert_array_equal(t1, v[np.arange(m), pos])


@settings(max_examples=15, deadline=None)
@given(m=st.integers(1, 5), n=st.integers(1, 6), factor=st.integers(1, 4),
       at_outer=st.booleans())
def test_multi_output_compute_scheduled_together(m, n, factor, at_outer):
    A0, A1 = te.placeholder((m, n), name="A0"), te.placeholder((m, n), name="A1")
    B0, B1 = te.compute((m, n), lambda i, j: (A0[i, j] + 2, A0[i, j] * 3), name="B")
    C = te.compute((m, n), lambda i, j: A1[i, j] + B0[i, j] - B1[i, j], name="C")
    s = te.create_schedule(C.op)
    xo, xi = s[C].split(C.op.axis[1], factor=factor)
    s[B1].compute_at(s[C], xo if at_outer else C.op.axis[0])
    rng = np.random.default_rng(m * 10 + n)
    a0, a1 = rng.random((m, n), "float32"), rng.random((m, n), "float32")
    (c,) = run(s, [A0, A1, C], [a0, a1])
    np.testing.assert_allclose(c, a1 + (a0 + 2) - a0 * 3, rtol=1e-5)


def test_both_outputs_are_results():
    A = te.placeholder((4, 3), name="A", dtype="int32")
    B0, B1 = te.compute((4, 3), lambda i, j: (A[i, j] + 1, A[i, j] * A[i, j]), name="B")
    a = np.arange(12, dtype="int32").reshape(4, 3)
    b0, b1 = run(te.create_schedule(B0.op), [A, B0, B1], [a])
    np.testing.assert_array_equal(b0, a + 1)
    np.testing.assert_array_equal(b1, a * a)


@pytest.mark.parametrize("dtype, lo, hi", [("int8", -128, 127), ("uint8", 0, 255),
                                           ("int32", -2**31, 2**31 - 1),
                                           ("float16", -65504.0, 65504.0),
                                           ("float32", -np.finfo("float32").max,
                                            np.finfo("float32").max)])
def test_min_value_max_value(dtype, lo, hi):
    assert te.min_value(dtype).dtype == dtype and te.min_value(dtype).value == lo
    assert te.max_value(dtype).value == hi


def test_tag_scope_as_block_and_decorator():
    A = te.placeholder((4,), name="A")
    with te.tag_scope(tag="mytag"):
        B = te.compute((4,), lambda i: A[i] + 1, name="B")
    assert B.op.tag == "mytag"

    @te.tag_scope(tag=topi.tag.ELEMWISE)
    def relu(x):
        return te.compute(x.shape, lambda i: te.max(x[i], 0.0), name="relu")
    assert relu(A).op.tag == "elemwise" and relu(B).op.tag == "elemwise"
    assert te.compute((4,), lambda i: A[i], name="C").op.tag == ""
    assert topi.tag.is_broadcast("elemwise") and topi.tag.is_injective("broadcast,pad")
    assert not topi.tag.is_injective(topi.tag.COMM_REDUCE)


# --- misuse: one test per rule ------------------------------------------------------------

def test_output_index_out_of_range_names_the_op():
    A = te.placeholder((4,), name="A")
    B0, _ = te.compute((4,), lambda i: (A[i], A[i] + 1), name="B")
    with pytest.raises(TEError, match="operation 'B' has 2 output"):
        B0.op.output(2)


def test_mixing_reduction_and_plain_outputs():
    A = te.placeholder((4, 4), name="A")
    k = te.reduce_axis((0, 4), "k")
    with pytest.raises(ReductionError, match="'B'.*every output is a reduction or none"):
        te.compute((4,), lambda i: (te.sum(A[i, k], axis=k), A[i, 0]), name="B")


def test_outputs_from_two_different_reductions():
    A = te.placeholder((4, 4), name="A")
    k = te.reduce_axis((0, 4), "k")
    with pytest.raises(ReductionError, match="'B'.*one tuple reduction"):
        te.compute((4,), lambda i: (te.sum(A[i, k], axis=k), te.max(A[i, k], axis=k)),
                   name="B")


def test_combiner_returning_the_wrong_number_of_values():
    bad = te.comm_reducer(lambda x, y: x[0] + y[0], lambda t0, t1: (0, 0), name="bad")
    A = te.placeholder((4, 4), name="A")
    k = te.reduce_axis((0, 4), "k")
    with pytest.raises(ReductionError, match="'bad': reducing 2 value.*returns 1"):
        te.compute((4,), lambda i: bad((A[i, k], A[i, k]), axis=k), name="B")


def test_combiner_taking_the_wrong_number_of_arguments():
    bad = te.comm_reducer(lambda x, y, z: x, lambda t: 0, name="bad3")
    A = te.placeholder((4, 4), name="A")
    k = te.reduce_axis((0, 4), "k")
    with pytest.raises(ReductionError, match="'bad3'.*two arguments"):
        te.compute((4,), lambda i: bad(A[i, k], axis=k), name="B")


def test_identity_of_the_wrong_dtype():
    bad = te.comm_reducer(lambda x, y: x + y, lambda t: tvm.tir.const(0, "int8"), name="bad")
    A = te.placeholder((4, 4), name="A")
    k = te.reduce_axis((0, 4), "k")
    with pytest.raises(ReductionError, match="'bad'.*reduced as float32.*identity int8"):
        te.compute((4,), lambda i: bad(A[i, k], axis=k), name="B")


def test_inlining_a_multi_output_compute():
    A = te.placeholder((4,), name="A")
    B0, B1 = te.compute((4,), lambda i: (A[i], A[i] + 1), name="B")
    C = te.compute((4,), lambda i: B0[i] + B1[i], name="C")
    s = te.create_schedule(C.op)
    s[B0].compute_inline()              # refused when lowering, where TVM refuses it
    with pytest.raises(ScheduleError, match="compute_inline on stage 'B'.*several outputs"):
        tvm.lower(s, [A, C])


def test_nested_tag_scopes():
    with te.tag_scope("outer"):
        with pytest.raises(TEError, match="tag_scope\\('inner'\\) opened inside.*'outer'"):
            with te.tag_scope("inner"):
                pass
        te.compute((1,), lambda i: i, name="use")


def test_tag_given_inside_a_tag_scope():
    with te.tag_scope("scoped"):
        with pytest.raises(TEError, match="'B': tag 'own' given inside.*'scoped'"):
            te.compute((2,), lambda i: i, name="B", tag="own")


def test_unused_tag_scope_warns():
    with pytest.warns(UserWarning, match="tag_scope\\('unused'\\) declared no te.compute"):
        with te.tag_scope("unused"):
            pass
