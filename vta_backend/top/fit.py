"""Static fit check of a VTA schedule: does every tile fit the on-chip buffer it lives in?

AutoTVM calls it on each candidate before compiling (`measure.VTADeviceMeasure.check`), so
a candidate that cannot fit is counted as invalid in milliseconds instead of failing deep
in the compiler or the runtime. It reads the schedule only (bound inference, no lowering),
and counts what the compiler allocates:

* SRAM (input, weight, accumulator): each stage in the buffer's scope holds the region
  bound inference gives it, times the virtual threads around it (VTA's cthreads never share
  storage: each thread gets its own copy). ALU stages run in place on their input's
  storage (StorageRewrite's in-place rule), so they add nothing.
* micro-op buffer: a GEMM stage's micro-op kernel has one micro-op per iteration of its
  loops between the innermost stage attached to it (its loads) and the tensorized loop,
  except the two outermost loops of more than one iteration, which become the GEMM
  instruction's own loop levels (FoldUopLoop).

It also refuses a virtual-thread split that does not divide its loop (2 threads over a loop
of 3 tiles): the predicate it needs would put a condition around VTA's copies.

The instruction queue cannot overflow: the runtime runs what it has queued when its
staging buffer fills, so no candidate is refused for its instruction count.
"""
from __future__ import annotations

import math

from minitvm.schedule.bound import infer_bound
from minitvm.schedule.relations import Split
from minitvm.schedule.stage import SCOPE, VIRTUAL_THREAD_TAGS
from minitvm.tir import dtype as dt

from .utils import VTAOperatorError


class BufferOverflowError(VTAOperatorError):
    """A tile of the schedule does not fit the on-chip buffer it is placed in."""


class VirtualThreadSplitError(VTAOperatorError):
    """Virtual threads split a loop whose extent they do not divide."""


def _sram_buffers(env):
    """(scope, capacity in bits, the buffer's name) of each SRAM."""
    return ((env.inp_scope, env.INP_BUFF_SIZE * 8, "input buffer (inp_buffer)"),
            (env.wgt_scope, env.WGT_BUFF_SIZE * 8, "weight buffer (wgt_buffer)"),
            (env.acc_scope, env.ACC_BUFF_SIZE * 8, "accumulator buffer (acc_buffer)"))


def check_fit(sch, env):
    """Raise BufferOverflowError naming the buffer a tile of `sch` overflows."""
    sch = sch.normalize()
    ranges = infer_bound(sch)
    for stage in sch.stages:
        _check_thread_splits(stage, ranges)
    for scope, capacity, name in _sram_buffers(env):
        demand = [(stage, _stage_bits(stage, ranges)) for stage in sch.stages
                  if stage.scope == scope and not _runs_in_place(stage, env)]
        total = sum(bits for _, bits in demand)
        if total > capacity:
            parts = ", ".join(f"'{stage.op.name}' {bits // 8} B" for stage, bits in demand)
            raise BufferOverflowError(f"the {name} holds {capacity // 8} bytes; the schedule's "
                                      f"tiles need {total // 8} ({parts}): choose smaller "
                                      "tiles or fewer virtual threads")
    for stage in sch.stages:
        if _tensorized(stage):
            _check_uop_kernel(stage, ranges, env)


def _stage_bits(stage, ranges):
    elems = math.prod(int(ranges[iv].extent) for iv in stage.op.axis)
    return elems * dt.bits(stage.op.output(0).dtype) * _virtual_threads(stage, ranges)


def _runs_in_place(stage, env):
    return any(kind == env.alu for attr in stage.iter_var_attrs.values()
               for kind, _ in attr.pragmas)


def _virtual_threads(stage, ranges):
    """How many copies of the stage's storage the virtual threads around it make."""
    copies = 1
    while stage.attach_type == SCOPE:
        parent = stage.attach_stage
        outer = parent.leaf_iter_vars[:_position(parent, stage.attach_ivar)]
        copies *= math.prod(int(ranges[iv].extent) for iv in outer
                            if _thread_tag(parent, iv) in VIRTUAL_THREAD_TAGS)
        stage = parent
    return copies


def _position(stage, iv):
    return next(k for k, leaf in enumerate(stage.leaf_iter_vars) if leaf is iv)


def _thread_tag(stage, iv):
    attr = stage.iter_var_attrs.get(iv)
    return attr.bind_thread.thread_tag if attr is not None and attr.bind_thread is not None else ""


def _check_thread_splits(stage, ranges):
    for rel in stage.relations:
        if not isinstance(rel, Split):
            continue
        threaded = [iv for iv in (rel.outer, rel.inner)
                    if _thread_tag(stage, iv) in VIRTUAL_THREAD_TAGS]
        extent, inner = int(ranges[rel.parent].extent), int(ranges[rel.inner].extent)
        if threaded and extent % inner:
            raise VirtualThreadSplitError(
                f"stage '{stage.op.name}': virtual threads split loop "
                f"'{rel.parent.var.name}' of {extent} iterations by {inner}, which does not "
                "divide it: choose a tile count the thread count divides")


def _tensorized(stage):
    return any(attr.tensor_intrin is not None for attr in stage.iter_var_attrs.values())


def _check_uop_kernel(stage, ranges, env):
    leaves = stage.leaf_iter_vars
    tensorized = next(k for k, iv in enumerate(leaves)
                      if stage.iter_var_attrs.get(iv) and
                      stage.iter_var_attrs[iv].tensor_intrin is not None)
    loads = [other.attach_ivar for other in stage.schedule.stages
             if other.attach_type == SCOPE and other.attach_stage is stage]
    begin = max((_position(stage, iv) + 1 for iv in loads), default=0)
    extents = [int(ranges[iv].extent) for iv in leaves[begin:tensorized]]
    looping = [e for e in extents if e > 1]
    uops = math.prod(looping[2:])          # the two outermost loops fold into the instruction
    if uops > env.UOP_BUFF_DEPTH:
        raise BufferOverflowError(
            f"the micro-op buffer holds {env.UOP_BUFF_DEPTH} micro-ops; stage "
            f"'{stage.op.name}' needs a GEMM kernel of {uops} (loops {extents} inside its "
            "loads, the two outermost folded): choose smaller tiles")
