"""Shared pieces of VTA's operator schedules: the packed-layout test and the walk that
sorts the ops behind an operator's output into the one GEMM op and the elementwise ALU ops
fused after it (VTA's `_traverse` in each schedule), and the steps every VTA schedule takes
with those ALU ops and virtual threads."""
from __future__ import annotations

from dataclasses import dataclass, field

from minitvm import te
from minitvm.topi.tag import is_broadcast
from minitvm.te.tensor import PlaceholderOp


class VTAOperatorError(ValueError):
    """An operator call or fused graph VTA's operator library cannot take."""


class BufferOverflowError(VTAOperatorError):
    """A tile of the schedule does not fit the on-chip buffer it is placed in (fit check)."""


class UopBufferOverflowError(BufferOverflowError):
    """A GEMM micro-op kernel of the schedule does not fit the micro-op buffer (fit check;
    the runtime refuses such a kernel as runtime.UopKernelTooLarge)."""


def is_packed_layout(layout):
    """Whether `layout` is a packed layout such as "NCHW1n16c" (VTA's test)."""
    return layout != "NCHW" and "n" in layout and "c" in layout


@dataclass
class FusedOps:
    """The ops behind an output: `main` (the GEMM op), elementwise ops (`ewise_ops`,
    run on the ALU), scalar constants (`const_ops`, inlined) and the placeholders the
    elementwise ops read (`ewise_inputs`: (consumer op, tensor), loaded into the
    accumulator)."""
    main: object = None
    ewise_ops: list = field(default_factory=list)
    const_ops: list = field(default_factory=list)
    ewise_inputs: list = field(default_factory=list)


def sort_fused_ops(output, main_tag, who):
    """Walk from `output` down to the op tagged `main_tag` (see FusedOps)."""
    found, seen = FusedOps(), set()
    stack = [output.op]
    while stack:
        op = stack.pop()
        if id(op) in seen:
            continue
        seen.add(id(op))
        if op.tag == main_tag:
            if found.main is not None and found.main is not op:
                raise VTAOperatorError(f"{who}: more than one {main_tag} op behind "
                                       f"'{output.op.name}'")
            found.main = op
            continue
        if not is_broadcast(op.tag):
            raise VTAOperatorError(f"{who}: op '{op.name}' (tag {op.tag!r}) behind "
                                   f"'{output.op.name}' is neither the {main_tag} op nor "
                                   "elementwise; VTA fuses only elementwise ops after it")
        if op is not output.op:
            (found.ewise_ops if op.axis else found.const_ops).append(op)
        for tensor in op.input_tensors:
            if isinstance(tensor.op, PlaceholderOp):
                found.ewise_inputs.append((op, tensor))
            else:
                stack.append(tensor.op)
    if found.main is None:
        raise VTAOperatorError(f"{who}: no {main_tag} op behind '{output.op.name}'; declare "
                               "it with the matching vta.top compute function")
    return found


def place_ewise_ops(s, fused, env):
    """Put the fused elementwise ops on the ALU in the accumulator; cache the tensors they
    read into it; inline scalar constants. Returns the cached tensors."""
    cached = [s.cache_read(tensor, env.acc_scope, [consumer])
              for consumer, tensor in fused.ewise_inputs]
    for op in fused.ewise_ops:
        s[op].set_scope(env.acc_scope)
        s[op].pragma(s[op].op.axis[0], env.alu)
    for op in fused.const_ops:
        s[op].compute_inline()
    return cached


def attach_at_store_point(s, output, main, fused, ewise_cache, store_pt, env):
    """Compute the GEMM stage, the ALU stages and their loaded inputs per output tile."""
    s[main].compute_at(s[output], store_pt)
    for op in fused.ewise_ops:
        s[op].compute_at(s[output], store_pt)
    for tensor in ewise_cache:
        s[tensor].compute_at(s[output], store_pt)
        s[tensor].pragma(s[tensor].op.axis[0], env.dma_copy)


def bind_virtual_threads(s, output, outermost, axes_and_counts):
    """Split each (axis, n) with n > 1 into n virtual threads placed outermost."""
    for axis, nthread in axes_and_counts:
        if nthread > 1:
            _, v_t = s[output].split(axis, factor=nthread)
            s[output].reorder(v_t, outermost)
            s[output].bind(v_t, te.thread_axis("cthread"))


def load_and_compute(s, main, step, cached, tensor_axis, env):
    """Load the `cached` input tiles by DMA at each reduction `step` of the GEMM stage
    `main`, and run it on the GEMM core from `tensor_axis` in."""
    for tensor in cached:
        s[tensor].compute_at(s[main], step)
        s[tensor].pragma(s[tensor].op.axis[0], env.dma_copy)
    s[main].tensorize(tensor_axis, env.gemm)
