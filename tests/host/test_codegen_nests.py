"""Hand-built lowered loop nests, compiled for the host: results equal numpy, and the
nests the vectorizer should take become numpy statements (no Python loop)."""
import numpy as np
import pytest

import minitvm.nd as nd
import minitvm.tir as T
from minitvm.codegen import build_host, vector_stmt
from minitvm.tir import op
from minitvm.topi.testing import conv2d_nchw_python

from host_ir import (ConvShape, conv_listing1, conv_listing2, func, grid, ivars, load, param,
                     store)


def build_and_run(f, arrays, vectorize=True):
    mod = build_host(f, "f", vectorize=vectorize)
    args = [nd.array(a) for a in arrays]
    mod(*args)
    return mod, [a.numpy() for a in args]


def assert_vectorized(mod):
    source = mod.get_source()
    assert "runs in Python" not in source and "\n    for " not in source, source


def test_elementwise_2d_is_one_numpy_statement():
    a, b, c = (param(n, "float32", (5, 7)) for n in "ABC")
    i, j = ivars("i", "j")
    f = func([a, b, c], grid([(i, 5), (j, 7)], store(
        c[2], i * 7 + j, load(a[2], i * 7 + j) * 2.0 + load(b[2], i * 7 + j))))
    x, y = np.random.rand(5, 7).astype("float32"), np.random.rand(5, 7).astype("float32")
    mod, (_, _, out) = build_and_run(f, [x, y, np.zeros((5, 7), "float32")])
    assert_vectorized(mod)
    np.testing.assert_array_equal(out, x * np.float32(2) + y)


def test_pad_with_if_then_else():
    a, p = param("A", "int8", (6,)), param("P", "int8", (10,))
    i = T.Var("i")
    inside = T.all(i >= 2, i < 8)
    f = func([a, p], grid([(i, 10)], store(
        p[2], i, T.if_then_else(inside, load(a[2], i - 2), T.const(0, "int8")))))
    x = np.arange(1, 7, dtype="int8")
    mod, (_, out) = build_and_run(f, [x, np.full(10, 9, "int8")])
    assert_vectorized(mod)
    np.testing.assert_array_equal(out, np.pad(x, 2))


def _matmul(dtype, acc_dtype, n=6, m=5, k=7):
    a, b, c = param("A", dtype, (n, k)), param("B", dtype, (k, m)), param("C", acc_dtype,
                                                                          (n, m))
    i, j, r = ivars("i", "j", "k")
    update = store(c[2], i * m + j, load(c[2], i * m + j) +
                   op.cast(acc_dtype, load(a[2], i * k + r)) *
                   op.cast(acc_dtype, load(b[2], r * m + j)))
    body = T.seq(store(c[2], i * m + j, T.const(0, acc_dtype)), grid([(r, k)], update))
    return func([a, b, c], grid([(i, n), (j, m)], body))


@pytest.mark.parametrize("dtype, acc", [("float32", "float32"), ("int8", "int32"),
                                        ("int32", "int32")])
def test_matmul_reduction(dtype, acc):
    rng = np.random.default_rng(0)
    if dtype == "int32":        # large values: the int32 accumulator must wrap like C
        x = rng.integers(-2 ** 31, 2 ** 31, (6, 7)).astype(dtype)
        y = rng.integers(-2 ** 31, 2 ** 31, (7, 5)).astype(dtype)
        want = (x.astype(np.int64) @ y.astype(np.int64)).astype(np.int32)
    elif dtype == "int8":
        x, y = (rng.integers(-128, 128, s).astype(dtype) for s in ((6, 7), (7, 5)))
        want = x.astype(np.int32) @ y.astype(np.int32)
    else:
        x, y = rng.random((6, 7), dtype), rng.random((7, 5), dtype)
        want = x @ y
    mod, (_, _, out) = build_and_run(_matmul(dtype, acc), [x, y, np.zeros((6, 5), acc)])
    assert_vectorized(mod)
    assert "_contract" in mod.get_source()
    np.testing.assert_allclose(out, want, rtol=1e-6)


