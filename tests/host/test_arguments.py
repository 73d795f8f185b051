"""Calling a compiled function with the wrong arguments, and building what the host
cannot run: one test per rule, each error naming the function and the parameter."""
import numpy as np
import pytest

import minitvm as tvm
import minitvm.nd as nd
import minitvm.tir as T
from minitvm.codegen import HostCodegenError, build_host
from minitvm.runtime import ArgumentError

from host_ir import func, grid, load, param, store


@pytest.fixture(scope="module")
def my_conv():
    """out[i, j] = data[i, j] * kernel[j]: three parameters of distinct shapes."""
    data, kernel, out = (param("data", "int8", (2, 3)), param("kernel", "int8", (3,)),
                         param("res", "int32", (2, 3)))
    i, j = T.Var("i"), T.Var("j")
    f = func([data, kernel, out], grid([(i, 2), (j, 3)], store(
        out[2], i * 3 + j, T.Cast("int32", load(data[2], i * 3 + j) * load(kernel[2], j)))))
    return build_host(f, "my_conv")


def args(data=(2, 3), kernel=(3,), res=(2, 3), dtypes=("int8", "int8", "int32")):
    return [nd.empty(data, dtypes[0]), nd.empty(kernel, dtypes[1]), nd.empty(res, dtypes[2])]


def test_good_call_runs(my_conv):
    a = args()
    a[0].copyfrom(np.arange(6).reshape(2, 3))
    a[1].copyfrom([1, 2, 3])
    my_conv(*a)
    np.testing.assert_array_equal(a[2].numpy(), [[0, 2, 6], [3, 8, 15]])


def test_wrong_count(my_conv):
    with pytest.raises(ArgumentError, match=r"my_conv: expected 3 arguments \(data, kernel, "
                                            r"res\), got 2"):
        my_conv(*args()[:2])


def test_numpy_array_is_refused(my_conv):
    a = args()
    a[1] = np.zeros(3, "int8")
    with pytest.raises(ArgumentError, match="argument 'kernel' is a numpy array.*tvm.nd.array"):
        my_conv(*a)


def test_non_array_is_refused(my_conv):
    a = args()
    a[0] = [1, 2, 3]
    with pytest.raises(ArgumentError, match="argument 'data' must be an NDArray, got list"):
        my_conv(*a)


def test_wrong_dtype(my_conv):
    with pytest.raises(ArgumentError, match="argument 'data' has dtype float32 but the "
                                            "function expects int8"):
        my_conv(*args(dtypes=("float32", "int8", "int32")))


def test_wrong_shape(my_conv):
    with pytest.raises(ArgumentError, match=r"argument 'kernel' has shape \(4,\) but the "
                                            r"function expects \(3,\)"):
        my_conv(*args(kernel=(4,)))


def test_wrong_rank(my_conv):
    with pytest.raises(ArgumentError, match=r"argument 'res' has shape \(6,\) but the "
                                            r"function expects \(2, 3\)"):
        my_conv(*args(res=(6,)))


def test_wrong_device(my_conv):
    a = args()
    a[2] = nd.empty((2, 3), "int32", tvm.runtime.ext_dev(0))
    with pytest.raises(ArgumentError, match=r"argument 'res' is on ext_dev\(0\) but the "
                                            r"function runs on cpu\(0\)"):
        my_conv(*a)


def test_the_same_array_twice_is_refused():
    a, b = param("A", "int32", (4,)), param("B", "int32", (4,))
    i = T.Var("i")
    copy = build_host(func([a, b], grid([(i, 4)], store(b[2], i, load(a[2], 3 - i)))), "rev")
    x = nd.empty(4, "int32")
    with pytest.raises(ArgumentError, match="rev: arguments 'A' and 'B' share memory"):
        copy(x, x)


