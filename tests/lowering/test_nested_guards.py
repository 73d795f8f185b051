"""Programs whose inlined stages nest `if_then_else` / `Select` / `min` over guarded
loads inside conditions, then unroll or vectorize them: they lower and build (Simplify
once took 13 to 40 s on them, growing exponentially with the nesting) and compute what
numpy computes.

The two programs are the shapes of two reduced random schedules (an element-wise one
split by a factor that does not divide and unrolled, and a broadcast one with fused,
vectorized and inlined stages).
"""
import numpy as np

import minitvm as tvm
from minitvm import te

IF = tvm.tir.if_then_else


def _run(s, args, arrays, out_shape):
    func = tvm.build(s, args, target="llvm", name="nested")
    dev = tvm.cpu(0)
    out = tvm.nd.array(np.zeros(out_shape, dtype="int32"), dev)
    func(*[tvm.nd.array(a, dev) for a in arrays], out)
    return out.numpy()


def test_inlined_guards_under_an_unrolled_split():
    a = te.placeholder((8,), name="a", dtype="int8")
    b = te.placeholder((8,), name="b", dtype="int8")
    bi = lambda i: b[i].astype("int32")  # noqa: E731
    first = te.compute((8,), lambda i: bi(i) - IF(tvm.tir.all(i >= 2, (i + 7) % 2 == 0), 18, 11),
                       name="first")

    def second(i):
        ahead = IF(i + 2 < 8, bi(i + 2), 0)
        pick = IF((i + 5) % 2 == 0, te.min(first[i], 32),
                  tvm.tir.Select(ahead != bi(i), bi(i), first[i]))
        other = IF((ahead >> 5) != -bi(i), -bi(i), bi(i) - a[i].astype("int32"))
        return first[i] + tvm.tir.Select(a[i].astype("int32") + 17 <= pick, pick, other)
    out = te.compute((8,), second, name="out")
    s = te.create_schedule(out.op)
    _, inner = s[out].split(out.op.axis[0], factor=7)
    s[out].pragma(inner, "unroll")
    s[first].compute_inline()

    rng = np.random.default_rng(0)
    na = rng.integers(-128, 128, size=8).astype("int8")
    nb = rng.integers(-128, 128, size=8).astype("int8")
    i = np.arange(8)
    wa, wb = na.astype("int32"), nb.astype("int32")
    nfirst = wb - np.where((i >= 2) & ((i + 7) % 2 == 0), 18, 11)
    ahead = np.where(i + 2 < 8, wb[np.minimum(i + 2, 7)], 0)
    pick = np.where((i + 5) % 2 == 0, np.minimum(nfirst, 32), np.where(ahead != wb, wb, nfirst))
    other = np.where((ahead >> 5) != -wb, -wb, wb - wa)
    expected = nfirst + np.where(wa + 17 <= pick, pick, other)
    np.testing.assert_array_equal(_run(s, [a, b, out], [na, nb], (8,)), expected)


def test_inlined_guards_in_vectorized_fused_broadcast_stages():
    a = te.placeholder((3, 5), name="a", dtype="int32")
    b = te.placeholder((3,), name="b", dtype="int32")
    c = te.placeholder((5,), name="c", dtype="int32")
    s0 = te.compute((3, 5), lambda i, j: b[i] - 15, name="s0")
    right = lambda i, j: IF(j + 1 < 5, s0[i, j + 1], 0)  # noqa: E731
    s1 = te.compute((3, 5), lambda i, j: s0[i, j] + right(i, j), name="s1")
    s2 = te.compute((3, 5), lambda i, j: te.max(s1[i, j], s0[i, j] + s0[i, j] % 3), name="s2")
    s3 = te.compute((3, 5), lambda i, j: te.max(
        s2[i, j], te.max(te.max(s0[i, j], a[i, j]), c[j]) - 19), name="s3")

    def last(i, j):
        small = IF(4 > s1[i, j], s1[i, j], c[j])
        pick = IF(-s1[i, j] <= small, small,
                  tvm.tir.Select(s1[i, j] > right(i, j), right(i, j), s1[i, j]))
        return te.max(s3[i, j], pick >> 2)
    s4 = te.compute((3, 5), last, name="s4")
    s = te.create_schedule(s4.op)
    outer, inner = s[s4].split(s4.op.axis[0], nparts=2)
    _, lanes = s[s4].split(s4.op.axis[1], nparts=5)
    s[s4].vectorize(lanes)
    s[s4].unroll(inner)
    fused3 = s[s3].fuse(*s[s3].op.axis)
    s[s3].vectorize(fused3)
    s[s2].compute_at(s[s3], fused3)
    s[s2].set_scope("local")
    s[s1].compute_inline()
    fused0 = s[s0].fuse(*reversed(s[s0].op.axis))
    po, _ = s[s0].split(fused0, nparts=13)
    s[s0].parallel(po)

    rng = np.random.default_rng(1)
    na = rng.integers(-1000, 1000, size=(3, 5)).astype("int32")
    nb = rng.integers(-1000, 1000, size=3).astype("int32")
    nc = rng.integers(-1000, 1000, size=5).astype("int32")
    n0 = np.broadcast_to((nb - 15)[:, None], (3, 5))
    nright = np.concatenate([n0[:, 1:], np.zeros((3, 1), "int32")], axis=1)
    n1 = n0 + nright
    n2 = np.maximum(n1, n0 + n0 % 3)
    n3 = np.maximum(n2, np.maximum(np.maximum(n0, na), nc) - 19)
    small = np.where(4 > n1, n1, nc)
    pick = np.where(-n1 <= small, small, np.where(n1 > nright, nright, n1))
    expected = np.maximum(n3, pick >> 2)
    np.testing.assert_array_equal(_run(s, [a, b, c, s4], [na, nb, nc], (3, 5)), expected)
