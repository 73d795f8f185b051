"""Computes with several outputs, and reductions over tuples.

Some computations produce more than one value per point: two transforms of the same
input, or a reduction that tracks a value together with where it was found (argmax).
This tutorial declares both with minitvm's tensor expressions, prints the loops they
lower to, and checks every result against numpy. It covers what TVM's tutorial
"Compute and Reduce with Tuple Inputs" covers; run it as

    python tutorials/te/tuple_inputs.py | python tests/data/tools/listing_diff.py tuple_inputs -
"""
import numpy as np

import minitvm as tvm
from minitvm import te

######################################################################
# One compute, two outputs
# ------------------------
# When the index function returns a tuple, `te.compute` declares one operation with one
# output tensor per element. Both share the shape and the loop nest: scheduling either
# tensor schedules the operation, so the loops below store both outputs.

n = te.var("n")
m = te.var("m")
A0 = te.placeholder((m, n), name="A0")
A1 = te.placeholder((m, n), name="A1")
B0, B1 = te.compute((m, n), lambda i, j: (A0[i, j] + 2, A1[i, j] * 3), name="B")

s = te.create_schedule(B0.op)
print(tvm.lower(s, [A0, A1, B0, B1], simple_mode=True))

a0 = np.random.uniform(size=(5, 7)).astype("float32")
a1 = np.random.uniform(size=(5, 7)).astype("float32")
b0, b1 = tvm.nd.empty((5, 7)), tvm.nd.empty((5, 7))
tvm.build(s, [A0, A1, B0, B1])(tvm.nd.array(a0), tvm.nd.array(a1), b0, b1)
np.testing.assert_allclose(b0.numpy(), a0 + 2, rtol=1e-6)
np.testing.assert_allclose(b1.numpy(), a1 * 3, rtol=1e-6)

######################################################################
# A reduction over pairs: argmax
# ------------------------------
# A commutative reducer may combine tuples. For argmax the pair is (index, value): the
# combiner keeps the pair with the larger value (the earlier one on a tie), and the
# identity is (-1, the smallest int32). Applied to a pair of expressions, the reducer
# gives one reduction per element, which become the two outputs of one compute.


def fcombine(x, y):
    lhs = tvm.tir.Select((x[1] >= y[1]), x[0], y[0])
    rhs = tvm.tir.Select((x[1] >= y[1]), x[1], y[1])
    return lhs, rhs


def fidentity(t0, t1):
    return tvm.tir.const(-1, t0), te.min_value(t1)


argmax = te.comm_reducer(fcombine, fidentity, name="argmax")

m = te.var("m")
n = te.var("n")
idx = te.placeholder((m, n), name="idx", dtype="int32")
val = te.placeholder((m, n), name="val", dtype="int32")
k = te.reduce_axis((0, n), "k")
T0, T1 = te.compute((m,), lambda i: argmax((idx[i, k], val[i, k]), axis=k), name="T")

s = te.create_schedule(T0.op)
print(tvm.lower(s, [idx, val, T0, T1], simple_mode=True))

###############################################################################
# Both selects read memory in their branches, so lowering turns them into
# `if_then_else`, which evaluates only the branch taken. Checked against numpy:

v = np.random.randint(-50, 50, size=(6, 9)).astype("int32")
ix = np.tile(np.arange(9, dtype="int32"), (6, 1))
t0, t1 = tvm.nd.empty((6,), "int32"), tvm.nd.empty((6,), "int32")
tvm.build(s, [idx, val, T0, T1])(tvm.nd.array(ix), tvm.nd.array(v), t0, t1)
np.testing.assert_array_equal(t0.numpy(), v.argmax(axis=1))
np.testing.assert_array_equal(t1.numpy(), v.max(axis=1))

######################################################################
# Scheduling a multi-output compute
# ---------------------------------
# The outputs of one operation live in one stage: `s[B0]` and `s[B1]` are the same
# stage. Attached to a row of its consumer C, the operation computes one row of both
# outputs, each in its own buffer (B.v0, B.v1), although C reads only the first.

n = te.var("n")
m = te.var("m")
A0 = te.placeholder((m, n), name="A0")
B0, B1 = te.compute((m, n), lambda i, j: (A0[i, j] + 2, A0[i, j] * 3), name="B")
A1 = te.placeholder((m, n), name="A1")
C = te.compute((m, n), lambda i, j: A1[i, j] + B0[i, j], name="C")

s = te.create_schedule(C.op)
s[B0].compute_at(s[C], C.op.axis[0])
print(tvm.lower(s, [A0, A1, C], simple_mode=True))

c = tvm.nd.empty((5, 7))
tvm.build(s, [A0, A1, C])(tvm.nd.array(a0), tvm.nd.array(a1), c)
np.testing.assert_allclose(c.numpy(), a1 + a0 + 2, rtol=1e-6)

######################################################################
# Summary
# -------
# A tuple-valued index function gives a compute with several outputs that are scheduled
# together; a reducer over tuples, such as argmax, reduces several values in one pass.
