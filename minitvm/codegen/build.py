"""`build_host`: compile a lowered, flattened PrimFunc into a callable HostModule.

The function becomes Python source (one `def`, numpy statements for vectorizable
loop nests, plain loops otherwise), compiled once; `mod.get_source()` shows it.
Parameters: each handle parameter is an N-d buffer (from `buffer_map`) that the
generated code sees flattened; other parameters are scalars; symbolic dimensions
of parameter shapes are bound from the arrays passed at call time.
"""
from __future__ import annotations

import math

from ..runtime.device import CPU
from ..runtime.host_module import HostModule
from ..runtime.signature import BufferParam, ScalarParam, Signature
from ..tir import dtype as dt
from ..tir import expr as E
from ..tir.function import PrimFunc
from .context import Context, HostCodegenError, np_dtype
from .function_emitter import FunctionEmitter
from .naming import python_identifier
from .vector_lanes import lanes_as_loops


def build_host(func, name="default_function", externs=None, vectorize=True,
               device_type=CPU):
    """Compile `func` for the host CPU. `externs` maps names of extern functions
    (`tir.call_extern`) and intrinsics (e.g. "tir.vta.coproc_dep_push") the function
    calls to Python callables; the host build has none of its own. With
    `vectorize=False` every loop runs in Python (slow; a reference for testing).
    `device_type` is where the array arguments must live (VTA's host code: ext_dev)."""
    if not isinstance(func, PrimFunc):
        raise HostCodegenError(f"build_host({name}): expected a PrimFunc, got "
                               f"{type(func).__name__}")
    func = lanes_as_loops(func)
    ctx = Context(name, dict(externs or {}))
    signature, arg_names, prologue = _signature(ctx, func, device_type)
    ctx.out.depth = 1
    for line in prologue:
        ctx.out.line(line)
    FunctionEmitter(ctx, vectorize).visit(func.body)
    source = _assemble(ctx, name, arg_names)
    return HostModule(source, name, signature, externs=ctx.externs,
                      extern_names=sorted(ctx.used_externs), func=func)


def _signature(ctx, func, device_type):
    params, arg_names, prologue, dims, strides = [], [], [], [], []
    for var in func.params:
        buffer = func.buffer_map.get(var)
        if buffer is None:
            params.append(_scalar_param(ctx, var))
            arg_names.append(ctx.namer.name(var))
            ctx.defined.add(var)
            if dt.is_float(var.dtype):
                prologue.append(f"{arg_names[-1]} = {np_dtype(var.dtype)}({arg_names[-1]})")
            continue
        shape = tuple(_dim(ctx, buffer, d, dims) for d in buffer.shape)
        params.append(BufferParam(buffer.name, buffer.dtype, shape))
        strides += _stride_vars(ctx, buffer, len(params) - 1)
        static = all(isinstance(d, int) for d in shape)
        arg_names.append(ctx.declare_memory(buffer.data, buffer.dtype,
                                            math.prod(shape) if static else None,
                                            hint=buffer.name))
        ctx.namer.alias(var, buffer.data)
        ctx.defined.add(var)
    stride_vars = [var for var, _ in strides]
    arg_names += [ctx.namer.name(v) for v in dims + stride_vars]
    ctx.defined.update(dims + stride_vars)
    signature = Signature(tuple(params), tuple(v.name for v in dims), device_type,
                          tuple(position for _, position in strides))
    return signature, arg_names, prologue


def _scalar_param(ctx, var):
    if var.dtype == "handle":
        raise ctx.error(f"parameter {var.name!r} is a handle without a buffer in buffer_map")
    return ScalarParam(var.name, var.dtype)


def _dim(ctx, buffer, d, dims):
    if isinstance(d, E.IntImm):
        return d.value
    if isinstance(d, E.Var):
        if d not in dims:
            dims.append(d)
        return d.name
    raise ctx.error(f"parameter {buffer.name!r} has shape dimension {d!r}; only constants "
                    f"and variables are supported")


def _stride_vars(ctx, buffer, index):
    """[(stride var, (parameter index, axis))] of parameter `index`, a buffer strided by
    variables (a `te.var`-shaped tensor's "auto_broadcast" buffer); other explicit strides
    are refused."""
    found = []
    for axis, stride in enumerate(buffer.strides):
        if not isinstance(stride, E.Var):
            raise ctx.error(f"parameter {buffer.name!r} has stride {stride!r} on axis {axis}; "
                            f"only variable strides are supported (arrays are compact)")
        found.append((stride, (index, axis)))
    return found


def _assemble(ctx, name, arg_names):
    header = [f"# minitvm host code for {name!r}: one call runs the whole function.",
              "# Generated from the lowered loop IR; vectorized nests are numpy statements."]
    body = ctx.out.lines or ["    pass"]
    return "\n".join(header + ctx.constant_lines + [""] +
                     [f"def {python_identifier(name)}({', '.join(arg_names)}):"] +
                     body + ["", f"__entry__ = {python_identifier(name)}"]) + "\n"