def _packed_conv_reference(s, d, k):
    """The tutorial's check: NCHW conv2d_nchw_python, >> 8, clip to [0, 127], repacked."""
    B = s.block
    d_nchw = d.transpose(0, 4, 1, 5, 2, 3).reshape(1, s.icb * B, s.h, s.w)
    k_oihw = k.transpose(0, 4, 1, 5, 2, 3).reshape(s.ocb * B, s.icb * B, s.k, s.k)
    ref = conv2d_nchw_python(d_nchw.astype("int32"), k_oihw.astype("int32"), 1, s.pad)
    ref = np.clip(ref >> 8, 0, 127).astype("int8")
    oh, ow = s.out_hw
    return ref.reshape(1, 1, s.ocb, B, oh, ow).transpose(0, 2, 4, 5, 1, 3)


@pytest.mark.parametrize("listing", [1, 2])
def test_tutorial_conv2d_listings_small(listing):
    s = ConvShape(icb=2, ocb=4, h=4, w=6, block=4)
    f = conv_listing1(s) if listing == 1 else conv_listing2(s, h_block=2)
    rng = np.random.default_rng(listing)
    d = rng.integers(-128, 128, s.data_shape).astype("int8")
    k = rng.integers(-128, 128, s.kernel_shape).astype("int8")
    mod, (_, _, out) = build_and_run(f, [d, k, np.zeros(s.res_shape, "int8")])
    np.testing.assert_array_equal(out, _packed_conv_reference(s, d, k))
    assert mod.get_source().count("_contract(") == (1 if listing == 1 else 2)
    if listing == 1:
        assert_vectorized(mod)
    else:       # only the block loop i2_outer stays in Python: init, then accumulate
        assert mod.get_source().count("runs in Python") == 1


def test_two_virtual_thread_stores_in_one_body_vectorize():
    acc, out = param("acc", "int32", (2, 12)), param("out", "int32", (2, 12))
    i, c = T.Var("i"), T.Var("cse_var_1")
    body = T.LetStmt(c, i, T.seq(
        store(out[2], c, T.shift_right(load(acc[2], c), 2)),
        store(out[2], c + 12, T.shift_right(load(acc[2], c + 12), 2))))
    f = func([acc, out], grid([(i, 12)], body))
    x = np.arange(-12, 12, dtype="int32").reshape(2, 12) * 7
    mod, (_, got) = build_and_run(f, [x, np.zeros((2, 12), "int32")])
    assert_vectorized(mod)
    np.testing.assert_array_equal(got, x >> 2)


def test_max_reduction_and_loop_invariant_terms_count_every_iteration():
    a, m, c = param("A", "float32", (4, 6)), param("M", "float32", (4,)), param("C", "int32",
                                                                                (4,))
    i, r = ivars("i", "r")
    f = func([a, m, c], grid([(i, 4)], T.seq(
        store(m[2], i, T.const(float("-inf"))), store(c[2], i, T.const(0)),
        grid([(r, 6)], T.seq(store(m[2], i, T.max(load(m[2], i), load(a[2], i * 6 + r))),
                             store(c[2], i, load(c[2], i) + 2))))))
    x = np.random.rand(4, 6).astype("float32")
    mod, (_, mx, count) = build_and_run(f, [x, np.zeros(4, "float32"), np.zeros(4, "int32")])
    assert_vectorized(mod)
    np.testing.assert_array_equal(mx, x.max(axis=1))
    np.testing.assert_array_equal(count, [12] * 4)


def test_guarded_store_of_a_non_dividing_split():
    a, b = param("A", "float32", (10,)), param("B", "float32", (10,))
    io, ii = ivars("i_outer", "i_inner")
    index = io * 4 + ii
    guarded = T.IfThenElse(T.call_intrin("bool", "tir.likely", index < 10),
                           store(b[2], index, load(a[2], index) + 1.0))
    f = func([a, b], grid([(io, 3), (ii, 4)], guarded))
    x = np.arange(10, dtype="float32")
    mod, (_, out) = build_and_run(f, [x, np.zeros(10, "float32")])
    assert_vectorized(mod)
    np.testing.assert_array_equal(out, x + 1)


def test_guarded_reduction_of_a_non_dividing_split():
    a, s = param("A", "int32", (3, 10)), param("S", "int32", (3,))
    i, ro, ri = ivars("i", "r_outer", "r_inner")
    r = ro * 4 + ri
    update = T.IfThenElse(r < 10, store(s[2], i, load(s[2], i) + load(a[2], i * 10 + r)))
    f = func([a, s], grid([(i, 3)], T.seq(store(s[2], i, T.const(0)),
                                          grid([(ro, 3), (ri, 4)], update))))
    x = np.arange(30, dtype="int32").reshape(3, 10)
    mod, (_, out) = build_and_run(f, [x, np.zeros(3, "int32")])
    assert_vectorized(mod)
    np.testing.assert_array_equal(out, x.sum(axis=1))


