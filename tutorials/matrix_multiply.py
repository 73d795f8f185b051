"""
Simple Matrix Multiply
======================

A (1 x 256) int8 vector times a (256 x 256) int8 matrix on VTA's GEMM core: the operands
are tiled into VTA's blocks, copied on chip by DMA, the product is tensorized onto the
GEMM intrinsic, and the result is stored back as int8. The program runs on the bundled
VTA simulator, which also counts the bytes moved and the GEMM work done.

(minitvm: the tutorial of TVM's VTA guide, written for minitvm's imports.)
"""
from __future__ import absolute_import, print_function

import os
import minitvm as tvm
from minitvm import te
import vta_backend as vta
import numpy as np

from minitvm import rpc
from minitvm.contrib import utils
from vta_backend.testing import simulator

# Load VTA parameters from the vta_config.json file
env = vta.get_env()

# In simulation mode, host the RPC server locally; on a board, connect to it.
host = os.environ.get("VTA_RPC_HOST", "192.168.2.99")
port = int(os.environ.get("VTA_RPC_PORT", "9091"))

if env.TARGET == "pynq" or env.TARGET == "de10nano":
    remote = rpc.connect(host, port)
    vta.reconfig_runtime(remote)
    vta.program_fpga(remote, bitstream=None)
elif env.TARGET in ["sim", "tsim"]:
    remote = rpc.LocalSession()

######################################################################
# Computation Declaration
# -----------------------
# The data is tiled as VTA's GEMM core sees it: the input A as (o, n, BATCH, BLOCK_IN)
# and the weights B as (m, n, BLOCK_OUT, BLOCK_IN) blocks. The product sums over the
# block index `ko` and the lanes `ki` of each block, in int32.

# Output channel factor m - total 16x16=256 output channels
m = 16
# Input channel factor n - total 16x16=256 input channels
n = 16
# Batch factor o (we use single batch inference)
o = 1
# A placeholder tensor in tiled data format
A = te.placeholder((o, n, env.BATCH, env.BLOCK_IN), name="A", dtype=env.inp_dtype)
# B placeholder tensor in tiled data format
B = te.placeholder((m, n, env.BLOCK_OUT, env.BLOCK_IN), name="B", dtype=env.wgt_dtype)
# A copy buffer
A_buf = te.compute((o, n, env.BATCH, env.BLOCK_IN), lambda *i: A(*i), "A_buf")
# B copy buffer
B_buf = te.compute((m, n, env.BLOCK_OUT, env.BLOCK_IN), lambda *i: B(*i), "B_buf")

# Outer input feature reduction axis
ko = te.reduce_axis((0, n), name="ko")
# Inner input feature reduction axis
ki = te.reduce_axis((0, env.BLOCK_IN), name="ki")
# Describe the in-VTA matrix multiplication
C_buf = te.compute(
    (o, m, env.BATCH, env.BLOCK_OUT),
    lambda bo, co, bi, ci: te.sum(
        A_buf[bo, ko, bi, ki].astype(env.acc_dtype) * B_buf[co, ko, ci, ki].astype(env.acc_dtype),
        axis=[ko, ki],
    ),
    name="C_buf",
)

# Cast to output type, and send to main memory
C = te.compute(
    (o, m, env.BATCH, env.BLOCK_OUT), lambda *i: C_buf(*i).astype(env.inp_dtype), name="C"
)

######################################################################
# Scheduling the Computation
# --------------------------
# The default schedule:

s = te.create_schedule(C.op)
print(tvm.lower(s, [A, B, C], simple_mode=True))

######################################################################
# Buffer Scopes and DMA Transfers
# -------------------------------
# A_buf, B_buf and C_buf live in VTA's input, weight and accumulator SRAMs. The input
# and weight blocks of one `ko` step are loaded inside the reduction loop, and the copies
# in and out become DMA transfers.

s[A_buf].set_scope(env.inp_scope)
s[B_buf].set_scope(env.wgt_scope)
s[C_buf].set_scope(env.acc_scope)

# Move buffer copy into matrix multiply loop
s[A_buf].compute_at(s[C_buf], ko)
s[B_buf].compute_at(s[C_buf], ko)

# Tag the buffer copies with the DMA pragma to insert a DMA transfer
s[A_buf].pragma(s[A_buf].op.axis[0], env.dma_copy)
s[B_buf].pragma(s[B_buf].op.axis[0], env.dma_copy)
s[C].pragma(s[C].op.axis[0], env.dma_copy)

# Let's take a look at the transformed schedule
print(tvm.lower(s, [A, B, C], simple_mode=True))

######################################################################
# Tensorization
# -------------
# With the reduction over blocks outermost, the innermost (BATCH, BLOCK_OUT, BLOCK_IN)
# loops are exactly one GEMM of VTA's core, which `tensorize` maps onto `env.gemm`.

s[C_buf].reorder(
    ko, s[C_buf].op.axis[0], s[C_buf].op.axis[1], s[C_buf].op.axis[2], s[C_buf].op.axis[3], ki
)
s[C_buf].tensorize(s[C_buf].op.axis[2], env.gemm)

print(vta.lower(s, [A, B, C], simple_mode=True))

######################################################################
# TVM Compilation
# ---------------

my_gemm = vta.build(
    s, [A, B, C], tvm.target.Target("ext_dev", host=env.target_host), name="my_gemm"
)

temp = utils.tempdir()
my_gemm.save(temp.relpath("gemm.o"))
remote.upload(temp.relpath("gemm.o"))
f = remote.load_module("gemm.o")

######################################################################
# Running the Function
# --------------------

ctx = remote.ext_dev(0)

# Random operands in the int8 range, packed into VTA's tiled layout
A_orig = np.random.randint(-128, 128, size=(o * env.BATCH, n * env.BLOCK_IN)).astype(A.dtype)
B_orig = np.random.randint(-128, 128, size=(m * env.BLOCK_OUT, n * env.BLOCK_IN)).astype(B.dtype)
A_packed = A_orig.reshape(o, env.BATCH, n, env.BLOCK_IN).transpose((0, 2, 1, 3))
B_packed = B_orig.reshape(m, env.BLOCK_OUT, n, env.BLOCK_IN).transpose((0, 2, 1, 3))

A_nd = tvm.nd.array(A_packed, ctx)
B_nd = tvm.nd.array(B_packed, ctx)
C_nd = tvm.nd.array(np.zeros((o, m, env.BATCH, env.BLOCK_OUT)).astype(C.dtype), ctx)

if env.TARGET in ["sim", "tsim"]:
    simulator.clear_stats()

f(A_nd, B_nd, C_nd)

######################################################################
# Verifying Correctness
# ---------------------
# GEMM computes A . B^T (the weight blocks are stored [out][in]); the store keeps the low
# 8 bits of each int32 sum.

C_ref = np.dot(A_orig.astype(env.acc_dtype), B_orig.T.astype(env.acc_dtype)).astype(C.dtype)
C_ref = C_ref.reshape(o, env.BATCH, m, env.BLOCK_OUT).transpose((0, 2, 1, 3))
np.testing.assert_equal(C_ref, C_nd.numpy())

if env.TARGET in ["sim", "tsim"]:
    sim_stats = simulator.stats()
    print("Execution statistics:")
    for k, v in sim_stats.items():
        print("\t{:<16}: {:>16}".format(k, v))

print("Successful matrix multiply test!")
