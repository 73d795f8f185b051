"""te.extern: stages whose body the user writes, scheduled among computes, against numpy;
one test per misuse rule."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitvm as tvm
from minitvm import te
from minitvm.te import TEError

from run import run


def copy_body(ins, outs, transform):
    """outs[k][i] = transform(k, ins[0][i]) for a 1-d input, with ir_builder loops."""
    ib = tvm.tir.ir_builder.create()
    src = ib.buffer_ptr(ins[0])
    with ib.for_range(0, ins[0].shape[0], name="i") as i:
        for k, out in enumerate(outs):
            ib.buffer_ptr(out)[i] = transform(k, src[i])
    return ib.get()


@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 12), split=st.integers(1, 5))
def test_extern_between_scheduled_computes(n, split):
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] * 2.0, name="B")
    C = te.extern((n,), [B], lambda ins, outs: copy_body(ins, outs, lambda k, x: x + 1.0),
                  name="C")
    D = te.compute((n,), lambda i: C[i] * C[i], name="D")
    s = te.create_schedule(D.op)
    s[D].split(D.op.axis[0], factor=split)
    s[B].split(B.op.axis[0], factor=split)
    a = np.random.default_rng(n).random(n, dtype="float32")
    (d,) = run(s, [A, D], [a])
    np.testing.assert_allclose(d, (a * 2 + 1) ** 2, rtol=1e-5)


def test_extern_with_two_outputs_and_given_buffers():
    A = te.placeholder((5,), name="A", dtype="int32")
    in_buf = tvm.tir.decl_buffer((5,), "int32", "A_in")
    outs = [tvm.tir.decl_buffer((5,), "int32", "lo"), tvm.tir.decl_buffer((5,), "int32", "hi")]
    lo, hi = te.extern([(5,), (5,)], [A],
                       lambda ins, o: copy_body(ins, o, lambda k, x: x - 1 if k == 0 else x + 1),
                       name="E", in_buffers=[in_buf], out_buffers=outs)
    assert lo.op is hi.op and lo.op.input_placeholders == (in_buf,)
    a = np.arange(5, dtype="int32")
    l_, h_ = run(te.create_schedule(lo.op), [A, lo, hi], [a])
    np.testing.assert_array_equal(l_, a - 1)
    np.testing.assert_array_equal(h_, a + 1)


def test_extern_dtype_tag_and_placeholders():
    A = te.placeholder((3, 4), name="A")
    with te.tag_scope("ext"):
        B = te.extern((4, 3), [A], lambda ins, outs: tvm.tir.call_packed(
            "tvm.contrib.cblas.matmul", ins[0], ins[0], outs[0]), name="B", dtype="float64")
    assert B.dtype == "float64" and B.op.tag == "ext"
    (buf,) = B.op.input_placeholders
    assert buf.name == "A" and buf.dtype == "float32" and B.op.input_tensors == (A,)


# --- misuse: one test per rule ------------------------------------------------------------

def test_input_that_is_not_a_tensor():
    with pytest.raises(TEError, match="te.extern 'E': input 0 is 3, not a tensor"):
        te.extern((2,), [3], lambda i, o: None, name="E")


def test_body_that_is_not_a_statement():
    A = te.placeholder((2,), name="A")
    with pytest.raises(TEError, match="'E': fcompute returned 'x'"):
        te.extern((2,), [A], lambda i, o: "x", name="E")


def test_extern_without_inputs_needs_a_dtype():
    with pytest.raises(TEError, match="'E': give dtype="):
        te.extern((2,), [], lambda i, o: None, name="E")


def test_dtype_list_of_the_wrong_length():
    A = te.placeholder((2,), name="A")
    with pytest.raises(TEError, match="'E': 2 dtypes for 1 outputs"):
        te.extern((2,), [A], lambda i, o: None, name="E", dtype=["int8", "int8"])


def test_in_buffer_of_the_wrong_dtype_names_the_tensor():
    A = te.placeholder((2,), name="A")
    bad = tvm.tir.decl_buffer((2,), "int8", "bad")
    with pytest.raises(TEError, match="buffer given for input 'A' must be a 1-d float32"):
        te.extern((2,), [A], lambda i, o: None, name="E", in_buffers=[bad])


def test_wrong_number_of_out_buffers():
    A = te.placeholder((2,), name="A")
    with pytest.raises(TEError, match="'E': 2 out_buffers for 1 outputs"):
        te.extern((2,), [A], lambda i, o: None, name="E",
                  out_buffers=[tvm.tir.decl_buffer((2,)), tvm.tir.decl_buffer((2,))])
