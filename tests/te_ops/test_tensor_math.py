"""Whole-tensor arithmetic (`A + 1`, `A * B` with numpy broadcasting) against numpy."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitvm as tvm
from minitvm import te, topi
from minitvm.te import TEError

from run import run

OPS = {"+": (lambda a, b: a + b, np.add, "T_add"),
       "-": (lambda a, b: a - b, np.subtract, "T_subtract"),
       "*": (lambda a, b: a * b, np.multiply, "T_multiply"),
       "/": (lambda a, b: a / b, np.divide, "T_divide")}


@st.composite
def broadcast_shapes(draw):
    """Two shapes numpy broadcasts: equal dims, a dim of 1 on either side, fewer dims."""
    ndim = draw(st.integers(1, 3))
    full = draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim))
    a = [draw(st.sampled_from([d, 1])) for d in full]
    b = [draw(st.sampled_from([d, 1])) for d in full]
    b = b[draw(st.integers(0, ndim - 1)):]
    return tuple(a), tuple(b)


@settings(max_examples=25, deadline=None)
@given(shapes=broadcast_shapes(), op=st.sampled_from(sorted(OPS)), swap=st.booleans())
def test_tensor_tensor_broadcasts_as_numpy(shapes, op, swap):
    sa, sb = shapes if not swap else shapes[::-1]
    build, ref, name = OPS[op]
    A, B = te.placeholder(sa, name="A"), te.placeholder(sb, name="B")
    C = build(A, B)
    assert C.op.name == name and C.op.tag == topi.tag.BROADCAST
    rng = np.random.default_rng(0)
    a = rng.random(sa).astype("float32") + 0.5
    b = rng.random(sb).astype("float32") + 0.5
    (c,) = run(te.create_schedule(C.op), [A, B, C], [a, b])
    np.testing.assert_allclose(c, ref(a, b), rtol=1e-6)


@pytest.mark.parametrize("op", sorted(OPS))
def test_tensor_scalar_both_sides(op):
    build, ref, name = OPS[op]
    A = te.placeholder((3, 5), name="A")
    a = np.random.default_rng(1).random((3, 5)).astype("float32") + 0.5
    for C, expected in ((build(A, 2), ref(a, np.float32(2))),
                        (build(3.0, A), ref(np.float32(3), a))):
        assert C.op.tag == topi.tag.ELEMWISE and C.op.name == name
        assert [iv.var.name for iv in C.op.axis] == ["ax0", "ax1"]
        (c,) = run(te.create_schedule(C.op), [A, C], [a])
        np.testing.assert_allclose(c, expected, rtol=1e-6)


def test_integer_floor_ops_and_negation():
    A = te.placeholder((7,), name="A", dtype="int32")
    a = np.arange(-3, 4, dtype="int32")
    for C, expected in ((A // 2, a // 2), (A % 3, a % 3), (-A, -a)):
        (c,) = run(te.create_schedule(C.op), [A, C], [a])
        np.testing.assert_array_equal(c, expected)


def test_incompatible_shapes_name_both_tensors():
    A, B = te.placeholder((3, 4), name="A"), te.placeholder((3,), name="B")
    with pytest.raises(TEError, match=r"tensor 'A' of shape \(3, 4\) with tensor 'B'"):
        A + B


def test_operand_that_is_not_a_tensor_or_scalar_names_the_tensor():
    A = te.placeholder((3,), name="A")
    with pytest.raises(TEError, match="tensor 'A'.*'x'"):
        A + "x"
