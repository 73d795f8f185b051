"""
Reductions
==========

A reduction folds the values along one or more axes into one value with an associative
operator: a row sum, a maximum, a dot product. In a tensor expression the folded axes
are *reduction axes* (`te.reduce_axis`), and the folding operator is `te.sum`, `te.max`,
`te.min` or one made with `te.comm_reducer`. This tutorial writes a row sum, schedules
it (split, GPU binding, `rfactor`, cross-thread reduction), reduces over two axes at once,
and defines a reducer of its own, checking the CPU programs against numpy.

(minitvm: a tutorial of its own covering what TVM's "Reduction" how-to covers; the
listings are what TVM prints for the same schedules.)
"""
import numpy as np

import minitvm as tvm
from minitvm import te

dev = tvm.cpu()


def run_on_cpu(schedule, args, inputs, out_shape):
    """Build `schedule` for the CPU, call it on numpy `inputs`; the output as numpy."""
    func = tvm.build(schedule, args)
    out = tvm.nd.array(np.zeros(out_shape, "float32"), dev)
    func(*(tvm.nd.array(x, dev) for x in inputs), out)
    return out.numpy()


######################################################################
# A row sum
# ---------
# B[i] is the sum of row i of A. The reduction axis `k` runs over the columns; it is
# used in the body and named in `te.sum`. Both sizes are symbolic.

n = te.var("n")
m = te.var("m")
A = te.placeholder((n, m), name="A")
k = te.reduce_axis((0, m), "k")
B = te.compute((n,), lambda i: te.sum(A[i, k], axis=k), name="B")

s = te.create_schedule(B.op)
print(tvm.lower(s, [A, B], simple_mode=True))

a = np.random.uniform(size=(37, 21)).astype("float32")
np.testing.assert_allclose(run_on_cpu(s, [A, B], [a], 37), a.sum(axis=1), rtol=1e-5)

######################################################################
# The lowered program first stores the reducer's identity (0) into B[i], then adds
# every A[i, k] to it.
#
# Scheduling a reduction
# ----------------------
# A reduction axis is split like any other axis; the data axis too.

ko, ki = s[B].split(B.op.reduce_axis[0], factor=16)
xo, xi = s[B].split(B.op.axis[0], factor=32)
print(tvm.lower(s, [A, B], simple_mode=True))
np.testing.assert_allclose(run_on_cpu(s, [A, B], [a], 37), a.sum(axis=1), rtol=1e-5)

######################################################################
# On a GPU, the two halves of the row loop become the block and thread indices: each
# thread sums one row.

s[B].bind(xo, te.thread_axis("blockIdx.x"))
s[B].bind(xi, te.thread_axis("threadIdx.x"))
print(tvm.lower(s, [A, B], simple_mode=True))

######################################################################
# rfactor
# -------
# One row sum is a long serial chain. `rfactor` cuts it in two reductions: a new stage
# B.rf sums, for each lane `ki` of the split reduction axis, every 16th element of the
# row, and B adds up the 16 partial sums. The lanes are independent, so they can run in
# parallel.

s = te.create_schedule(B.op)
ko, ki = s[B].split(B.op.reduce_axis[0], factor=16)
BF = s.rfactor(B, ki)
print(tvm.lower(s, [A, B], simple_mode=True))
np.testing.assert_allclose(run_on_cpu(s, [A, B], [a], 37), a.sum(axis=1), rtol=1e-5)

######################################################################
# B's body is now a reduction over the new axis `k_inner_v` of B.rf:

print(s[B].op.body)

######################################################################
# Cross-thread reduction
# ----------------------
# Bound to GPU threads, the 16 lanes of B.rf run on 16 threads of a block, and B's
# reduction over them becomes a reduction across threads (TVM lowers it to
# `tvm_thread_allreduce`); only thread 0 stores the result. Building this for a GPU needs
# a GPU code generator, which minitvm does not have.

xo, xi = s[B].split(s[B].op.axis[0], factor=32)
s[B].bind(xo, te.thread_axis("blockIdx.x"))
s[B].bind(xi, te.thread_axis("threadIdx.y"))
tx = te.thread_axis("threadIdx.x")
s[B].bind(s[B].op.reduce_axis[0], tx)
s[BF].compute_at(s[B], s[B].op.reduce_axis[0])
s[B].set_store_predicate(tx.var.equal(0))
try:
    tvm.build(s, [A, B], "cuda")
except tvm.error.TVMError as err:
    print("Building for cuda:", err)

######################################################################
# Reducing over several axes
# --------------------------
# A reduction may fold several axes at once: a 3x3 filter slid over an image sums over
# both filter axes. The output is smaller than the input by the filter size minus one.

n = te.var("n")
Input = te.placeholder((n, n), name="Input")
Filter = te.placeholder((3, 3), name="Filter")
di = te.reduce_axis((0, 3), name="di")
dj = te.reduce_axis((0, 3), name="dj")
Output = te.compute(
    (n - 2, n - 2),
    lambda i, j: te.sum(Input[i + di, j + dj] * Filter[di, dj], axis=[di, dj]),
    name="Output",
)
s = te.create_schedule(Output.op)
print(tvm.lower(s, [Input, Filter, Output], simple_mode=True))

######################################################################
# A reducer of one's own
# ----------------------
# `te.comm_reducer` makes a reduction from a combining function and its identity
# element; here the product of each row.

product = te.comm_reducer(lambda x, y: x * y, lambda t: tvm.tir.const(1, dtype=t),
                          name="product")
n = te.var("n")
m = te.var("m")
A = te.placeholder((n, m), name="A")
k = te.reduce_axis((0, m), name="k")
B = te.compute((n,), lambda i: product(A[i, k], axis=k), name="B")
s = te.create_schedule(B.op)
a = np.random.uniform(0.5, 1.5, size=(9, 7)).astype("float32")
np.testing.assert_allclose(run_on_cpu(s, [A, B], [a], 9), a.prod(axis=1), rtol=1e-5)

######################################################################
# Summary
# -------
# Reductions are declared with reduction axes and a reducer; their axes are scheduled
# like any other, `rfactor` exposes parallelism inside one reduction, and on a GPU the
# partial results can be combined across threads.
print("Every reduction computed on the CPU equals numpy's.")