def test_large_temporaries_run_in_chunks(monkeypatch):
    monkeypatch.setattr(vector_stmt, "CHUNK_BYTES", 4096)
    a, b = param("A", "int32", (64, 64)), param("B", "int32", (64,))
    i, r = ivars("i", "r")
    f = func([a, b], grid([(i, 64)], T.seq(store(b[2], i, T.const(0)), grid([(r, 64)], store(
        b[2], i, load(b[2], i) + load(a[2], i * 64 + r) * 3)))))
    x = np.arange(64 * 64, dtype="int32").reshape(64, 64)
    mod, (_, out) = build_and_run(f, [x, np.zeros(64, "int32")])
    assert "for _s" in mod.get_source()
    np.testing.assert_array_equal(out, (x * 3).sum(axis=1))


# --- nests that must run as Python loops, and still be right ------------------------

def test_prefix_sum_falls_back_to_python_loops():
    x, a = param("X", "int32", (8,)), param("A", "int32", (8,))
    i = T.Var("i")
    f = func([x, a], T.seq(store(a[2], T.const(0), load(x[2], T.const(0))),
                           T.For(i, T.const(1), T.const(7), T.ForKind.SERIAL, store(
                               a[2], i, load(a[2], i - 1) + load(x[2], i)))))
    values = np.arange(1, 9, dtype="int32")
    mod, (_, out) = build_and_run(f, [values, np.zeros(8, "int32")])
    assert "loop i runs in Python" in mod.get_source()
    np.testing.assert_array_equal(out, np.cumsum(values))


def test_outer_recurrence_keeps_the_inner_loop_vectorized():
    a = param("A", "int32", (5, 4))
    t, i = ivars("t", "i")
    f = func([a], grid([(t, 4), (i, 4)], store(a[2], (t + 1) * 4 + i,
                                                 load(a[2], t * 4 + i) * 2 + 1)))
    mod, (out,) = build_and_run(f, [np.ones((5, 4), "int32")])
    source = mod.get_source()
    assert "loop t runs in Python" in source and "loop nest i vectorized" in source
    np.testing.assert_array_equal(out[:, 0], [1, 3, 7, 15, 31])


def test_one_element_written_by_every_iteration_keeps_the_last_value():
    x, a = param("X", "int32", (6,)), param("A", "int32", (1,))
    i = T.Var("i")
    f = func([x, a], grid([(i, 6)], store(a[2], T.const(0), load(x[2], i))))
    mod, (_, out) = build_and_run(f, [np.arange(6, dtype="int32") + 10, np.zeros(1, "int32")])
    assert "runs in Python" in mod.get_source()
    assert out[0] == 15


def test_stores_feeding_each_other_across_iterations_keep_program_order():
    a, b = param("A", "int32", (9,)), param("B", "int32", (8,))
    i = T.Var("i")
    body = T.seq(store(b[2], i, load(a[2], i) * 2), store(a[2], i + 1, load(b[2], i) + 1))
    f = func([a, b], grid([(i, 8)], body))
    mod, (out_a, out_b) = build_and_run(f, [np.ones(9, "int32"), np.zeros(8, "int32")])
    expected = [1]
    for _ in range(8):
        expected.append(expected[-1] * 2 + 1)
    np.testing.assert_array_equal(out_a, expected)
    assert "runs in Python" in mod.get_source()


def test_a_let_reading_memory_the_nest_writes_is_not_vectorized():
    a = param("A", "int32", (6,))
    i, v = T.Var("i"), T.Var("v")
    f = func([a], grid([(i, 5)], T.LetStmt(v, load(a[2], T.const(0)), store(
        a[2], i + 1, v + i))))
    mod, (out,) = build_and_run(f, [np.full(6, 3, "int32")])
    assert "runs in Python" in mod.get_source()
    np.testing.assert_array_equal(out, [3, 3, 4, 5, 6, 7])


