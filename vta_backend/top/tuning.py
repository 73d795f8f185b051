"""The tuning tasks of VTA's operators: each operator followed by the ALU ops VTA's
networks fuse after it (shift right by the weight width, clip to [0, 2^(OUT_WIDTH-1) - 1],
cast to the output type), as TVM's VTA tuning tutorial registers them.

The templates take the operator's own arguments, so a tuned config is stored under the
operator's workload ("conv2d_packed.vta", data, kernel, ...) and found again when the
operator is called directly inside `autotvm.tophub.context` / `apply_history_best`.
On a target other than VTA they return the unscheduled program (the reference a
measurement's output is checked against).
"""
from __future__ import annotations

from minitvm import autotvm, te, topi
from minitvm.target import Target
from minitvm.tir import op as _op

from ..environment import get_env
from .vta_conv2d import conv2d_packed, schedule_conv2d_packed
from .vta_conv2d_transpose import conv2d_transpose_packed, schedule_conv2d_transpose_packed
from .vta_dense import dense_packed, schedule_dense_packed
from .vta_group_conv2d import group_conv2d_packed, schedule_group_conv2d_packed


def shift_clip_cast(res, env=None):
    """VTA's requantisation after a GEMM op, as elementwise (ALU) stages."""
    env = env or get_env()
    shifted = te.compute(res.shape, lambda *i: res(*i) >> env.WGT_WIDTH, name="res_shr",
                         tag=topi.tag.ELEMWISE)
    high = _op.const((1 << (env.OUT_WIDTH - 1)) - 1, res.dtype)
    low = _op.const(0, res.dtype)
    clip_a = te.compute(res.shape, lambda *i: te.min(shifted(*i), high), name="clipA",
                        tag=topi.tag.ELEMWISE)
    clip_b = te.compute(res.shape, lambda *i: te.max(clip_a(*i), low), name="clipB",
                        tag=topi.tag.ELEMWISE)
    return te.compute(res.shape, lambda *i: clip_b(*i).astype(env.out_dtype), name="res_cast",
                      tag=topi.tag.ELEMWISE)


def _requantised_task(res, schedule, inputs):
    """The task's (schedule, args): `res` requantised, scheduled by `schedule` on VTA and
    left unscheduled elsewhere (the reference)."""
    res = shift_clip_cast(res)
    target = Target.current()
    on_vta = target is not None and target.device_name == "vta"
    s = schedule([res]) if on_vta else te.create_schedule(res.op)
    return s, list(inputs) + [res]


@autotvm.template("conv2d_packed.vta")
def conv2d_packed_task(data, kernel, strides, padding, dilation, layout, out_dtype):
    """conv2d_packed + shift + clip + cast, scheduled by schedule_conv2d_packed on VTA."""
    res = conv2d_packed(data, kernel, strides, padding, dilation, layout, out_dtype)
    return _requantised_task(res, schedule_conv2d_packed, [data, kernel])


@autotvm.template("dense_packed.vta")
def dense_packed_task(data, weight, bias, out_dtype):
    """dense_packed + shift + clip + cast, scheduled by schedule_dense_packed on VTA."""
    res = dense_packed(data, weight, bias, out_dtype)
    return _requantised_task(res, schedule_dense_packed, [data, weight])


@autotvm.template("group_conv2d_packed.vta")
def group_conv2d_packed_task(data, kernel, strides, padding, dilation, group, out_dtype):
    """group_conv2d_packed + shift + clip + cast, scheduled by its template on VTA."""
    res = group_conv2d_packed(data, kernel, strides, padding, dilation, group, out_dtype)
    return _requantised_task(res, schedule_group_conv2d_packed, [data, kernel])


@autotvm.template("conv2d_transpose_packed.vta")
def conv2d_transpose_packed_task(data, kernel, strides, padding, out_dtype,
                                 output_padding=(0, 0)):
    """conv2d_transpose_packed + shift + clip + cast, scheduled by its template on VTA."""
    res = conv2d_transpose_packed(data, kernel, strides, padding, out_dtype, output_padding)
    return _requantised_task(res, schedule_conv2d_transpose_packed, [data, kernel])
