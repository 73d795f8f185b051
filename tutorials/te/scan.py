"""Scan: recurrences such as a cumulative sum.

A scan computes a tensor row by row, each row from the rows before it:
`s[t] = f(s[t - 1], x[t])`. `te.scan` declares one from an initial part, an update that
reads the state, and the placeholder standing for the state. This tutorial covers what
TVM's "Scan and Recurrent Kernel" covers on the CPU; run it as

    python tutorials/te/scan.py | python tests/data/tools/listing_diff.py scan -

The first schedule binds the loops to GPU blocks and threads, as TVM's tutorial does:
minitvm lowers and prints it as TVM does, but has no GPU code generator, so the cumulative
sum is built and run on the CPU from a schedule without the binding.
"""
import numpy as np

import minitvm as tvm
from minitvm import te

######################################################################
# A cumulative sum over rows
# --------------------------
# `s_state` is the state; `s_init` gives its first row, `s_update` row t from row t - 1.
# The scan's output is the state over all rows; `inputs=[X]` tells the scan which
# tensors its update reads from outside (a hint to find the update's own stages).

m = te.var("m")
n = te.var("n")
X = te.placeholder((m, n), name="X")
s_state = te.placeholder((m, n))
s_init = te.compute((1, n), lambda _, i: X[0, i])
s_update = te.compute((m, n), lambda t, i: s_state[t - 1, i] + X[t, i])
s_scan = tvm.te.scan(s_init, s_update, s_state, inputs=[X])

######################################################################
# The schedule loops over the scan axis; the init stage runs once before the loop and
# the update stage inside it, one row each time. Each row's columns are spread over GPU
# blocks of 256 threads.

s = te.create_schedule(s_scan.op)
num_thread = 256
block_x = te.thread_axis("blockIdx.x")
thread_x = te.thread_axis("threadIdx.x")
for stage in (s_init, s_update):
    xo, xi = s[stage].split(stage.op.axis[1], factor=num_thread)
    s[stage].bind(xo, block_x)
    s[stage].bind(xi, thread_x)
print(tvm.lower(s, [X, s_scan], simple_mode=True))

######################################################################
# Without a GPU, the same scan runs on the CPU: a schedule without the thread binding.

s = te.create_schedule(s_scan.op)
fscan = tvm.build(s, [X, s_scan], name="myscan")
a_np = np.random.uniform(size=(10, 1024)).astype(s_scan.dtype)
b = tvm.nd.array(np.zeros((10, 1024), dtype=s_scan.dtype))
fscan(tvm.nd.array(a_np), b)
np.testing.assert_allclose(b.numpy(), np.cumsum(a_np, axis=0), rtol=1e-5)

######################################################################
# Several stages in the update
# ----------------------------
# The update may be a chain of stages: every stage between the state (or the inputs)
# and the update is computed inside the scan loop, and can be scheduled there, here
# attached to the outer loop of the last stage.

m = te.var("m")
n = te.var("n")
X = te.placeholder((m, n), name="X")
s_state = te.placeholder((m, n))
s_init = te.compute((1, n), lambda _, i: X[0, i])
s_update_s1 = te.compute((m, n), lambda t, i: s_state[t - 1, i] * 2, name="s1")
s_update_s2 = te.compute((m, n), lambda t, i: s_update_s1[t, i] + X[t, i], name="s2")
s_scan = tvm.te.scan(s_init, s_update_s2, s_state, inputs=[X])

s = te.create_schedule(s_scan.op)
xo, xi = s[s_update_s2].split(s_update_s2.op.axis[1], factor=32)
s[s_update_s1].compute_at(s[s_update_s2], xo)
print(tvm.lower(s, [X, s_scan], simple_mode=True))

fscan = tvm.build(s, [X, s_scan])
b = tvm.nd.array(np.zeros((10, 1024), dtype=s_scan.dtype))
fscan(tvm.nd.array(a_np), b)
expected = a_np.copy()
for t in range(1, 10):
    expected[t] = expected[t - 1] * 2 + a_np[t]
np.testing.assert_allclose(b.numpy(), expected, rtol=1e-5)

######################################################################
# Several states
# --------------
# A scan may carry several states at once; each update may read all of them.

m = te.var("m")
n = te.var("n")
l = te.var("l")
X = te.placeholder((m, n), name="X")
s_state1 = te.placeholder((m, n))
s_state2 = te.placeholder((m, l))
s_init1 = te.compute((1, n), lambda _, i: X[0, i])
s_init2 = te.compute((1, l), lambda _, i: 0.0)
s_update1 = te.compute((m, n), lambda t, i: s_state1[t - 1, i] + X[t, i])
s_update2 = te.compute((m, l), lambda t, i: s_state2[t - 1, i] + s_state1[t - 1, 0])
s_scan1, s_scan2 = tvm.te.scan(
    [s_init1, s_init2], [s_update1, s_update2], [s_state1, s_state2], inputs=[X]
)
s = te.create_schedule(s_scan1.op)
print(tvm.lower(s, [X, s_scan1, s_scan2], simple_mode=True))

fscan = tvm.build(s, [X, s_scan1, s_scan2])
b1 = tvm.nd.array(np.zeros((10, 1024), dtype="float32"))
b2 = tvm.nd.array(np.zeros((10, 3), dtype="float32"))
fscan(tvm.nd.array(a_np), b1, b2)
cumsum = np.cumsum(a_np, axis=0)
np.testing.assert_allclose(b1.numpy(), cumsum, rtol=1e-5)
expected2 = np.zeros((10, 3), "float32")
for t in range(1, 10):
    expected2[t] = expected2[t - 1] + cumsum[t - 1, 0]
np.testing.assert_allclose(b2.numpy(), expected2, rtol=1e-5)

######################################################################
# Summary
# -------
# A scan is declared from an init, an update and a state placeholder; the stages of the
# update are computed inside the scan loop and are scheduled like any other stage.
