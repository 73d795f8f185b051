"""Math intrinsics: how they print (TVM's text), what their constructors fold, and what
the host build computes, against numpy and the math module on random inputs."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitvm as tvm
from minitvm import te

# intrinsic -> (reference on float64 values, input range)
UNARY = {
    "exp": (np.exp, (-8, 8)), "exp2": (np.exp2, (-8, 8)), "log": (np.log, (0.01, 50)),
    "log2": (np.log2, (0.01, 50)), "log10": (np.log10, (0.01, 50)),
    "log1p": (np.log1p, (-0.9, 50)), "sqrt": (np.sqrt, (0, 50)),
    "rsqrt": (lambda x: 1 / np.sqrt(x), (0.01, 50)), "tanh": (np.tanh, (-5, 5)),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), (-10, 10)),
    "erf": (np.vectorize(math.erf), (-3, 3)), "sin": (np.sin, (-4, 4)),
    "cos": (np.cos, (-4, 4)), "tan": (np.tan, (-1.4, 1.4)), "atan": (np.arctan, (-4, 4)),
    "exp10": (lambda x: 10.0 ** x, (-3, 3)), "sinh": (np.sinh, (-4, 4)),
    "cosh": (np.cosh, (-4, 4)), "asin": (np.arcsin, (-1, 1)), "acos": (np.arccos, (-1, 1)),
    "asinh": (np.arcsinh, (-9, 9)), "acosh": (np.arccosh, (1, 9)),
    "atanh": (np.arctanh, (-0.9, 0.9)),
    "nearbyint": (np.rint, (-9, 9)),      # half to even
    "floor": (np.floor, (-9, 9)), "ceil": (np.ceil, (-9, 9)), "trunc": (np.trunc, (-9, 9)),
    # C's round: half away from zero, unlike numpy's round
    "round": (lambda x: np.sign(x) * np.floor(np.abs(x) + 0.5), (-9, 9)),
    "abs": (np.abs, (-9, 9)),
}


def build_unary(fn, shape, dtype, symbolic):
    n = te.var("n") if symbolic else shape[0]
    A = te.placeholder((n,), name="A", dtype=dtype)
    B = te.compute(A.shape, lambda i: fn(A[i]), name="B")
    return tvm.build(te.create_schedule(B.op), [A, B]), B.dtype


def run(f, out_dtype, *arrays):
    out = tvm.nd.array(np.zeros(arrays[0].shape, out_dtype))
    f(*[tvm.nd.array(a) for a in arrays], out)
    return out.numpy()


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=6, deadline=None)
@given(size=st.integers(1, 40), dtype=st.sampled_from(["float32", "float64"]),
       symbolic=st.booleans(), seed=st.integers(0, 2**31))
def test_float_intrinsics_equal_numpy(name, size, dtype, symbolic, seed):
    reference, (lo, hi) = UNARY[name]
    x = np.random.default_rng(seed).uniform(lo, hi, size).astype(dtype)
    if name in ("round", "nearbyint"):
        x[: size // 2] = np.floor(x[: size // 2]) + 0.5      # the half-way cases
    f, out_dtype = build_unary(getattr(te, name), (size,), dtype, symbolic)
    expect = reference(x.astype(np.float64))
    tol = 2e-6 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(run(f, out_dtype, x), expect.astype(dtype), rtol=tol, atol=tol)


@settings(max_examples=10, deadline=None)
@given(size=st.integers(1, 30), dtype=st.sampled_from(["float32", "float64"]),
       symbolic=st.booleans(), seed=st.integers(0, 2**31))
def test_power_fmod_and_atan2_equal_numpy(size, dtype, symbolic, seed):
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0.1, 4, size).astype(dtype), rng.uniform(-3, 3, size).astype(dtype)
    n = te.var("n") if symbolic else size
    A = te.placeholder((n,), name="A", dtype=dtype)
    B = te.placeholder((n,), name="B", dtype=dtype)
    P = te.compute(A.shape, lambda i: te.power(A[i], B[i]), name="P")
    M = te.compute(A.shape, lambda i: te.fmod(B[i], A[i]), name="M")
    Q = te.compute(A.shape, lambda i: tvm.tir.atan2(B[i], A[i]), name="Q")
    for out, expect in ((P, x.astype(np.float64) ** y), (M, np.fmod(y, x)),
                        (Q, np.arctan2(y.astype(np.float64), x))):
        f = tvm.build(te.create_schedule(out.op), [A, B, out])
        np.testing.assert_allclose(run(f, dtype, x, y), expect.astype(dtype), rtol=1e-5)


@settings(max_examples=10, deadline=None)
@given(size=st.integers(1, 30), dtype=st.sampled_from(["int8", "int32", "int64", "uint16"]),
       symbolic=st.booleans(), seed=st.integers(0, 2**31))
def test_popcount_and_integer_abs_equal_bit_counts(size, dtype, symbolic, seed):
    info = np.iinfo(dtype)
    x = np.random.default_rng(seed).integers(info.min, info.max, size, dtype=dtype,
                                             endpoint=True)
    bits = info.bits
    f, out_dtype = build_unary(te.popcount, (size,), dtype, symbolic)
    expect = [bin(int(v) & ((1 << bits) - 1)).count("1") for v in x]
    assert run(f, out_dtype, x).tolist() == expect
    f, out_dtype = build_unary(te.abs, (size,), dtype, symbolic)
    wrapped = [int(np.array(abs(int(v))).astype(dtype)) for v in x]   # abs(min) wraps
    assert run(f, out_dtype, x).tolist() == wrapped


@pytest.mark.parametrize("symbolic", [False, True])
def test_isnan_finds_nans(symbolic):
    x = np.array([1.0, np.nan, -np.inf, np.nan, 0.0], "float32")
    f, out_dtype = build_unary(te.isnan, x.shape, "float32", symbolic)
    assert out_dtype == "bool"
    assert run(f, out_dtype, x).tolist() == [False, True, False, True, False]


def printed(fn, dtype="float32"):
    """The stored expression of `B[i] = fn(A[i])` as `tvm.lower` prints it."""
    A = te.placeholder((4,), name="A", dtype=dtype)
    B = te.compute(A.shape, lambda i: fn(A[i]), name="B")
    text = str(tvm.lower(te.create_schedule(B.op), [A, B], simple_mode=True))
    return text.splitlines()[-1].split(" = ", 1)[1]


@pytest.mark.parametrize("fn, text", [
    (te.exp, "T.exp(A_1[i])"), (te.log, "T.log(A_1[i])"), (te.sqrt, "T.sqrt(A_1[i])"),
    (te.rsqrt, "T.rsqrt(A_1[i])"), (te.tanh, "T.tanh(A_1[i])"),
    (te.sigmoid, "T.sigmoid(A_1[i])"), (te.erf, "T.erf(A_1[i])"),
    (te.floor, "T.floor(A_1[i])"), (te.ceil, "T.ceil(A_1[i])"),
    (te.round, "T.round(A_1[i])"), (te.trunc, "T.trunc(A_1[i])"),
    (te.abs, "T.fabs(A_1[i])"),
    (te.isnan, 'T.Cast("int8", T.isnan(A_1[i]))'),  # bool buffers store int8
    (lambda x: te.power(x, 2), "T.pow(A_1[i], T.float32(2))"),
    (lambda x: te.fmod(x, 3.0), "T.fmod(A_1[i], T.float32(3))"),
    (lambda x: tvm.tir.call_pure_extern("float32", "expf", x),
     'T.call_pure_extern("float32", "expf", A_1[i])'),
])
def test_intrinsics_print_as_tvm_prints_them(fn, text):
    assert printed(fn) == text


def test_integer_operands_print_as_tvm_builds_them():
    assert printed(te.popcount, "int32") == "T.popcount(A_1[i])"
    # TVM: abs of a signed integer is Select(x >= 0, x, 0 - x), which RewriteUnsafeSelect
    # turns into if_then_else since its branches load; rounding returns x
    assert printed(te.abs, "int32") == "T.if_then_else(0 <= A_1[i], A_1[i], 0 - A_1[i])"
    assert printed(te.floor, "int32") == "A_1[i]"
    assert printed(te.isnan, "int32") == "T.int8(0)"


@pytest.mark.parametrize("fn, value, folded", [
    (te.floor, -2.5, -3.0), (te.ceil, -2.5, -2.0), (te.trunc, -2.5, -2.0),
    (te.round, 2.5, 2.0), (te.round, 3.5, 4.0), (te.abs, -1.5, 1.5)])
def test_constants_fold_as_tvm_folds_them(fn, value, folded):
    """TVM folds float constants with std::floor/ceil/nearbyint (half to even)/fabs."""
    result = fn(tvm.tir.const(value, "float32"))
    assert isinstance(result, tvm.tir.FloatImm) and result.value == folded


def test_intrinsic_call_op_has_tvm_op_interface():
    call = te.exp(te.var("x", "float32"))
    assert call.op == "tir.exp" and call.op.name == "tir.exp"
    assert tvm.ir.Op.get("tir.exp") == call.op


@pytest.mark.parametrize("fn", [te.exp, te.sqrt, te.sigmoid, lambda x: te.power(x, x)])
def test_float_intrinsic_of_an_integer_is_refused(fn):
    A = te.placeholder((4,), name="Ai", dtype="int32")
    with pytest.raises(TypeError, match=r"needs a float operand, got Ai\[.*int32"):
        te.compute(A.shape, lambda i: fn(A[i]), name="B")


def test_popcount_of_a_float_is_refused():
    A = te.placeholder((4,), name="Af")
    with pytest.raises(TypeError, match=r"popcount needs an integer operand, got Af"):
        te.compute(A.shape, lambda i: te.popcount(A[i]), name="B")


def test_unknown_extern_function_is_refused_by_the_host_build():
    from minitvm.codegen.context import HostCodegenError
    A = te.placeholder((4,), name="A")
    B = te.compute(A.shape, lambda i: tvm.tir.call_pure_extern("float32", "__expf", A[i]),
                   name="B")
    with pytest.raises(HostCodegenError, match="'__expf', which the host CPU cannot run"):
        tvm.build(te.create_schedule(B.op), [A, B])
