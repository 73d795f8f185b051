"""Extern operations: mix library calls and Python callbacks with scheduled code.

Not every stage has to be a per-element expression. `te.extern` declares a stage whose
body is statements the user writes, typically one call of a library routine that
computes whole output arrays from whole input arrays. The schedule treats it as a
black box; stages around it are scheduled as usual. This tutorial covers what TVM's
"External Tensor Functions" covers: a BLAS matrix multiplication, its contrib wrapper,
and a Python function called from compiled code.

    python tutorials/te/extern_op.py
"""
import numpy as np

import minitvm as tvm
from minitvm import te
from minitvm.contrib import cblas

# minitvm's runtime provides the BLAS binding (backed by numpy's BLAS) under TVM's name
if not tvm.get_global_func("tvm.contrib.cblas.matmul", allow_missing=True):
    raise Exception("the runtime has no tvm.contrib.cblas.matmul")

######################################################################
# A library call as a stage
# -------------------------
# `te.extern(shape, inputs, fcompute)` gives the output tensor of `shape`. `fcompute`
# receives one buffer per input and per output and returns the statement to run: here
# `tvm.tir.call_packed`, which calls the global function "tvm.contrib.cblas.matmul"
# with the arrays behind the buffers. A scheduled stage then adds a bias.

n = 1024
l = 128
m = 235
bias = te.var("bias", dtype="float32")
A = te.placeholder((n, l), name="A")
B = te.placeholder((l, m), name="B")
C = te.extern(
    (n, m),
    [A, B],
    lambda ins, outs: tvm.tir.call_packed(
        "tvm.contrib.cblas.matmul", ins[0], ins[1], outs[0], False, False
    ),
    name="C",
)
D = te.compute(C.shape, lambda i, j: C[i, j] + bias, name="D")
s = te.create_schedule(D.op)

######################################################################
# Checking the result against numpy:

dev = tvm.cpu(0)
f = tvm.build(s, [A, B, D, bias], "llvm")
a = tvm.nd.array(np.random.uniform(size=(n, l)).astype(A.dtype), dev)
b = tvm.nd.array(np.random.uniform(size=(l, m)).astype(B.dtype), dev)
d = tvm.nd.array(np.zeros((n, m), dtype=D.dtype), dev)
bb = 10.0
f(a, b, d, bb)
np.testing.assert_allclose(d.numpy(), np.dot(a.numpy(), b.numpy()) + 10, rtol=1e-5)

######################################################################
# The contrib wrapper
# -------------------
# `cblas.matmul(A, B)` declares the same extern stage.

C = cblas.matmul(A, B)
D = te.compute(C.shape, lambda i, j: C[i, j] + bias, name="D")
s = te.create_schedule(D.op)
f = tvm.build(s, [A, B, D, bias], "llvm")
d = tvm.nd.array(np.zeros((n, m), dtype=D.dtype), dev)
f(a, b, d, bb)
np.testing.assert_allclose(d.numpy(), np.dot(a.numpy(), b.numpy()) + 10, rtol=1e-5)

######################################################################
# A Python function as a stage
# ----------------------------
# Any function registered with `tvm.register_func` can be called the same way; the
# compiled code hands it `NDArray`s that share the memory of the buffers, so writing
# into the output array writes the stage's result.


@tvm.register_func("tvm.contrib.my_tvm_addone")
def my_tvm_addone(x, y):
    print("my_tvm_addone signatures: %s, %s" % (type(x), type(y)))
    tvm.nd.array(x.numpy() + 1).copyto(y)


A = te.placeholder((n,), name="A")
B = te.extern(
    A.shape,
    [A],
    lambda ins, outs: tvm.tir.call_packed("tvm.contrib.my_tvm_addone", ins[0], outs[0]),
    name="C",
)
s = te.create_schedule(B.op)
f = tvm.build(s, [A, B], "llvm")
a = tvm.nd.array(np.random.uniform(size=(n,)).astype(A.dtype), dev)
b = tvm.nd.array(np.random.uniform(size=(n,)).astype(B.dtype), dev)
f(a, b)
np.testing.assert_allclose(b.numpy(), a.numpy() + 1, rtol=1e-5)

######################################################################
# Summary
# -------
# `te.extern` calls library routines or Python functions as stages; contrib wrappers
# such as `cblas.matmul` declare the common ones.
