"""
Schedule Primitives
===================

One computation can be run in many loop orders. A *schedule* records how the loops of
each stage are to be cut, merged, reordered, bound to hardware threads and nested into
each other; lowering then builds the loop program. This tutorial applies the schedule
primitives one at a time to small element-wise computations with symbolic sizes, prints
the loop program each one gives, and checks on the CPU that the program still computes
what the declaration says.

(minitvm: a tutorial of its own covering what TVM's "Schedule Primitives in TVM"
how-to covers; the listings are what TVM prints for the same schedules.)
"""
import numpy as np

import minitvm as tvm
from minitvm import te

######################################################################
# Sizes are symbolic: `te.var` declares an integer known only when the compiled function
# is called. The lowered program therefore reads the arrays through their strides (the
# `"stride"` variables of each `T.match_buffer`), and a compiled function takes arrays of
# any size, checking that the sizes agree between arguments.

m = te.var("m")
n = te.var("n")
dev = tvm.cpu()


def random_array(*shape):
    return tvm.nd.array(np.random.uniform(size=shape).astype("float32"), dev)


def check(schedule, args, expected, *shape):
    """Build `schedule` for the CPU, run it on random inputs of `shape` and compare the
    last argument with `expected(*inputs)` computed by numpy."""
    func = tvm.build(schedule, args)
    inputs = [random_array(*shape) for _ in args[:-1]]
    out = tvm.nd.array(np.zeros(shape, "float32"), dev)
    func(*inputs, out)
    np.testing.assert_allclose(out.numpy(), expected(*(a.numpy() for a in inputs)), rtol=1e-6)


######################################################################
# The default schedule
# --------------------
# A new schedule runs every stage in its own loop nest, one loop a dimension, in the
# order of the declaration.

A = te.placeholder((m, n), name="A")
B = te.placeholder((m, n), name="B")
C = te.compute((m, n), lambda i, j: A[i, j] * B[i, j], name="C")
s = te.create_schedule([C.op])
print(tvm.lower(s, [A, B, C], simple_mode=True))
check(s, [A, B, C], lambda a, b: a * b, 7, 5)

######################################################################
# split
# -----
# `split` cuts one loop into two nested ones. With `factor`, the inner loop has that many
# iterations; as `m` need not be a multiple of it, the body is guarded by a `likely`
# condition.

A = te.placeholder((m,), name="A")
B = te.compute((m,), lambda i: A[i] * 2, name="B")
s = te.create_schedule(B.op)
outer, inner = s[B].split(B.op.axis[0], factor=32)
print(tvm.lower(s, [A, B], simple_mode=True))
check(s, [A, B], lambda a: a * 2, 70)

######################################################################
# With `nparts` the *outer* loop gets the given number of iterations instead.

A = te.placeholder((m,), name="A")
B = te.compute((m,), lambda i: A[i], name="B")
s = te.create_schedule(B.op)
outer, inner = s[B].split(B.op.axis[0], nparts=32)
print(tvm.lower(s, [A, B], simple_mode=True))
check(s, [A, B], lambda a: a, 70)

######################################################################
# tile
# ----
# `tile` splits two loops and orders the four results outer-outer-inner-inner, walking
# a 2-D array block by block.

A = te.placeholder((m, n), name="A")
B = te.compute((m, n), lambda i, j: A[i, j], name="B")
s = te.create_schedule(B.op)
xo, yo, xi, yi = s[B].tile(B.op.axis[0], B.op.axis[1], x_factor=10, y_factor=5)
print(tvm.lower(s, [A, B], simple_mode=True))
check(s, [A, B], lambda a: a, 23, 12)

######################################################################
# fuse
# ----
# `fuse` merges two adjacent loops into one running over the product of their extents;
# here the two inner loops of a tile become one loop of 50 iterations.

