"""The workloads the schedule tests use: the reference convolution (with its blocking
and virtual-thread steps), a matmul, an elementwise chain, and (with their numpy
references) programs with guarded loads at shifted and padded indices and a reduction
between a producer and a consumer."""
import numpy as np

import minitvm as tvm
from minitvm import te, topi


def run(s, args, inputs):
    """Build `s` for the host, call it on `inputs` (numpy arrays) and a fresh output (the
    last of `args`), and return the output as numpy."""
    f = tvm.build(s, args)
    out = args[-1]
    result = tvm.nd.empty(tuple(int(x) for x in out.shape), out.dtype)
    f(*[tvm.nd.array(x) for x in inputs], result)
    return result.numpy()


class Conv:
    """The reference tutorial's conv2d declarations (ResNet-18 layer 9 by default)."""

    def __init__(self, height=14, width=14, in_blocks=16, out_blocks=16, block=16):
        self.data = te.placeholder((1, in_blocks, height, width, 1, block), name="data",
                                   dtype="int8")
        self.kernel = te.placeholder((out_blocks, in_blocks, 3, 3, block, block),
                                     name="kernel", dtype="int8")
        dy = te.reduce_axis((0, 3), name="dy")
        dx = te.reduce_axis((0, 3), name="dx")
        ic = te.reduce_axis((0, in_blocks), name="ic")
        ic_tns = te.reduce_axis((0, block), name="ic_tns")
        self.data_buf = topi.nn.pad(self.data, [0, 0, 1, 1, 0, 0], name="data_buf")
        self.kernel_buf = te.compute(self.kernel.shape, lambda *i: self.kernel(*i),
                                     "kernel_buf")
        out_shape = (1, out_blocks, height, width, 1, block)
        data_buf, kernel_buf = self.data_buf, self.kernel_buf
        self.res_conv = te.compute(
            out_shape,
            lambda bo, co, i, j, bi, ci: te.sum(
                data_buf[bo, ic, i + dy, j + dx, bi, ic_tns].astype("int32")
                * kernel_buf[co, ic, dy, dx, ci, ic_tns].astype("int32"),
                axis=[ic, dy, dx, ic_tns]),
            name="res_conv")
        self.res_shr = te.compute(out_shape, lambda *i: self.res_conv(*i) >> 8, name="res_shr")
        self.res_max = te.compute(out_shape, lambda *i: tvm.te.max(self.res_shr(*i), 0),
                                  "res_max")
        self.res_min = te.compute(out_shape, lambda *i: tvm.te.min(self.res_max(*i), 127),
                                  "res_min")
        self.res = te.compute(out_shape, lambda *i: self.res_min(*i).astype("int8"),
                              name="res")
        self.args = [self.data, self.kernel, self.res]
        self.s = te.create_schedule(self.res.op)

    def block(self, oc_block=8, h_block=7, w_block=14):
        """The tutorial's blocking; returns (b_out, oc_out, y_out, x_out) of res and
        ic_out of res_conv."""
        s, res, res_conv = self.s, self.res, self.res_conv
        b, oc, y, x, b_tns, oc_tns = s[res].op.axis
        b_out, b_inn = s[res].split(b, factor=1)
        oc_out, oc_inn = s[res].split(oc, factor=oc_block)
        y_out, y_inn = s[res].split(y, factor=h_block)
        x_out, x_inn = s[res].split(x, factor=w_block)
        s[res].reorder(b_out, oc_out, y_out, x_out, b_inn, oc_inn, y_inn, x_inn, b_tns, oc_tns)
        for t in (res_conv, self.res_shr, self.res_max, self.res_min):
            s[t].compute_at(s[res], x_out)
        b_inn, oc_inn, y_inn, x_inn, b_tns, oc_tns = s[res_conv].op.axis
        ic, dy, dx, ic_tns = s[res_conv].op.reduce_axis
        ic_out, ic_inn = s[res_conv].split(ic, factor=1)
        s[res_conv].reorder(ic_out, b_inn, oc_inn, y_inn, ic_inn, dy, dx, x_inn, b_tns,
                            oc_tns, ic_tns)
        self.ic_out = ic_out
        return b_out, oc_out, y_out, x_out

    def virtual_threads(self, oc_out, b_out, threads=2):
        s = self.s
        _, tx = s[self.res].split(oc_out, factor=threads)
        s[self.res].reorder(tx, b_out)
        s[self.res].bind(tx, te.thread_axis("cthread"))
        return tx


