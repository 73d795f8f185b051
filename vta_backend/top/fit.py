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
  except up to two outermost loops of more than one iteration, which become the GEMM
  instruction's own loop levels (FoldUopLoop; fit_kernels.py).

It also checks, with the compiler's error types and rules, what the compiler would refuse
further down:

* a virtual-thread split that does not divide its loop (2 threads over a loop of 3
  tiles): the predicate it needs would put a condition around VTA's copies
  (VirtualThreadSplitError);
* virtual threads over two axes: the micro-op kernels would depend on two thread indices,
  the runtime keys a kernel by one (UopKernelError, VerifyGEMMKernels' rule);
* loops other than the GEMM block's under the tensorized axis (TensorizeError);
* a GEMM kernel whose micro-ops revisit an accumulator element within the pipeline's
  distance (UopKernelError, VerifyGEMMKernels' rule), fused loops included (fit_axes.py
  follows a loop through its splits and fuses to the axes it walks);
* a `dma_copy` stage that is not one 2-D transfer (DMAPatternError, fit_transfers.py).

The instruction queue cannot overflow: the runtime runs what it has queued when its
staging buffer fills, so no candidate is refused for its instruction count.
"""
from __future__ import annotations

import math

from minitvm.schedule.bound import infer_bound
from minitvm.schedule.errors import TensorizeError
from minitvm.schedule.relations import Split
from minitvm.schedule.stage import SCOPE, VIRTUAL_THREAD_TAGS
from minitvm.tir import dtype as dt

from ..transform.verify_gemm_kernels import UopKernelError
from .fit_axes import leaf_position
from .fit_kernels import check_gemm_kernel
from .fit_transfers import check_transfers
from .utils import BufferOverflowError, VTAOperatorError


class VirtualThreadSplitError(VTAOperatorError):
    """Virtual threads split a loop whose extent they do not divide."""


def _sram_buffers(env):
    """(scope, capacity in bits, the buffer's name) of each SRAM."""
    return ((env.inp_scope, env.INP_BUFF_SIZE * 8, "input buffer (inp_buffer)"),
            (env.wgt_scope, env.WGT_BUFF_SIZE * 8, "weight buffer (wgt_buffer)"),
            (env.acc_scope, env.ACC_BUFF_SIZE * 8, "accumulator buffer (acc_buffer)"))


def check_fit(sch, env):
    """Raise the error of the first rule of the module docstring that `sch` breaks (a
    BufferOverflowError names the buffer), checking in the order the compiler meets them,
    so that the error is the one building the schedule would report."""
    sch = sch.normalize()
    ranges = infer_bound(sch)
    for rule in RULES:
        rule(sch, ranges, env)


def _check_tensorize(sch, ranges, env):
    for stage, at in _tensorized(sch):
        _check_tensorized_loops(stage, at, ranges, env)


def _check_tiles(sch, ranges, env):
    """Each tile alone, one thread's copy (StorageFlatten refuses an allocation larger
    than its SRAM; virtual threads replicate it later)."""
    for stage in sch.stages:
        _check_sram(ranges, env, [stage], threads=False)


def _check_sram_totals(sch, ranges, env):
    """All tiles of a scope together (EarlyRewrite packs them into one allocation)."""
    _check_sram(ranges, env, sch.stages, threads=True)


def _check_sram(ranges, env, stages, threads):
    for scope, capacity, name in _sram_buffers(env):
        demand = [(stage, _stage_bits(stage, ranges, threads)) for stage in stages
                  if stage.scope == scope and not _runs_in_place(stage, env)]
        total = sum(bits for _, bits in demand)
        if total > capacity:
            parts = ", ".join(f"'{stage.op.name}' {bits // 8} B" for stage, bits in demand)
            raise BufferOverflowError(f"the {name} holds {capacity // 8} bytes; the schedule's "
                                      f"tiles need {total // 8} ({parts}): choose smaller "
                                      "tiles or fewer virtual threads")


def _check_thread_splits(sch, ranges, env):
    for stage in sch.stages:
        _check_thread_split(stage, ranges)


def _check_gemm_kernels(sch, ranges, env):
    for stage in sch.stages:
        _check_one_thread_axis(stage)
    for stage, at in _tensorized(sch):
        check_gemm_kernel(stage, at, ranges, env)


def _stage_bits(stage, ranges, threads):
    """The stage's tile, with its copies for the virtual threads around it if `threads`."""
    elems = math.prod(int(ranges[iv].extent) for iv in stage.op.axis)
    copies = _virtual_threads(stage, ranges) if threads else 1
    return elems * dt.bits(stage.op.output(0).dtype) * copies


def _runs_in_place(stage, env):
    return any(kind == env.alu for attr in stage.iter_var_attrs.values()
               for kind, _ in attr.pragmas)


def _virtual_threads(stage, ranges):
    """How many copies of the stage's storage the virtual threads around it make."""
    copies = 1
    while stage.attach_type == SCOPE:
        parent = stage.attach_stage
        outer = parent.leaf_iter_vars[:leaf_position(parent, stage.attach_ivar)]
        copies *= math.prod(int(ranges[iv].extent) for iv in outer
                            if _thread_tag(parent, iv) in VIRTUAL_THREAD_TAGS)
        stage = parent
    return copies


def _thread_tag(stage, iv):
    attr = stage.iter_var_attrs.get(iv)
    return attr.bind_thread.thread_tag if attr is not None and attr.bind_thread is not None else ""


def _check_thread_split(stage, ranges):
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


def _check_one_thread_axis(stage):
    """The micro-op kernels inside two virtual-thread axes depend on both thread indices,
    and VTA's runtime keys a kernel by one int32 value (VerifyGEMMKernels' rule)."""
    threads = [iv.var.name for iv in stage.leaf_iter_vars
               if _thread_tag(stage, iv) in VIRTUAL_THREAD_TAGS]
    if len(threads) > 1:
        raise UopKernelError(
            f"stage '{stage.op.name}': {len(threads)} virtual-thread axes "
            f"({', '.join(repr(t) for t in threads)}) make the micro-op kernels inside them "
            "depend on as many thread indices, but VTA's runtime keys a kernel by a single "
            "int32 value: use virtual threads over one axis (oc_nthread or h_nthread)")


def _tensorized(sch):
    """(stage, position of its tensorized leaf axis) of each tensorized stage."""
    found = ((stage, _tensorized_at(stage)) for stage in sch.stages)
    return [(stage, at) for stage, at in found if at is not None]


def _tensorized_at(stage):
    """The position of the stage's tensorized leaf axis, or None."""
    return next((k for k, iv in enumerate(stage.leaf_iter_vars)
                 if stage.iter_var_attrs.get(iv) and
                 stage.iter_var_attrs[iv].tensor_intrin is not None), None)


def _check_tensorized_loops(stage, at, ranges, env):
    """Tensorize matches the GEMM intrinsic only if nothing but its own BATCH x BLOCK_OUT x
    BLOCK_IN loops lies under the tensorized axis (loops of one iteration vanish)."""
    leaves = stage.leaf_iter_vars[at:]
    inside = [(iv, int(ranges[iv].extent)) for iv in leaves]
    if math.prod(extent for _, extent in inside) != env.BATCH * env.BLOCK_OUT * env.BLOCK_IN:
        loops = ", ".join(f"'{iv.var.name}' ({extent})" for iv, extent in inside)
        raise TensorizeError(
            f"tensorize on stage '{stage.op.name}', axis '{leaves[0].var.name}': intrinsic "
            f"'GEMM' computes a {env.BATCH}x{env.BLOCK_OUT}x{env.BLOCK_IN} block, the loops "
            f"under the axis are {loops}: choose tiles that leave one block under it")


# the compiler's order: tensorize (ScheduleOps), one tile (StorageFlatten), the guards of
# thread splits and the DMA patterns (InjectDMAIntrin), all tiles (EarlyRewrite), the
# micro-op kernels (VerifyGEMMKernels)
RULES = (_check_tensorize, _check_tiles, _check_thread_splits, check_transfers,
         _check_sram_totals, _check_gemm_kernels)