A = te.placeholder((m, n), name="A")
B = te.compute((m, n), lambda i, j: A[i, j], name="B")
s = te.create_schedule(B.op)
xo, yo, xi, yi = s[B].tile(B.op.axis[0], B.op.axis[1], x_factor=10, y_factor=5)
fused = s[B].fuse(xi, yi)
print(tvm.lower(s, [A, B], simple_mode=True))
check(s, [A, B], lambda a: a, 23, 12)

######################################################################
# reorder
# -------
# `reorder` puts loops in the order given (here the inner row loop goes outermost).

A = te.placeholder((m, n), name="A")
B = te.compute((m, n), lambda i, j: A[i, j], name="B")
s = te.create_schedule(B.op)
xo, yo, xi, yi = s[B].tile(B.op.axis[0], B.op.axis[1], x_factor=10, y_factor=5)
s[B].reorder(xi, yo, xo, yi)
print(tvm.lower(s, [A, B], simple_mode=True))
check(s, [A, B], lambda a: a, 23, 12)

######################################################################
# bind
# ----
# On a GPU, `bind` hands a loop to a hardware thread index: the two halves of a split
# become the block index and the thread index of a kernel launch (`T.launch_thread`).
# minitvm lowers such schedules as TVM does, but has no GPU code generator: building one
# for "cuda" says so.

A = te.placeholder((n,), name="A")
B = te.compute(A.shape, lambda i: A[i] * 2, name="B")
s = te.create_schedule(B.op)
bx, tx = s[B].split(B.op.axis[0], factor=64)
s[B].bind(bx, te.thread_axis("blockIdx.x"))
s[B].bind(tx, te.thread_axis("threadIdx.x"))
print(tvm.lower(s, [A, B], simple_mode=True))
try:
    tvm.build(s, [A, B], target="cuda")
except tvm.error.TVMError as err:
    print("Building for cuda:", err)

######################################################################
# compute_at
# ----------
# With two stages, each gets its own loop nest by default, and B is computed whole
# before C starts.

A = te.placeholder((m,), name="A")
B = te.compute((m,), lambda i: A[i] + 1, name="B")
C = te.compute((m,), lambda i: B[i] * 2, name="C")
s = te.create_schedule(C.op)
print(tvm.lower(s, [A, B, C], simple_mode=True))

######################################################################
# `compute_at` moves B into a loop of C: each element of B is computed just before C
# uses it.

A = te.placeholder((m,), name="A")
B = te.compute((m,), lambda i: A[i] + 1, name="B")
C = te.compute((m,), lambda i: B[i] * 2, name="C")
s = te.create_schedule(C.op)
s[B].compute_at(s[C], C.op.axis[0])
print(tvm.lower(s, [A, B, C], simple_mode=True))
check(s, [A, B, C], lambda a, b: (a + 1) * 2, 9)

######################################################################
# compute_inline
# --------------
# `compute_inline` removes B's stage altogether: its expression is substituted where C
# reads it.

A = te.placeholder((m,), name="A")
B = te.compute((m,), lambda i: A[i] + 1, name="B")
C = te.compute((m,), lambda i: B[i] * 2, name="C")
s = te.create_schedule(C.op)
s[B].compute_inline()
print(tvm.lower(s, [A, B, C], simple_mode=True))

######################################################################
# compute_root
# ------------
# `compute_root` undoes a `compute_at`: B gets its own loop nest at the top again.

A = te.placeholder((m,), name="A")
B = te.compute((m,), lambda i: A[i] + 1, name="B")
C = te.compute((m,), lambda i: B[i] * 2, name="C")
s = te.create_schedule(C.op)
s[B].compute_at(s[C], C.op.axis[0])
s[B].compute_root()
print(tvm.lower(s, [A, B, C], simple_mode=True))

######################################################################
# Summary
# -------
# A schedule only records decisions; `tvm.lower` turns them into loops. `split`, `tile`,
# `fuse` and `reorder` reshape one stage's loops, `bind` maps loops to GPU threads, and
# `compute_at`, `compute_inline` and `compute_root` decide where a producer stage runs.
print("All schedules computed what their declarations say.")
