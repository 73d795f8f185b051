"""
Get Started with VTA
====================

A first program for VTA: a vector addition written in TVM's tensor expression language,
scheduled onto VTA's accumulator buffer and vector ALU, compiled, and run on the
bundled VTA simulator.

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

######################################################################
# Loading in VTA Parameters
# -------------------------
# VTA's hardware configuration (block sizes, data widths, buffer sizes) comes from a
# configuration file; `vta.get_env()` returns it as an Environment.

env = vta.get_env()

######################################################################
# Setting up the remote
# ---------------------
# On a board, the program is sent over RPC. In simulation ("sim"), a local session runs
# everything in this process.

host = os.environ.get("VTA_RPC_HOST", "192.168.2.99")
port = int(os.environ.get("VTA_RPC_PORT", "9091"))

if env.TARGET == "pynq" or env.TARGET == "de10nano":
    remote = rpc.connect(host, port)
    vta.reconfig_runtime(remote)
    vta.program_fpga(remote, bitstream=None)
elif env.TARGET in ("sim", "tsim", "intelfocl"):
    remote = rpc.LocalSession()

######################################################################
# Computation Declaration
# -----------------------
# Two int32 input vectors A and B of 64 x 16 elements, tiled as VTA's accumulator
# buffer holds them: (o, m, BATCH, BLOCK_OUT). They are copied into on-chip buffers
# (A_buf, B_buf), added (C_buf) and cast to the 8-bit output type (C).

# Output channel factor m - total 64 x 16 = 1024 output channels
m = 64
# Batch factor o - total 1 x 1 = 1
o = 1
# A placeholder tensor in tiled data format
A = te.placeholder((o, m, env.BATCH, env.BLOCK_OUT), name="A", dtype=env.acc_dtype)
# B placeholder tensor in tiled data format
B = te.placeholder((o, m, env.BATCH, env.BLOCK_OUT), name="B", dtype=env.acc_dtype)

# A copy buffer
A_buf = te.compute((o, m, env.BATCH, env.BLOCK_OUT), lambda *i: A(*i), "A_buf")
# B copy buffer
B_buf = te.compute((o, m, env.BATCH, env.BLOCK_OUT), lambda *i: B(*i), "B_buf")

# Describe the in-VTA vector addition
C_buf = te.compute(
    (o, m, env.BATCH, env.BLOCK_OUT),
    lambda *i: A_buf(*i).astype(env.acc_dtype) + B_buf(*i).astype(env.acc_dtype),
    name="C_buf",
)

# Cast to output type, and send to main memory
C = te.compute(
    (o, m, env.BATCH, env.BLOCK_OUT), lambda *i: C_buf(*i).astype(env.inp_dtype), name="C"
)

######################################################################
# Scheduling the Computation
# --------------------------
# The default schedule is a plain loop nest, which VTA cannot run as it is:

s = te.create_schedule(C.op)
print(tvm.lower(s, [A, B, C], simple_mode=True))

######################################################################
# Buffer scopes, DMA and ALU
# --------------------------
# The copies and the sum live in VTA's accumulator SRAM; the copies in and out become
# DMA transfers (the dma_copy pragma) and the addition an ALU instruction (the alu
# pragma). The lowered program now calls VTA's runtime.

s[A_buf].set_scope(env.acc_scope)
s[B_buf].set_scope(env.acc_scope)
s[C_buf].set_scope(env.acc_scope)

s[A_buf].pragma(s[A_buf].op.axis[0], env.dma_copy)
s[B_buf].pragma(s[B_buf].op.axis[0], env.dma_copy)
s[C].pragma(s[C].op.axis[0], env.dma_copy)

s[C_buf].pragma(C_buf.op.axis[0], env.alu)

print(vta.lower(s, [A, B, C], simple_mode=True))

######################################################################
# TVM Compilation
# ---------------
# Build the module, save it, send it to the remote and load it there.

my_vadd = vta.build(
    s, [A, B, C], tvm.target.Target("ext_dev", host=env.target_host), name="my_vadd"
)

temp = utils.tempdir()
my_vadd.save(temp.relpath("vadd.o"))
remote.upload(temp.relpath("vadd.o"))
f = remote.load_module("vadd.o")

######################################################################
# Running the Function
# --------------------
# Random inputs are packed into the tiled layout, placed on the VTA device and added.

ctx = remote.ext_dev(0)

A_orig = np.random.randint(-128, 128, size=(o * env.BATCH, m * env.BLOCK_OUT)).astype(A.dtype)
B_orig = np.random.randint(-128, 128, size=(o * env.BATCH, m * env.BLOCK_OUT)).astype(B.dtype)

A_packed = A_orig.reshape(o, env.BATCH, m, env.BLOCK_OUT).transpose((0, 2, 1, 3))
B_packed = B_orig.reshape(o, env.BATCH, m, env.BLOCK_OUT).transpose((0, 2, 1, 3))

A_nd = tvm.nd.array(A_packed, ctx)
B_nd = tvm.nd.array(B_packed, ctx)
C_nd = tvm.nd.array(np.zeros((o, m, env.BATCH, env.BLOCK_OUT)).astype(C.dtype), ctx)

f(A_nd, B_nd, C_nd)

######################################################################
# Verifying Correctness
# ---------------------
# The store keeps the low 8 bits of each sum, as numpy's cast does.

C_ref = (A_orig.astype(env.acc_dtype) + B_orig.astype(env.acc_dtype)).astype(C.dtype)
C_ref = C_ref.reshape(o, env.BATCH, m, env.BLOCK_OUT).transpose((0, 2, 1, 3))
np.testing.assert_equal(C_ref, C_nd.numpy())
print("Successful vector add test!")