def _scaled(n_dtype="int32"):
    """B[i] = A[i] * n for i < len(A), with a symbolic length."""
    n, s = T.Var("n"), T.Var("s", n_dtype)
    a_h, b_h = T.Var("A_handle", "handle"), T.Var("B_handle", "handle")
    a, b = T.decl_buffer((n,), "int32", "A"), T.decl_buffer((n,), "int32", "B")
    i = T.Var("i")
    body = T.For(i, T.const(0), n, T.ForKind.SERIAL, T.BufferStore(
        b, T.BufferLoad(a, (i,)) * T.Cast("int32", s), (i,)))
    return build_host(T.PrimFunc((a_h, b_h, s), body, {a_h: a, b_h: b}), "scaled")


def test_symbolic_shapes_bind_from_the_arrays():
    mod = _scaled()
    out = nd.empty(5, "int32")
    mod(nd.array(np.arange(5, dtype="int32")), out, 3)
    np.testing.assert_array_equal(out.numpy(), np.arange(5) * 3)


def test_symbolic_shapes_must_agree():
    with pytest.raises(ArgumentError, match=r"argument 'B' has shape \(4,\) but the function "
                                            r"expects \(n,\) with n = 5 from argument 'A'"):
        _scaled()(nd.empty(5, "int32"), nd.empty(4, "int32"), 3)


def test_scalar_of_the_wrong_type():
    with pytest.raises(ArgumentError, match="argument 's' must be an integer .int32., got 1.5"):
        _scaled()(nd.empty(5, "int32"), nd.empty(5, "int32"), 1.5)


def test_scalar_out_of_range():
    with pytest.raises(ArgumentError, match="argument 's' = 300 does not fit in int8"):
        _scaled("int8")(nd.empty(5, "int32"), nd.empty(5, "int32"), 300)


# --- what build_host refuses ---------------------------------------------------------

def _with_body(body, *params):
    return func(list(params), body)


def test_unknown_extern_call_is_refused_at_build_time():
    a = param("A", "int32", (4,))
    call = T.Evaluate(T.call_extern("int32", "VTASynchronize", 1))
    with pytest.raises(HostCodegenError, match=r"build_host\(f\): the function calls "
                                               r"'VTASynchronize'"):
        build_host(_with_body(call, a), "f")


def test_extern_calls_go_to_the_given_functions():
    a = param("A", "int32", (4,))
    calls = []
    body = T.Evaluate(T.call_extern("int32", "record", T.const(7)))
    mod = build_host(_with_body(body, a), "f", externs={"record": calls.append})
    mod(nd.empty(4, "int32"))
    assert calls == [7]


def test_unflattened_ir_is_refused():
    a = param("A", "int32", (4,))
    realize = T.ProducerStore(object(), T.const(1), (T.const(0),))
    with pytest.raises(HostCodegenError, match="cannot run a ProducerStore statement"):
        build_host(_with_body(realize, a), "f")


def test_buffer_outside_any_allocation_is_refused():
    a = param("A", "int32", (4,))
    stray = T.decl_buffer((4,), "int32", "stray")
    with pytest.raises(HostCodegenError, match="buffer 'stray' uses data 'stray', which is "
                                               "neither a parameter nor an allocation"):
        build_host(_with_body(store(stray, T.const(0), T.const(1)), a), "f")


def test_handle_parameter_without_buffer_is_refused():
    h = T.Var("p", "handle")
    with pytest.raises(HostCodegenError, match="parameter 'p' is a handle without a buffer"):
        build_host(T.PrimFunc((h,), T.Evaluate(T.const(0)), {}), "f")


def test_variable_used_outside_its_loop_is_refused():
    a = param("A", "int32", (4,))
    i = T.Var("i")
    stray = T.Allocate(T.Var("tmp", "handle", T.PointerType("int32")), "int32", (i + 1,),
                       T.const(True), store(a[2], T.const(0), T.const(1)))
    with pytest.raises(HostCodegenError, match="variable 'i' is used where it has no value"):
        build_host(_with_body(stray, a), "f")
