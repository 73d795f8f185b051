"""Broadcast and elementwise TOPI operators (topi.add, multiply, right_shift, cast,
clip, ...) on random shapes, against numpy's own broadcasting; topi.utils."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitvm as tvm
from minitvm import te, topi
from minitvm.topi.broadcast import BroadcastError
from topi_helpers import random, run


@st.composite
def broadcast_shapes(draw):
    """Two shapes that broadcast: a common shape with some dimensions set to 1 or dropped
    from the front of either."""
    common = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    shapes = []
    for _ in range(2):
        drop = draw(st.integers(0, len(common) - 1))
        shapes.append(tuple(1 if draw(st.booleans()) else d for d in common[drop:]))
    return shapes


FLOAT_OPS = [("add", np.add), ("subtract", np.subtract), ("multiply", np.multiply),
             ("divide", np.divide), ("maximum", np.maximum), ("minimum", np.minimum),
             ("floor_divide", np.floor_divide), ("floor_mod", lambda a, b: a - np.floor(a / b) * b),
             ("greater", np.greater), ("less_equal", np.less_equal), ("equal", np.equal)]
INT_OPS = [("add", np.add), ("multiply", np.multiply), ("right_shift", np.right_shift),
           ("left_shift", np.left_shift), ("floor_divide", np.floor_divide),
           ("floor_mod", np.mod), ("mod", np.fmod),
           ("divide", lambda a, b: np.trunc(a / b).astype(a.dtype)),
           ("bitwise_and", np.bitwise_and), ("bitwise_xor", np.bitwise_xor),
           ("not_equal", np.not_equal)]


@pytest.mark.parametrize("name, reference", FLOAT_OPS)
@settings(max_examples=5, deadline=None)
@given(shapes=broadcast_shapes(), seed=st.integers(0, 2**31))
def test_float_broadcast_ops_equal_numpy(name, reference, shapes, seed):
    rng = np.random.default_rng(seed)
    a_np, b_np = random(rng, shapes[0], "float32"), random(rng, shapes[1], "float32")
    b_np = np.where(np.abs(b_np) < 0.1, 0.5, b_np).astype("float32")
    A, B = te.placeholder(shapes[0], name="A"), te.placeholder(shapes[1], name="B")
    out = getattr(topi, name)(A, B)
    assert (out.op.name, out.op.tag) == (f"T_{name}", "broadcast")
    expect = reference(a_np, b_np)
    np.testing.assert_allclose(run(out, [A, B], [a_np, b_np]), expect, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name, reference", INT_OPS)
@settings(max_examples=5, deadline=None)
@given(shapes=broadcast_shapes(), seed=st.integers(0, 2**31))
def test_integer_broadcast_ops_equal_numpy(name, reference, shapes, seed):
    rng = np.random.default_rng(seed)
    a_np = rng.integers(-1000, 1000, shapes[0], dtype="int32")
    b_np = rng.integers(1, 9, shapes[1], dtype="int32") * rng.choice([-1, 1], shapes[1]) \
        if name not in ("right_shift", "left_shift") else rng.integers(0, 9, shapes[1],
                                                                        dtype="int32")
    b_np = b_np.astype("int32")
    A = te.placeholder(shapes[0], name="A", dtype="int32")
    B = te.placeholder(shapes[1], name="B", dtype="int32")
    out = getattr(topi, name)(A, B)
    np.testing.assert_array_equal(run(out, [A, B], [a_np, b_np]), reference(a_np, b_np))


def test_a_tensor_and_a_scalar_make_an_elemwise_compute():
    A = te.placeholder((3, 4), name="A", dtype="int32")
    out = topi.right_shift(A, 2)
    assert (out.op.name, out.op.tag) == ("T_right_shift", "elemwise")
    assert [iv.var.name for iv in out.op.axis] == ["ax0", "ax1"]
    a_np = np.arange(-6, 6, dtype="int32").reshape(3, 4) * 37
    np.testing.assert_array_equal(run(out, [A], [a_np]), a_np >> 2)
    left = topi.multiply(3, A)
    np.testing.assert_array_equal(run(left, [A], [a_np]), 3 * a_np)
    both = topi.add(tvm.tir.const(2), 3)
    assert isinstance(both, tvm.tir.IntImm) and both.value == 5


@settings(max_examples=10, deadline=None)
@given(shape=st.lists(st.integers(1, 5), min_size=1, max_size=3),
       src=st.sampled_from(["float32", "int32", "int8"]),
       dst=st.sampled_from(["float32", "int32", "int8", "uint8"]), seed=st.integers(0, 2**31))
def test_cast_and_clip_equal_numpy(shape, src, dst, seed):
    a_np = random(np.random.default_rng(seed), tuple(shape), src)
    if src == "float32":
        a_np = (a_np * 50).astype(src)
    A = te.placeholder(a_np.shape, name="A", dtype=src)
    cast = topi.cast(A, dst)
    assert (cast.op.name, cast.op.tag) == ("T_cast", "elemwise")
    expect = np.trunc(a_np).astype(np.int64).astype(dst) if src == "float32" and dst != \
        "float32" else a_np.astype(dst)
    if src == "float32" and dst in ("int8", "uint8"):    # out of range: undefined in C
        a_np = np.clip(a_np, 0, 100).astype(src)
        expect = np.trunc(a_np).astype(dst)
    np.testing.assert_array_equal(run(cast, [A], [a_np]), expect)
    clip = topi.clip(A, -20, 30)
    np.testing.assert_array_equal(run(clip, [A], [a_np]), np.clip(a_np, -20, 30))


@pytest.mark.parametrize("name, reference", [
    ("exp", np.exp), ("sigmoid", lambda x: 1 / (1 + np.exp(-x))), ("tanh", np.tanh),
    ("sqrt", lambda x: np.sqrt(np.abs(x))), ("abs", np.abs), ("negative", np.negative)])
def test_unary_math_operators_equal_numpy(name, reference):
    a_np = random(np.random.default_rng(3), (3, 5), "float32")
    if name == "sqrt":
        a_np = np.abs(a_np)
    A = te.placeholder(a_np.shape, name="A")
    out = getattr(topi, name)(A)
    assert out.op.tag == "elemwise"
    np.testing.assert_allclose(run(out, [A], [a_np]), reference(a_np), rtol=1e-6, atol=1e-7)


def test_utils_get_const_tuple_int_and_simplify():
    n = te.var("n")
    A = te.placeholder((n, 4, 2 * 3), name="A")
    assert topi.utils.get_const_tuple(A.shape)[1:] == (4, 6)
    assert topi.utils.get_const_tuple(A.shape)[0] is n
    assert topi.utils.get_const_int(tvm.tir.const(7) + 5) == 12
    assert topi.utils.get_const_int(9) == 9
    x = te.var("x")
    assert str(topi.utils.simplify(x + 1 - 1)) == "x"
    assert topi.utils.simplify(3) == 3
    assert topi.utils.equal_const_int(tvm.tir.const(2) * 2, 4)
    assert topi.nn.get_pad_tuple("SAME", (2, 3)) == (1, 1, 0, 1)
    assert topi.nn.get_pad_tuple((1, 2), (3, 3)) == (1, 2, 1, 2)
    assert topi.nn.get_pad_tuple((1, 2, 3, 4), (3, 3)) == (1, 2, 3, 4)


# --- misuse, one test per rule
def test_shapes_that_do_not_broadcast_are_refused_naming_both_tensors():
    A, B = te.placeholder((3, 4), name="Left"), te.placeholder((2, 4), name="Right")
    with pytest.raises(BroadcastError, match=r"add of 'Left' and 'Right'.*\(3, 4\) and "
                                             r"\(2, 4\) do not broadcast"):
        topi.add(A, B)


def test_get_const_int_of_a_variable_is_refused():
    with pytest.raises(ValueError, match="get_const_int: n is not a constant integer"):
        topi.utils.get_const_int(te.var("n"))


def test_unknown_padding_is_refused():
    with pytest.raises(ValueError, match="unknown padding 'FULL'"):
        topi.nn.get_pad_tuple("FULL", (3, 3))
    with pytest.raises(ValueError, match="must have 2 or 4 values"):
        topi.nn.get_pad_tuple((1, 2, 3), (3, 3))
