"""
Working with Operators Using Tensor Expressions
===============================================

A tensor expression (TE) declares *what* an operator computes, as a pure function from
input tensors to an output tensor; a schedule says *how*: in which order the loops run,
which run in parallel, which are vectorized, what is copied where. This tutorial writes
two operators with minitvm's TE language, a vector addition and a matrix multiplication,
and applies one optimization at a time to the second, printing the loop program of each
step, checking each result against numpy and timing it on the host CPU.

(minitvm: a tutorial of its own covering what TVM's "Working with Operators Using Tensor
Expression" covers; the listings are what TVM prints for the same schedules. minitvm's
host build compiles to Python and numpy rather than to machine code, so the timings
measure that, not what LLVM would generate.)
"""
import timeit

import numpy as np

import minitvm as tvm
import minitvm.testing
from minitvm import te
from minitvm.contrib import utils

######################################################################
# Vector addition
# ---------------
# The length `n` is symbolic; C[i] = A[i] + B[i]. A default schedule runs one loop.

tgt = tvm.target.Target(target="llvm", host="llvm")
n = te.var("n")
A = te.placeholder((n,), name="A")
B = te.placeholder((n,), name="B")
C = te.compute(A.shape, lambda i: A[i] + B[i], name="C")
s = te.create_schedule(C.op)

fadd = tvm.build(s, [A, B, C], tgt, name="myadd")
dev = tvm.device(tgt.kind.name, 0)
size = 1024
a = tvm.nd.array(np.random.uniform(size=size).astype(A.dtype), dev)
b = tvm.nd.array(np.random.uniform(size=size).astype(B.dtype), dev)
c = tvm.nd.array(np.zeros(size, dtype=C.dtype), dev)
fadd(a, b, c)
tvm.testing.assert_allclose(c.numpy(), a.numpy() + b.numpy())

######################################################################
# Timing against numpy: `time_evaluator` runs the compiled function several times and
# reports the mean.

np_repeat = 20
np_running_time = timeit.timeit(
    setup="import numpy\na = numpy.random.rand(32768).astype('float32')\n"
          "b = numpy.random.rand(32768).astype('float32')\n",
    stmt="answer = a + b", number=np_repeat)
print("Numpy running time: %f" % (np_running_time / np_repeat))


def evaluate_addition(func, target, optimization, log):
    dev = tvm.device(target.kind.name, 0)
    size = 32768
    a = tvm.nd.array(np.random.uniform(size=size).astype(A.dtype), dev)
    b = tvm.nd.array(np.random.uniform(size=size).astype(B.dtype), dev)
    c = tvm.nd.array(np.zeros(size, dtype=C.dtype), dev)
    mean_time = func.time_evaluator(func.entry_name, dev, number=5)(a, b, c).mean
    tvm.testing.assert_allclose(c.numpy(), a.numpy() + b.numpy())
    print("%s: %f" % (optimization, mean_time))
    log.append((optimization, mean_time))


log = [("numpy", np_running_time / np_repeat)]
evaluate_addition(fadd, tgt, "naive", log=log)

######################################################################
# Parallel loops
# --------------
# `parallel` marks a loop whose iterations may run on several cores at once.

s[C].parallel(C.op.axis[0])
print(tvm.lower(s, [A, B, C], simple_mode=True))
fadd_parallel = tvm.build(s, [A, B, C], tgt, name="myadd_parallel")
evaluate_addition(fadd_parallel, tgt, "parallel", log=log)

######################################################################
# Vectorized loops
# ----------------
# Split the loop by 4, run the outer part in parallel and the inner part as vector
# instructions. Since `n` need not be a multiple of 4, the inner loop is guarded, and a
# guarded loop is left scalar (`i_inner_s`) by the vectorizer.

n = te.var("n")
A = te.placeholder((n,), name="A")
B = te.placeholder((n,), name="B")
C = te.compute(A.shape, lambda i: A[i] + B[i], name="C")
s = te.create_schedule(C.op)
outer, inner = s[C].split(C.op.axis[0], factor=4)
s[C].parallel(outer)
s[C].vectorize(inner)
fadd_vector = tvm.build(s, [A, B, C], tgt, name="myadd_parallel")
evaluate_addition(fadd_vector, tgt, "vector", log=log)
print(tvm.lower(s, [A, B, C], simple_mode=True))

