"""Scalar semantics of generated code, the same in Python loops and in numpy: C-like
integer wrap-around, floor and truncating division, arithmetic shifts, truncating
casts, float32 rounding, lazily evaluated if_then_else, bounds errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitvm.nd as nd
import minitvm.tir as T
from minitvm.codegen import build_host
from minitvm.error import TVMError
from minitvm.tir import op

from host_ir import func, load, param, store

N = 8


def run_elementwise(build_value, inputs, out_dtype, vectorize):
    """out[i] = build_value(i, loads) over i < len, as a loop nest; returns out."""
    params = {name: param(name, str(a.dtype), (len(a),)) for name, a in inputs.items()}
    out = param("out", out_dtype, (len(next(iter(inputs.values()))),))
    i = T.Var("i")
    loads = {name: load(p[2], i) for name, p in params.items()}
    value = op.cast(out_dtype, build_value(i, loads))
    body = T.For(i, T.const(0), T.const(out[1].shape[0].value), T.ForKind.SERIAL,
                 store(out[2], i, value))
    mod = build_host(func(list(params.values()) + [out], body), "f", vectorize=vectorize)
    result = nd.empty(out[1].shape[0].value, out_dtype)
    mod(*[nd.array(a) for a in inputs.values()], result)
    return result.numpy()


def both(build_value, inputs, out_dtype):
    scalar = run_elementwise(build_value, inputs, out_dtype, False)
    vector = run_elementwise(build_value, inputs, out_dtype, True)
    np.testing.assert_array_equal(scalar, vector)
    return vector


def test_int8_addition_wraps():
    a = np.array([100, -100, 127, 1], "int8")
    got = both(lambda i, x: x["a"] + x["a"], {"a": a}, "int8")
    np.testing.assert_array_equal(got, [-56, 56, -2, 2])


def test_int32_multiplication_wraps():
    a = np.array([2 ** 20, -(2 ** 20), 65537, 3], "int32")
    got = both(lambda i, x: x["a"] * x["a"] * x["a"], {"a": a}, "int32")
    np.testing.assert_array_equal(got, (a.astype(np.int64) ** 3).astype(np.int32))


def test_uint8_wraps_modulo_256():
    a = np.array([250, 5, 0, 255], "uint8")
    got = both(lambda i, x: x["a"] + T.const(10, "uint8"), {"a": a}, "uint8")
    np.testing.assert_array_equal(got, [4, 15, 10, 9])


def test_floor_division_and_modulo_round_down():
    a = np.array([-7, 7, -8, 0], "int32")
    np.testing.assert_array_equal(both(lambda i, x: x["a"] // 2, {"a": a}, "int32"),
                                  [-4, 3, -4, 0])
    np.testing.assert_array_equal(both(lambda i, x: x["a"] % 3, {"a": a}, "int32"),
                                  [2, 1, 1, 0])


def test_truncating_division_and_remainder_round_toward_zero():
    a = np.array([-7, 7, -8, 5], "int32")
    two = T.const(2)
    np.testing.assert_array_equal(both(lambda i, x: T.Div(x["a"], two), {"a": a}, "int32"),
                                  [-3, 3, -4, 2])
    np.testing.assert_array_equal(both(lambda i, x: T.Mod(x["a"], two), {"a": a}, "int32"),
                                  [-1, 1, 0, 1])


def test_shift_right_is_arithmetic_and_shift_left_wraps():
    a = np.array([-7, 7, -256, 2 ** 30], "int32")
    np.testing.assert_array_equal(both(lambda i, x: T.shift_right(x["a"], 1), {"a": a},
                                       "int32"), [-4, 3, -128, 2 ** 29])
    np.testing.assert_array_equal(both(lambda i, x: T.shift_left(x["a"], 2), {"a": a},
                                       "int32"), [-28, 28, -1024, 0])


def test_casts_truncate_floats_and_wrap_integers():
    f = np.array([3.7, -3.7, 0.5, -0.5], "float32")
    np.testing.assert_array_equal(both(lambda i, x: x["f"], {"f": f}, "int8"), [3, -3, 0, 0])
    a = np.array([300, -129, 128, 255], "int32")
    np.testing.assert_array_equal(both(lambda i, x: x["a"], {"a": a}, "int8"),
                                  [44, 127, -128, -1])


def test_float32_arithmetic_rounds_like_float32():
    a = np.array([1e8, 16777216.0, 0.1, 3.0], "float32")
    got = both(lambda i, x: (x["a"] + T.const(1.0)) - x["a"], {"a": a}, "float32")
    np.testing.assert_array_equal(got, (a + np.float32(1)) - a)


def test_min_max_select_and_comparisons():
    a = np.array([-5, 0, 5, 200], "int32")
    got = both(lambda i, x: T.select(x["a"] > 0, T.min(x["a"], 100), T.max(x["a"], -2)),
               {"a": a}, "int32")
    np.testing.assert_array_equal(got, [-2, 0, 5, 100])


def test_bitwise_operators():
    a = np.array([0b1100, -1, 7, 0], "int32")
    got = both(lambda i, x: ((x["a"] & 0b1010) | 1) ^ ~x["a"], {"a": a}, "int32")
    np.testing.assert_array_equal(got, ((a & 0b1010) | 1) ^ ~a)


def test_if_then_else_does_not_load_out_of_range_on_the_untaken_branch():
    a = np.arange(N, dtype="int32")
    params = [param("a", "int32", (N,)), param("out", "int32", (N,))]
    i = T.Var("i")
    value = T.if_then_else(i >= 2, load(params[0][2], i - 2), T.const(-1))
    f = func(params, T.For(i, T.const(0), T.const(N), T.ForKind.SERIAL,
                           store(params[1][2], i, value)))
    for vectorize in (False, True):
        out = nd.empty(N, "int32")
        build_host(f, "shift", vectorize=vectorize)(nd.array(a), out)
        np.testing.assert_array_equal(out.numpy(), [-1, -1] + list(range(N - 2)))


@pytest.mark.parametrize("vectorize", [False, True])
def test_out_of_range_load_raises_naming_the_buffer(vectorize):
    params = [param("a", "int32", (N,)), param("out", "int32", (N,))]
    i = T.Var("i")
    f = func(params, T.For(i, T.const(0), T.const(N), T.ForKind.SERIAL,
                           store(params[1][2], i, load(params[0][2], i + 1))))
    # a TVMError (TVM's compiled code would read past the buffer), never an IndexError
    with pytest.raises(TVMError, match="'a_1'.* outside its 8 elements") as info:
        build_host(f, "f", vectorize=vectorize)(nd.array(np.zeros(N, "int32")),
                                                nd.empty(N, "int32"))
    assert not isinstance(info.value, IndexError)


def test_a_view_past_the_array_raises_naming_it():
    # what a packed function receives (a DLTensor view, a tvm_access_ptr) lies in the array
    from minitvm.runtime.host_support import BufferAccessError, _nd_view, _ptr_view
    a = np.zeros(N, "float32")
    assert _nd_view(a, (2, 3), 2).shape == (2, 3) and len(_ptr_view(a, 8, 4)) == 0
    with pytest.raises(BufferAccessError, match="'packed array': element 9 is outside its 8"):
        _nd_view(a, (2, 3), 4)
    with pytest.raises(BufferAccessError, match="'access_ptr': element 9 is outside its 8"):
        _ptr_view(a, 9, 1)


# --- random expressions: numpy and Python loops agree -------------------------------

_LEAVES = ("a", "b", "c", "i")


@st.composite
def int_exprs(draw, depth=3):
    def leaf():
        pick = draw(st.sampled_from(_LEAVES + ("const",)))
        if pick == "const":
            return ("const", draw(st.integers(-300, 300)))
        return (pick,)
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return leaf()
    kind = draw(st.sampled_from(["add", "sub", "mul", "floordiv", "floormod", "min", "max",
                                 "shr", "shl", "and", "xor", "cast8", "castu8", "select"]))
    return (kind, draw(int_exprs(depth=depth - 1)), draw(int_exprs(depth=depth - 1)))


def _build(tree, i, loads):
    kind = tree[0]
    if kind == "const":
        return T.const(tree[1])
    if kind == "i":
        return i
    if kind in "abc":
        return loads[kind]
    x, y = _build(tree[1], i, loads), _build(tree[2], i, loads)
    ops = {"add": lambda: x + y, "sub": lambda: x - y, "mul": lambda: x * y,
           "floordiv": lambda: T.floordiv(x, y | 1), "floormod": lambda: T.floormod(x, y | 1),
           "min": lambda: T.min(x, y), "max": lambda: T.max(x, y),
           "shr": lambda: T.shift_right(x, y & 7), "shl": lambda: T.shift_left(x, y & 7),
           "and": lambda: x & y, "xor": lambda: x ^ y,
           "cast8": lambda: op.cast("int8", x) + op.cast("int8", y),
           "castu8": lambda: op.cast("uint8", x) * op.cast("uint8", y),
           "select": lambda: T.if_then_else(x < y, x, y - x)}
    return ops[kind]()


@settings(max_examples=150, deadline=None)
@given(int_exprs(), st.integers(0, 2 ** 31 - 1))
def test_random_integer_expressions_agree(tree, seed):
    rng = np.random.default_rng(seed)
    inputs = {"a": rng.integers(-128, 128, N).astype("int8"),
              "b": rng.integers(-2 ** 31, 2 ** 31, N).astype("int32"),
              "c": rng.integers(0, 256, N).astype("uint8")}
    both(lambda i, x: op.cast("int32", _build(tree, i, x)), inputs, "int32")


def test_loop_invariant_let_in_a_vectorized_guard_is_a_python_int():
    """Regression (found by the schedule property tests: CSE names a repeated computation
    inside a guard by a `T.Let` expression): in a vectorized nest under loops that run in
    Python, an invariant let value was bound as a numpy int32 while the scalar code using
    the var wraps it like a Python int, `(v % 3 + 1) + 0x80000000`, which overflows int32
    under numpy 2."""
    from minitvm.tir import expr as E
    from minitvm.tir import stmt as S
    n = N
    out = param("out", "int32", (3 * n,))
    o, p, i, v, w = T.Var("o"), T.Var("p"), T.Var("i"), T.Var("v"), T.Var("w")
    cond = E.Let(v, o * 2, E.Let(w, T.floordiv(T.floormod(v, 3) + 1, 3) * 3,
                                 T.floordiv(w + 10, 8) + i < 6))
    guard = E.Call("bool", "tir.likely", (cond,))
    inner = T.For(i, T.const(0), T.const(n), T.ForKind.SERIAL,
                  S.IfThenElse(guard, store(out[2], o * n + i, i + p + 1), None))
    body = T.For(o, T.const(0), T.const(3), T.ForKind.SERIAL,      # p's bound varies:
                 T.For(p, T.const(0), o + 1, T.ForKind.SERIAL, inner))  # o, p run in Python
    expected = np.zeros(3 * n, "int32")
    for ov in range(3):
        for pv in range(ov + 1):
            wv = (ov * 2 % 3 + 1) // 3 * 3
            for iv in range(n):
                if (wv + 10) // 8 + iv < 6:
                    expected[ov * n + iv] = iv + pv + 1
    for vectorize in (False, True):
        result = nd.array(np.zeros(3 * n, "int32"))
        build_host(func([out], body), "f", vectorize=vectorize)(result)
        np.testing.assert_array_equal(result.numpy(), expected)