def test_fused_loops_are_split_back_and_vectorized():
    """for f in 0..60: out[f] = A[f // 12, (f // 4) % 3, f % 4] on a (5, 3, 4) array laid
    out with strides (100, 10, 1): a fused loop whose indices are not affine in f."""
    a, out = param("A", "int32", (500,)), param("out", "int32", (60,))
    f = T.Var("f")
    index = (T.floordiv(f, 12) * 100 + T.floormod(T.floordiv(f, 4), 3) * 10
             + T.floormod(f, 4))
    fn = func([a, out], grid([(f, 60)], store(out[2], f, load(a[2], index))))
    x = np.arange(500, dtype="int32")
    mod, (_, got) = build_and_run(fn, [x, np.zeros(60, "int32")])
    assert_vectorized(mod)
    assert "_gather" not in mod.get_source()         # strided views, not index arrays
    want = np.array([x[(n // 12) * 100 + ((n // 4) % 3) * 10 + n % 4] for n in range(60)])
    np.testing.assert_array_equal(got, want)


def _guarded_matmul_column():
    """k split by nparts=2 into (2, 2) for k < 3, with the guard around two stores:
    the guard and the load of B do not vary over the vectorized loop i."""
    a, b, c = param("A", "int32", (2, 3)), param("B", "int32", (3,)), param("C", "int32", (4,))
    ko, ki, i = ivars("k_outer", "k_inner", "i")
    k = ko * 2 + ki
    update = T.IfThenElse(T.call_intrin("bool", "tir.likely", k < 3), T.seq(
        store(c[2], i * 2, load(c[2], i * 2) + load(a[2], i * 3 + k) * load(b[2], k)),
        store(c[2], i * 2 + 1, load(c[2], i * 2 + 1) + load(b[2], k))))
    return func([a, b, c], grid([(ko, 2), (ki, 2), (i, 2)], update))


def test_guard_protects_loads_that_do_not_vary_over_the_nest():
    x, y = np.arange(6, dtype="int32").reshape(2, 3), np.array([1, 10, 100], "int32")
    for vectorize in (False, True):
        mod, (_, _, out) = build_and_run(_guarded_matmul_column(), [x, y, np.zeros(4, "int32")],
                                         vectorize)
        np.testing.assert_array_equal(out.reshape(2, 2)[:, 0], x @ y)
        np.testing.assert_array_equal(out.reshape(2, 2)[:, 1], [111, 111])
    assert_vectorized(mod)          # the two stores interleave (GCD test) and reduce


def test_conditions_fixed_for_the_whole_nest_guard_their_loads():
    """An outer loop kept in Python (it calls an extern), inner loops vectorized: the
    guard `k < 3` becomes a Python `if`, and the if_then_else reads B[k] only if k < 3."""
    a, b, c = param("A", "int32", (2, 3)), param("B", "int32", (3,)), param("C", "int32", (2, 2))
    k, i = ivars("k", "i")
    inner = grid([(i, 2)], T.seq(
        T.IfThenElse(k < 3, store(c[2], i * 2, load(c[2], i * 2) + load(a[2], i * 3 + k)
                                  * load(b[2], k))),
        store(c[2], i * 2 + 1, load(c[2], i * 2 + 1) +
              T.if_then_else(k < 3, load(b[2], k), T.const(1000)))))
    body = grid([(k, 4)], T.seq(T.Evaluate(T.call_extern("int32", "tick")), inner))
    ticks = []
    mod = build_host(func([a, b, c], body), "f", externs={"tick": lambda: ticks.append(1)})
    x, y = np.arange(6, dtype="int32").reshape(2, 3), np.array([1, 10, 100], "int32")
    out = nd.empty((2, 2), "int32")
    mod(nd.array(x), nd.array(y), out)
    source = mod.get_source()
    assert "if (k < 3):" in source and "if (k < 3) else 1000" in source
    np.testing.assert_array_equal(out.numpy(), np.stack([x @ y, [1111, 1111]], axis=1))
    assert len(ticks) == 4


def test_loads_fixed_for_the_nest_under_a_varying_guard_are_clipped():
    """for k (Python): for i: if i + k < 3: C[i] += B[k]; B[3] is read by no iteration."""
    b, c = param("B", "int32", (3,)), param("C", "int32", (2,))
    k, i = ivars("k", "i")
    inner = grid([(i, 2)], T.IfThenElse(i + k < 3, store(c[2], i, load(c[2], i) + load(b[2],
                                                                                      k))))
    body = grid([(k, 4)], T.seq(T.Evaluate(T.call_extern("int32", "tick")), inner))
    mod = build_host(func([b, c], body), "f", externs={"tick": lambda: None})
    out = nd.empty(2, "int32")
    mod(nd.array(np.array([1, 10, 100], "int32")), out)
    assert "_gather_clip(B" in mod.get_source()
    np.testing.assert_array_equal(out.numpy(), [111, 11])
