"""Tensorize: compute a tile of a loop nest with a hand-written routine.

Hardware and libraries often offer routines that compute a whole tile at once (a
matrix-vector product, a GEMM block). `tensorize` replaces the loops under an axis by a
call of such a routine: the routine's computation is declared in TE, its body is
written with `tvm.tir.ir_builder`, and the schedule checks that the loops compute
exactly what the routine declares. This tutorial covers what TVM's "Use Tensorize to
Leverage Hardware Intrinsics" covers on the CPU; run it as

    python tutorials/te/tensorize.py | python tests/data/tools/listing_diff.py tensorize -

TVM compiles the routine's C source with clang and links it through the
`import_llvm` pragma. minitvm has no C compiler: the host build runs an extern C name
through the Python function registered under that name (`tvm.register_func`), which
receives each pointer argument as a flat numpy view of the memory it points to.
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided

import minitvm as tvm
from minitvm import te

######################################################################
# A matrix multiplication
# -----------------------
# C = A B^T, reducing over k. The default schedule is three nested loops.

N, M, L = 1024, 512, 64
A = te.placeholder((N, L), name="A")
B = te.placeholder((M, L), name="B")
k = te.reduce_axis((0, L), name="k")
C = te.compute((N, M), lambda i, j: te.sum(A[i, k] * B[j, k], axis=k), name="C")
s = te.create_schedule(C.op)
print(tvm.lower(s, [A, B, C], simple_mode=True))

######################################################################
# Splitting j by 16 and moving the reduction inside gives tiles of 16 rows of B: each
# is a matrix-vector product of a (16, 64) block of B with a row of A.

factor = 16
x, y = C.op.axis
(z,) = C.op.reduce_axis
yo, yi = s[C].split(y, factor=factor)
s[C].reorder(x, yo, yi, z)
print(tvm.lower(s, [A, B, C], simple_mode=True))

######################################################################
# Declaring the intrinsic
# -----------------------
# `intrin_gemv(m, l)` declares c = b a for a (m, l) matrix b as a small te.compute, and
# the statement performing it: a call of the C routine `gemv_update`, given pointers to
# the three regions (`Buffer.access_ptr`) and the row stride of b. The buffers say how
# the regions may lie in memory: any element offset (offset_factor=1), unit stride for
# the vectors, a free row stride `s1` for b.


def declare_gemv(m, l):
    """The computation c = b a and the buffers its regions may be bound to."""
    a = te.placeholder((l,), name="a")
    b = te.placeholder((m, l), name="b")
    k = te.reduce_axis((0, l), name="k")
    c = te.compute((m,), lambda i: te.sum(a[k] * b[i, k], axis=k), name="c")
    Ab = tvm.tir.decl_buffer(a.shape, a.dtype, name="A", offset_factor=1, strides=[1])
    Bb = tvm.tir.decl_buffer(b.shape, b.dtype, name="B", offset_factor=1,
                             strides=[te.var("s1"), 1])
    Cb = tvm.tir.decl_buffer(c.shape, c.dtype, name="C", offset_factor=1, strides=[1])
    return c.op, {a: Ab, b: Bb, c: Cb}


def gemv_update_call(ins, outs, m, l):
    ib = tvm.tir.ir_builder.create()
    aa, bb = ins
    cc = outs[0]
    ib.emit(tvm.tir.call_extern("int32", "gemv_update", cc.access_ptr("w"),
                                aa.access_ptr("r"), bb.access_ptr("r"), m, l, bb.strides[0]))
    return ib.get()


def intrin_gemv(m, l):
    op, binds = declare_gemv(m, l)
    return te.decl_tensor_intrin(op, lambda ins, outs: gemv_update_call(ins, outs, m, l),
                                 binds=binds)


######################################################################
# Tensorizing
# -----------
# Tensorizing `yi` matches the loops yi and k against the intrinsic and replaces them by
# its statement, with the buffers bound to the regions one tile touches: the row stride
# of B is 64, each tile of B starts 1024 elements after the previous one.

gemv = intrin_gemv(factor, L)
s[C].tensorize(yi, gemv)
print(tvm.lower(s, [A, B, C], simple_mode=True))

######################################################################
# The routine. In TVM it is C code compiled by clang and attached with the
# `import_llvm` pragma; the pragma is kept here (it prints the code as metadata), and
# the routine itself is the Python function registered as "gemv_update".

GEMV_C = """
  extern "C" int gemv_update(float *cc, float *aa, float *bb, int m, int l, int stride) {
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < l; ++j)
        cc[i] += aa[j] * bb[i * stride + j];
    return 0;
  }
"""


@tvm.register_func("gemv_update")
def gemv_update(cc, aa, bb, m, l, stride):
    rows = as_strided(bb, (m, l), (stride * bb.itemsize, bb.itemsize))   # bb[i * stride + j]
    cc[:m] += rows @ aa[:l]
    return 0


s[C].pragma(x, "import_llvm", GEMV_C)
print(tvm.lower(s, [A, B, C], simple_mode=True))

func = tvm.build(s, [A, B, C], target="llvm", name="gemv")
a = np.random.uniform(size=(N, L)).astype(A.dtype)
b = np.random.uniform(size=(M, L)).astype(B.dtype)
c = tvm.nd.array(np.zeros((N, M), dtype=C.dtype))
func(tvm.nd.array(a), tvm.nd.array(b), c)
np.testing.assert_allclose(c.numpy(), np.dot(a, b.T), rtol=1e-3)

######################################################################
# Reduce-update
# -------------
# Splitting the reduction as well puts the intrinsic inside a reduction loop: it must
# then accumulate into C (its update statement), and C must be reset once before the
# first step (its reset statement). `decl_tensor_intrin` takes the three statements:
# body, reset, update.

zo, zi = s[C].split(z, factor=factor)
s[C].reorder(x, yo, zo, yi, zi)


def intrin_gemv_reduce(m, l):
    op, binds = declare_gemv(m, l)

    def intrin_func(ins, outs):
        ib = tvm.tir.ir_builder.create()
        ib.emit(tvm.tir.call_extern("int32", "gemv_reset", outs[0].access_ptr("w"), m))
        reset = ib.get()
        update = gemv_update_call(ins, outs, m, l)
        return update, reset, update

    return te.decl_tensor_intrin(op, intrin_func, binds=binds)


@tvm.register_func("gemv_reset")
def gemv_reset(cc, m):
    cc[:m] = 0
    return 0


gemv = intrin_gemv_reduce(factor, factor)
s[C].tensorize(yi, gemv)
func = tvm.build(s, [A, B, C], target="llvm", name="gemv")
c = tvm.nd.array(np.zeros((N, M), dtype=C.dtype))
func(tvm.nd.array(a), tvm.nd.array(b), c)
np.testing.assert_allclose(c.numpy(), np.dot(a, b.T), rtol=1e-3)

######################################################################
# Summary
# -------
# Tensorize needs the intrinsic's computation (TE), its buffers (where the regions may
# lie) and its statements (ir_builder); the schedule checks the match and binds the
# buffers to each tile.
