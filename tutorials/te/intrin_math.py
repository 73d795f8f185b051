"""Intrinsics and Math Functions, on the host CPU.

The steps of TVM's tutorial "Intrinsics and Math Functions" (how_to/work_with_schedules/
intrin_math.py) with minitvm in place of TVM. TVM's tutorial builds every kernel for
CUDA or OpenCL and prints the generated GPU source; minitvm has no GPU backend, so each
of those builds stops with its clear no-GPU error (printed below), and the same
kernels are built for the host CPU ("llvm") instead, printed as lowered IR, run and
checked against numpy:

    python tutorials/te/intrin_math.py
"""
from __future__ import absolute_import, print_function

import numpy as np

import minitvm as tvm
from minitvm import te
from minitvm.ir import register_intrin_lowering, register_op_attr
from minitvm.target import TargetNotEnabledError
from minitvm.schedule import ScheduleError

rng = np.random.default_rng(0)


def gpu_build(build):
    """Run a GPU build (or a GPU schedule step) as TVM's tutorial does; print the error
    minitvm raises for it, since it has no GPU backend."""
    try:
        build()
    except (TargetNotEnabledError, ScheduleError) as err:
        if "no GPU backend" not in str(err):
            raise
        print(f"no GPU: {err}")
    else:
        raise AssertionError("a GPU build unexpectedly succeeded")


def cuda_schedule(B):
    s = te.create_schedule(B.op)
    bx, tx = s[B].split(B.op.axis[0], factor=64)
    s[B].bind(bx, te.thread_axis("blockIdx.x"))
    s[B].bind(tx, te.thread_axis("threadIdx.x"))
    return s


def run_on_cpu(B, A, reference, name):
    """Build B's default schedule for the CPU, print its IR, check it against numpy."""
    s = te.create_schedule(B.op)
    print(tvm.lower(s, [A, B], name=name, simple_mode=True))
    f = tvm.build(s, [A, B], "llvm", name=name)
    a_np = rng.uniform(0.5, 4.0, size=37).astype(A.dtype)
    a, b = tvm.nd.array(a_np), tvm.nd.array(np.zeros(37, B.dtype))
    f(a, b)
    np.testing.assert_allclose(b.numpy(), reference(a_np), rtol=1e-6)
    print(f"{name}: equal to numpy")
    return f


######################################################################
# Direct Declare Extern Math Call
# -------------------------------
# `tvm.tir.call_pure_extern` calls a function of the target by name. TVM's tutorial
# calls CUDA's fast `__expf`, which only a GPU has:
n = te.var("n")
A = te.placeholder((n,), name="A")
B = te.compute(A.shape, lambda i: tvm.tir.call_pure_extern("float32", "__expf", A[i]),
               name="B")
gpu_build(lambda: tvm.build(cuda_schedule(B), [A, B], "cuda", name="myexp"))

######################################################################
# On the CPU, the extern names are the C math library's: `expf` for float32. The host
# build runs the C math functions itself.
B = te.compute(A.shape, lambda i: tvm.tir.call_pure_extern("float32", "expf", A[i]),
               name="B")
run_on_cpu(B, A, np.exp, "myexp")

######################################################################
# Unified Intrinsic Call
# ----------------------
# `te.exp` makes an intrinsic call, `T.exp`, which each target lowers to its own
# function; the same code serves every device and data type.
B = te.compute(A.shape, lambda i: te.exp(A[i]), name="B")
gpu_build(lambda: tvm.build(cuda_schedule(B), [A, B], "cuda", name="myexp"))
gpu_build(lambda: tvm.build(cuda_schedule(B), [A, B], "opencl", name="myexp"))
run_on_cpu(B, A, np.exp, "myexp")

A64 = te.placeholder((n,), name="A", dtype="float64")
B64 = te.compute(A64.shape, lambda i: te.exp(A64[i]), name="B")
run_on_cpu(B64, A64, np.exp, "myexp64")

######################################################################
# Intrinsic Lowering Rule
# -----------------------
# A rule registered with `register_intrin_lowering` rewrites the intrinsic call when
# building for its target. TVM's tutorial overrides CUDA's rule for `exp`:


def my_cuda_math_rule(op):
    """Customized CUDA intrinsic lowering rule"""
    assert isinstance(op, tvm.tir.Call)
    name = op.op.name
    assert name.startswith("tir.")
    dispatch_name = name[4:]
    if op.dtype == "float32":
        # call float function
        return tvm.tir.call_pure_extern("float32", "%sf" % dispatch_name, op.args[0])
    elif op.dtype == "float64":
        # call double function (TVM's tutorial declares it float32 here, a slip that
        # would make a float64 kernel compute in float32 on the CPU)
        return tvm.tir.call_pure_extern("float64", dispatch_name, op.args[0])
    else:
        # cannot do translation, return self.
        return op


register_intrin_lowering("tir.exp", target="cuda", f=my_cuda_math_rule, level=99)
gpu_build(lambda: tvm.build(cuda_schedule(B), [A, B], "cuda", name="myexp"))

######################################################################
# The same rule, registered for the CPU target, turns `T.exp` into a call of the C
# math library's `expf` (float32) or `exp` (float64) when building for "llvm". The
# lowered IR still shows `T.exp`: rules run in the build, after `tvm.lower`.
register_intrin_lowering("tir.exp", target="llvm", f=my_cuda_math_rule, level=99)
run_on_cpu(B, A, np.exp, "myexp")
run_on_cpu(B64, A64, np.exp, "myexp64")

######################################################################
# Add Your Own Intrinsic
# ----------------------
# A new intrinsic is an operator name with lowering rules: `mylog` calls "tir.mylog",
# registering an attribute of it (`TCallEffectKind`) makes the operator known, and a
# rule per target says what it becomes.


def mylog(x):
    """customized log intrinsic function"""
    return tvm.tir.call_intrin(x.dtype, "tir.mylog", x)


def my_mylog_rule(op):
    """lowering rule for log"""
    if op.dtype == "float32":
        return tvm.tir.call_pure_extern("float32", "logf", op.args[0])
    elif op.dtype == "float64":
        return tvm.tir.call_pure_extern("float64", "log", op.args[0])
    else:
        return op


register_op_attr("tir.mylog", "TCallEffectKind", tvm.tir.CallEffectKind.Pure)
register_intrin_lowering("tir.mylog", target="cuda", f=my_mylog_rule, level=99)
register_intrin_lowering("tir.mylog", target="llvm", f=my_mylog_rule, level=99)

B = te.compute(A.shape, lambda i: mylog(A[i]), name="B")
gpu_build(lambda: tvm.build(cuda_schedule(B), [A, B], "cuda", name="mylog"))
run_on_cpu(B, A, np.log, "mylog")

######################################################################
# Summary
# -------
# - TVM can call extern target dependent math function.
# - Use intrinsic to defined a unified interface for the functions.
# - For more intrinsics available in tvm, take a look at `tvm.tir`.
# - You can customize the intrinsic behavior by defining your own rules.
