"""The global function registry, tvm.runtime.convert, call_packed from built modules and
tvm.contrib.cblas, against numpy; one test per misuse rule."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minitvm as tvm
from minitvm import te
from minitvm.contrib import cblas
from minitvm.runtime import PackedFuncError
from minitvm.runtime.packed_func import BUILTIN, remove_global_func
from minitvm.tir import expr as E

from run import run


@pytest.fixture
def fresh_name(request):
    name = f"test.{request.node.name}"
    yield name
    if tvm.get_global_func(name, allow_missing=True):
        remove_global_func(name)


def test_register_as_decorator_call_and_bare_decorator(fresh_name):
    @tvm.register_func(fresh_name)
    def double(x):
        return 2 * x
    assert tvm.get_global_func(fresh_name)(4) == 8
    tvm.register_func(fresh_name, lambda x: 3 * x, override=True)
    assert tvm.get_global_func(fresh_name)(4) == 12

    @tvm.register_func
    def minitvm_test_bare(x):
        return x + 1
    assert tvm.get_global_func("minitvm_test_bare")(1) == 2
    remove_global_func("minitvm_test_bare")


def test_missing_function_with_allow_missing_is_none():
    assert tvm.get_global_func("no.such.function", allow_missing=True) is None


def test_registry_lists_what_the_runtime_provides_under_tvms_names():
    names = tvm.runtime.list_global_func_names()
    assert "tvm.contrib.cblas.matmul" in names and set(BUILTIN) <= set(names)
    for name in BUILTIN:
        assert callable(tvm.get_global_func(name))


def test_convert():
    c = tvm.runtime.convert([1, 2.5, (True, "s")])
    assert isinstance(c, tuple) and isinstance(c[0], E.IntImm) and c[0].dtype == "int32"
    assert isinstance(c[1], E.FloatImm) and c[1].dtype == "float32"
    assert c[2][0].dtype == "bool" and c[2][1] == "s"
    assert tvm.runtime.convert({"a": 3})["a"].value == 3
    f = lambda x: x     # noqa: E731 - a callable stays a function
    assert tvm.runtime.convert(f) is f


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 9), m=st.integers(1, 5), scale=st.floats(-4, 4, width=32))
def test_python_function_called_from_a_built_module(fresh_name, n, m, scale):
    seen = []

    def scale_rows(x, y, s):
        seen.append((type(x), x.shape, type(s)))
        y.copyfrom(x.numpy() * s)
    tvm.register_func(fresh_name, scale_rows, override=True)
    A = te.placeholder((n, m), name="A")
    B = te.extern((n, m), [A], lambda ins, outs: tvm.tir.call_packed(
        fresh_name, ins[0], outs[0], tvm.tir.const(scale)), name="B")
    C = B * 2.0
    a = np.random.default_rng(n).random((n, m), dtype="float32")
    (c,) = run(te.create_schedule(C.op), [A, C], [a])
    np.testing.assert_allclose(c, a * np.float32(scale) * 2, rtol=1e-6)
    assert seen[-1][0] is tvm.nd.NDArray and seen[-1][1] == (n, m)


@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 6), l=st.integers(1, 6), m=st.integers(1, 6),
       transa=st.booleans(), transb=st.booleans())
def test_cblas_matmul(n, l, m, transa, transb):
    A = te.placeholder((l, n) if transa else (n, l), name="A")
    B = te.placeholder((m, l) if transb else (l, m), name="B")
    C = cblas.matmul(A, B, transa, transb)
    rng = np.random.default_rng(n * 100 + l * 10 + m)
    a = rng.random(tuple(int(d.value) for d in A.shape), dtype="float32")
    b = rng.random(tuple(int(d.value) for d in B.shape), dtype="float32")
    (c,) = run(te.create_schedule(C.op), [A, B, C], [a, b])
    np.testing.assert_allclose(c, (a.T if transa else a) @ (b.T if transb else b), rtol=1e-5)


def test_cblas_batch_matmul():
    A, B = te.placeholder((3, 4, 5), name="A"), te.placeholder((3, 5, 2), name="B")
    C = cblas.batch_matmul(A, B)
    rng = np.random.default_rng(0)
    a, b = rng.random((3, 4, 5), dtype="float32"), rng.random((3, 5, 2), dtype="float32")
    (c,) = run(te.create_schedule(C.op), [A, B, C], [a, b])
    np.testing.assert_allclose(c, a @ b, rtol=1e-5)


def test_registered_function_serves_an_extern_c_name(fresh_name):
    """call_extern of a name not given to the build runs the registered function, with
    pointers as flat views."""
    def add_one(dst, src, count):
        dst[:count] = src[:count] + 1
        return 0
    tvm.register_func(fresh_name, add_one)
    A = te.placeholder((6,), name="A")
    B = te.extern((6,), [A], lambda ins, outs: tvm.tir.call_extern(
        "int32", fresh_name, outs[0].access_ptr("w"), ins[0].access_ptr("r"), 6), name="B")
    a = np.arange(6, dtype="float32")
    (b,) = run(te.create_schedule(B.op), [A, B], [a])
    np.testing.assert_array_equal(b, a + 1)


# --- misuse: one test per rule ------------------------------------------------------------

def test_registering_a_taken_name(fresh_name):
    tvm.register_func(fresh_name, abs)
    with pytest.raises(PackedFuncError, match=f"'{fresh_name}' is already registered.*"
                                              "override=True"):
        tvm.register_func(fresh_name, abs)


def test_registering_something_not_callable(fresh_name):
    with pytest.raises(PackedFuncError, match=f"'{fresh_name}'.*3 is not callable"):
        tvm.register_func(fresh_name, 3)


def test_registering_under_a_name_that_is_not_a_string():
    with pytest.raises(PackedFuncError, match="non-empty string, got 5"):
        tvm.register_func(5, abs)


def test_getting_a_missing_function():
    with pytest.raises(PackedFuncError, match="'no.such.function' is not registered"):
        tvm.get_global_func("no.such.function")


def test_calling_an_unregistered_function_from_a_built_module():
    A = te.placeholder((2,), name="A")
    B = te.extern((2,), [A], lambda ins, outs: tvm.tir.call_packed(
        "test.never.registered", ins[0], outs[0]), name="B")
    f = tvm.build(te.create_schedule(B.op), [A, B])
    with pytest.raises(PackedFuncError, match="'test.never.registered', which is not "
                                              "registered"):
        f(tvm.nd.array(np.zeros(2, "float32")), tvm.nd.empty((2,)))


def test_call_packed_without_a_name():
    with pytest.raises(TypeError, match="first argument must be the name"):
        tvm.tir.call_packed(3)


def test_cblas_output_of_the_wrong_shape():
    a, b = tvm.nd.array(np.ones((2, 3), "float32")), tvm.nd.array(np.ones((3, 4), "float32"))
    with pytest.raises(PackedFuncError, match=r"matmul: the product has shape \(2, 4\)"):
        tvm.get_global_func("tvm.contrib.cblas.matmul")(a, b, tvm.nd.empty((4, 2)))