baseline = log[0][1]
print("Timings in seconds, and relative to numpy:")
print("%s\t%s\t%s" % ("Operator".rjust(20), "Timing".rjust(20), "Performance".rjust(20)))
for result in log:
    print("%s\t%s\t%s" % (result[0].rjust(20), str(result[1]).rjust(20),
                          str(result[1] / baseline).rjust(20)))

######################################################################
# GPU kernels
# -----------
# The same addition, its loop split into blocks of 64 threads, is a GPU kernel. minitvm
# lowers it (see the schedule primitives tutorial) but has no GPU code generator.

try:
    gpu = te.create_schedule(C.op)
    bx, tx = gpu[C].split(C.op.axis[0], factor=64)
    gpu[C].bind(bx, te.thread_axis("blockIdx.x"))
    gpu[C].bind(tx, te.thread_axis("threadIdx.x"))
    tvm.build(gpu, [A, B, C], target=tvm.target.Target("cuda", host="llvm"), name="myadd")
except tvm.error.TVMError as err:
    print("Building for cuda:", err)

######################################################################
# Saving and loading a compiled module
# ------------------------------------
# A compiled module can be saved to a file and loaded back.

temp = utils.tempdir()
fadd.save(temp.relpath("myadd.so"))
print(temp.listdir())
fadd1 = tvm.runtime.load_module(temp.relpath("myadd.so"))
fadd1(a, b, c)
tvm.testing.assert_allclose(c.numpy(), a.numpy() + b.numpy())

######################################################################
# Matrix multiplication
# ---------------------
# C = A B, written as a sum over the shared axis `k`. Each optimization below is a
# function that declares the product for a size and schedules it: the listings are of
# 1024 x 1024 matrices, and each schedule is run on 128 x 128 ones (the host build
# executes in Python; at 1024 the unoptimized product alone would run for hours).

bn = 32
dtype = "float32"
target = tvm.target.Target(target="llvm", host="llvm")
dev = tvm.device(target.kind.name, 0)