def matmul(n=6, m=5, k=7, dtype="float32"):
    """C[i, j] = sum_k A[i, k] * B[k, j]."""
    A = te.placeholder((n, k), dtype, name="A")
    B = te.placeholder((k, m), dtype, name="B")
    r = te.reduce_axis((0, k), name="k")
    C = te.compute((n, m), lambda i, j: te.sum(A[i, r] * B[r, j], axis=r), name="C")
    return A, B, C


def elementwise(n=10, m=6):
    """A -> B = A*2 -> C = B+1 -> D = C*C."""
    A = te.placeholder((n, m), "float32", name="A")
    B = te.compute((n, m), lambda i, j: A[i, j] * 2.0, name="B")
    C = te.compute((n, m), lambda i, j: B[i, j] + 1.0, name="C")
    D = te.compute((n, m), lambda i, j: C[i, j] * C[i, j], name="D")
    return A, B, C, D


def stencil(n=4, m=5):
    """Guarded loads at shifted indices: A -> B = A * 2 -> C = B[i, j] + B[i, j - 1]
    (0 at j = 0) -> D = C * 3 - C[i + 1, j] (0 at the last row), all int32."""
    A = te.placeholder((n, m), "int32", name="A")
    B = te.compute((n, m), lambda i, j: A[i, j] * 2, name="B")
    C = te.compute((n, m), lambda i, j: B[i, j] + tvm.tir.if_then_else(
        j >= 1, B[i, j - 1], 0), name="C")
    D = te.compute((n, m), lambda i, j: C[i, j] * 3 - tvm.tir.if_then_else(
        i + 1 < n, C[i + 1, j], 0), name="D")
    return A, B, C, D


def stencil_numpy(a):
    b = a * 2
    c = b.copy()
    c[:, 1:] += b[:, :-1]
    d = c * 3
    d[:-1, :] -= c[1:, :]
    return d


def padded(n=3, m=4):
    """A padded by one on each side, read at two corners: P = pad(A) -> Q = P[i, j] +
    P[i + 2, j + 2] -> R = Q * 5, all int32."""
    A = te.placeholder((n, m), "int32", name="A")
    P = topi.nn.pad(A, [1, 1], name="P")
    Q = te.compute((n, m), lambda i, j: P[i, j] + P[i + 2, j + 2], name="Q")
    R = te.compute((n, m), lambda i, j: Q[i, j] * 5, name="R")
    return A, P, Q, R


def padded_numpy(a):
    p = np.pad(a, 1)
    return (p[:-2, :-2] + p[2:, 2:]) * 5


def matmul_chain(n=3, m=4, k=5):
    """A producer and a consumer around a reduction: AA = A + 1 -> C = AA @ B -> E = C >> 1,
    all int32."""
    A = te.placeholder((n, k), "int32", name="A")
    B = te.placeholder((k, m), "int32", name="B")
    AA = te.compute((n, k), lambda i, r: A[i, r] + 1, name="AA")
    r = te.reduce_axis((0, k), name="r")
    C = te.compute((n, m), lambda i, j: te.sum(AA[i, r] * B[r, j], axis=r), name="C")
    E = te.compute((n, m), lambda i, j: C[i, j] >> 1, name="E")
    return A, B, AA, C, E


def matmul_chain_numpy(a, b):
    return ((a + 1) @ b) >> 1
