"""Tensors with `te.var` dimensions: the strided "auto" parameter buffers TVM binds them to,
printed as TVM prints them, and a host build that takes any size and checks the sizes of
its arguments against each other."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minitvm as tvm
from minitvm import te
from minitvm.runtime.signature import ArgumentError
from minitvm.tir import expr as E
from reference_text import tutorial_listings, without_global_symbol


def lines(mod):
    return without_global_symbol(str(mod)).splitlines()


def scale_by_two():
    m = te.var("m")
    A = te.placeholder((m,), name="A")
    B = te.compute((m,), lambda i: A[i] * 2, name="B")
    return te.create_schedule(B.op), A, B


def test_a_variable_dimension_gives_a_strided_auto_broadcast_buffer():
    s, A, B = scale_by_two()
    func = tvm.lower(s, [A, B])["main"]
    buffers = list(func.buffer_map.values())
    assert [b.buffer_type for b in buffers] == ["auto_broadcast"] * 2
    assert all(len(b.strides) == 1 and isinstance(b.strides[0], E.Var)
               and b.strides[0].name == "stride" for b in buffers)
    assert buffers[0].strides[0] is not buffers[1].strides[0]


def test_constant_dimensions_keep_the_default_buffer():
    A = te.placeholder((4, 3), name="A")
    B = te.compute((4, 3), lambda i, j: A[i, j], name="B")
    func = tvm.lower(te.create_schedule(B.op), [A, B])["main"]
    assert all(b.buffer_type == "default" and not b.strides for b in func.buffer_map.values())


def test_default_schedule_prints_as_tvm():
    """schedule_primitives' first listing: shape variables on one line, strides defined by
    their buffers, flattened views `T.Buffer((A_1.strides[0] * m,), ...)`."""
    m, n = te.var("m"), te.var("n")
    A = te.placeholder((m, n), name="A")
    B = te.placeholder((m, n), name="B")
    C = te.compute((m, n), lambda i, j: A[i, j] * B[i, j], name="C")
    mod = tvm.lower(te.create_schedule([C.op]), [A, B, C], simple_mode=True)
    assert lines(mod) == tutorial_listings("schedule_primitives")[0]


def test_split_guard_and_float_constant_print_as_tvm():
    s, A, B = scale_by_two()
    s[B].split(B.op.axis[0], factor=32)
    assert lines(tvm.lower(s, [A, B], simple_mode=True)) == \
        tutorial_listings("schedule_primitives")[1]


@pytest.mark.parametrize("value, text", [(2.0, "2"), (0.0, "0"), (0.5, "0.5"),
                                         (0.1, "0.10000000000000001"), (1e20, "1e+20"),
                                         (-3.0, "-3")])
def test_float_constants_print_as_a_cpp_stream_at_precision_17(value, text):
    assert tvm.tir.printer_expr.literal_float(value) == text


@settings(max_examples=15, deadline=None)
@given(rows=st.integers(1, 12), cols=st.integers(1, 12), factor=st.integers(1, 5))
def test_one_build_runs_every_size(rows, cols, factor):
    m, n = te.var("m"), te.var("n")
    A = te.placeholder((m, n), name="A")
    B = te.compute((m, n), lambda i, j: A[i, j] * 2 + 1, name="B")
    s = te.create_schedule(B.op)
    s[B].split(B.op.axis[1], factor=factor)
    f = tvm.build(s, [A, B])
    a = np.random.rand(rows, cols).astype("float32")
    b = tvm.nd.array(np.zeros((rows, cols), "float32"))
    f(tvm.nd.array(a), b)
    np.testing.assert_allclose(b.numpy(), a * 2 + 1, rtol=1e-6)


def test_arguments_must_agree_on_a_shared_size():
    s, A, B = scale_by_two()
    f = tvm.build(s, [A, B])
    with pytest.raises(ArgumentError, match=r"'B' has shape \(3,\).*m = 5 from argument 'A'"):
        f(tvm.nd.array(np.zeros(5, "float32")), tvm.nd.array(np.zeros(3, "float32")))


def test_saved_module_keeps_the_stride_parameters(tmp_path):
    s, A, B = scale_by_two()
    path = str(tmp_path / "scale.so")
    tvm.build(s, [A, B]).save(path)
    f = tvm.runtime.load_module(path)
    b = tvm.nd.array(np.zeros(6, "float32"))
    f(tvm.nd.array(np.arange(6, dtype="float32")), b)
    np.testing.assert_array_equal(b.numpy(), np.arange(6) * 2)