def declare(size, packed=False):
    """A, B and C = A B for size x size matrices; with `packed`, C reads B through
    packedB, B repacked so that each block of 32 columns is contiguous."""
    k = te.reduce_axis((0, size), "k")
    A = te.placeholder((size, size), name="A")
    B = te.placeholder((size, size), name="B")
    if not packed:
        return A, B, te.compute((size, size), lambda x, y: te.sum(A[x, k] * B[k, y], axis=k),
                                name="C")
    packedB = te.compute((size / bn, size, bn), lambda x, y, z: B[y, x * bn + z],
                         name="packedB")
    C = te.compute(
        (size, size),
        lambda x, y: te.sum(A[x, k] * packedB[y // bn, k, tvm.tir.indexmod(y, bn)], axis=k),
        name="C")
    return A, B, C


def blocked(s, C, order):
    """Tile C by 32 x 32, split the reduction by 4 and order the loops as `order` says."""
    xo, yo, xi, yi = s[C].tile(C.op.axis[0], C.op.axis[1], bn, bn)
    (k,) = s[C].op.reduce_axis
    ko, ki = s[C].split(k, factor=4)
    loops = {"xo": xo, "yo": yo, "ko": ko, "ki": ki, "xi": xi, "yi": yi}
    s[C].reorder(*(loops[name] for name in order))
    return loops


def pack_in_parallel(s, C):
    packedB = C.op.input_tensors[1]
    x, y, z = s[packedB].op.axis
    s[packedB].vectorize(z)
    s[packedB].parallel(x)


def unscheduled(size):
    A, B, C = declare(size)
    return te.create_schedule(C.op), [A, B, C]


def blocking(size, vectorize=False):
    """Walk C in 32 x 32 tiles, so that a tile of A, B and C stays in cache."""
    A, B, C = declare(size)
    s = te.create_schedule(C.op)
    loops = blocked(s, C, ["xo", "yo", "ko", "ki", "xi", "yi"])
    if vectorize:
        s[C].vectorize(loops["yi"])
    return s, [A, B, C]


def vectorization(size):
    """The innermost loop, over 32 columns, becomes vector operations."""
    return blocking(size, vectorize=True)


def loop_permutation(size):
    """With `ki` inside `xi`, the inner loops read rows of A and B contiguously."""
    A, B, C = declare(size)
    s = te.create_schedule(C.op)
    s[C].vectorize(blocked(s, C, ["xo", "yo", "ko", "xi", "ki", "yi"])["yi"])
    return s, [A, B, C]


def array_packing(size):
    """B read through packedB, packed in parallel with vector copies."""
    A, B, C = declare(size, packed=True)
    s = te.create_schedule(C.op)
    s[C].vectorize(blocked(s, C, ["xo", "yo", "ko", "xi", "ki", "yi"])["yi"])
    pack_in_parallel(s, C)
    return s, [A, B, C]


def block_caching(size, parallel=False):
    """Accumulate each tile of C in a small buffer (`cache_write`), copied out once, with
    the short reduction loop unrolled."""
    A, B, C = declare(size, packed=True)
    s = te.create_schedule(C.op)
    CC = s.cache_write(C, "global")
    xo, yo, xi, yi = s[C].tile(C.op.axis[0], C.op.axis[1], bn, bn)
    s[CC].compute_at(s[C], yo)
    xc, yc = s[CC].op.axis
    (k,) = s[CC].op.reduce_axis
    ko, ki = s[CC].split(k, factor=4)
    s[CC].reorder(ko, xc, ki, yc)
    s[CC].unroll(ki)
    s[CC].vectorize(yc)
    pack_in_parallel(s, C)
    if parallel:
        s[C].parallel(xo)
    return s, [A, B, C]


def parallelization(size):
    """The rows of tiles run on several cores."""
    return block_caching(size, parallel=True)


SMALL = 128
a_small = np.random.rand(SMALL, SMALL).astype(dtype)
b_small = np.random.rand(SMALL, SMALL).astype(dtype)
answer = a_small @ b_small
np_running_time = timeit.timeit(lambda: a_small @ b_small, number=20) / 20
log = [("numpy", np_running_time)]


def evaluate_operation(make_schedule, optimization, log):
    """Build the schedule for 128 x 128 matrices, check it against numpy and time it."""
    s, args = make_schedule(SMALL)
    func = tvm.build(s, args, target=target, name="mmult")
    a, b = tvm.nd.array(a_small, dev), tvm.nd.array(b_small, dev)
    c = tvm.nd.array(np.zeros((SMALL, SMALL), dtype=dtype), dev)
    mean_time = func.time_evaluator(func.entry_name, dev, number=1)(a, b, c).mean
    tvm.testing.assert_allclose(c.numpy(), answer, rtol=1e-4)
    print("%s: %f" % (optimization, mean_time))
    log.append((optimization, mean_time))


def show(make_schedule):
    s, args = make_schedule(1024)
    print(tvm.lower(s, args, simple_mode=True))


for optimization, make_schedule in [("none", unscheduled), ("blocking", blocking),
                                    ("vectorization", vectorization),
                                    ("loop permutation", loop_permutation),
                                    ("array packing", array_packing),
                                    ("block caching", block_caching),
                                    ("parallelization", parallelization)]:
    evaluate_operation(make_schedule, optimization, log)
    show(make_schedule)

baseline = log[0][1]
print("Timings in seconds, and relative to numpy:")
print("%s\t%s\t%s" % ("Operator".rjust(20), "Timing".rjust(20), "Performance".rjust(20)))
for result in log:
    print("%s\t%s\t%s" % (result[0].rjust(20), str(result[1]).rjust(20),
                          str(result[1] / baseline).rjust(20)))

######################################################################
# Summary
# -------
# The declaration of the product never changed: every step above only changed the
# schedule, and every schedule computed the same matrix.
print("Every schedule computed what numpy computes.")
