"""Static check of a tensorized stage's GEMM micro-op kernel (part of `vta.top`'s fit check,
fit.py): does it fit the micro-op buffer, and does VTA's GEMM pipeline accept it?

The kernel is what the compiler records for the loops between the stage's loads (the
innermost stage attached to it) and its tensorized axis, loops of one iteration left out
(Simplify drops them). FoldUopLoop turns up to two of those loops, outermost first, into
the GEMM instruction's own loop levels; it stops at the first loop whose iterations do not
step every operand's SRAM index by a constant. A loop made by splits always does. A fused
loop (fit_axes.py) does when its digits lie contiguously in each operand's tile: in every
operand, a digit's step is its inner neighbour's step times that neighbour's extent. The
other loops record one micro-op per iteration, in order; that order decides whether two
micro-ops within the pipeline's distance write the same accumulator element
(VerifyGEMMKernels' rules, reported with its error type).
"""
from __future__ import annotations

import math

from minitvm.schedule.stage import SCOPE
from minitvm.tir.analysis import uses_any_var
from minitvm.tir.expr import ProducerLoad, Var
from minitvm.tir.functor import post_order_visit
from minitvm.transform.ir_utils import row_major_strides

from ..transform.linear import Linear
from ..transform.verify_gemm_kernels import PIPELINE_DISTANCE, UopKernelError
from .fit_axes import digits, leaf_position
from .utils import UopBufferOverflowError


def check_gemm_kernel(stage, at, ranges, env):
    """Raise the error of the first rule of the module docstring that the kernel of
    `stage` (tensorized at leaf position `at`) breaks. A loop the axis reading does not
    follow (fit_axes.py) leaves the kernel to the compiler."""
    loads = [other.attach_ivar for other in stage.schedule.stages
             if other.attach_type == SCOPE and other.attach_stage is stage]
    begin = max((leaf_position(stage, iv) + 1 for iv in loads), default=0)
    loops = [(iv, int(ranges[iv].extent)) for iv in stage.leaf_iter_vars[begin:at]]
    walked = [digits(stage, iv, ranges) for iv, extent in loops if extent > 1]
    if None in walked:
        return
    folded = _folded(stage, walked, ranges)
    if folded is None:
        return
    uop_loops = walked[folded:]
    uops = math.prod(digit.extent for loop in uop_loops for digit in loop)
    if uops > env.UOP_BUFF_DEPTH:
        raise UopBufferOverflowError(
            f"the micro-op buffer holds {env.UOP_BUFF_DEPTH} micro-ops; stage "
            f"'{stage.op.name}' needs a GEMM kernel of {uops} (loops "
            f"{[extent for _, extent in loops]} inside its loads, "
            f"{len(walked) - len(uop_loops)} outermost folded): choose smaller tiles")
    _check_pipeline_distance(stage, uop_loops)


def _folded(stage, walked, ranges):
    """How many of the kernel's loops (their digits, outermost first) FoldUopLoop folds;
    None if an operand's index is not affine in the axes (left to the compiler)."""
    steps = None
    for count, loop in enumerate(walked[:2]):
        if len(loop) > 1:
            steps = steps or _operand_steps(stage, ranges)
            if steps is None:
                return None
            if not all(_contiguous(loop, step) for step in steps):
                return count
    return min(len(walked), 2)


def _contiguous(loop, step):
    """Whether the digits of a fused loop step one operand's index by a constant."""
    return all(step(outer) == step(inner) * inner.extent for outer, inner in zip(loop, loop[1:]))


def _operand_steps(stage, ranges):
    """For the accumulator tile the stage writes and each tile it reads: a function giving
    how far a digit's step moves that tile's flat index; None if an index is not affine in
    the axes (an axis inside a non-affine term, such as `i // 2`, has no constant step)."""
    writes = {root.var: stride for root, stride in
              zip(stage.op.axis, _tile_strides(stage, ranges))}
    steps = [writes]
    axes = {root.var for root in (*stage.op.axis, *stage.op.reduce_axis)}
    for load in _loads(stage):
        tile = stage.schedule[load.producer]
        strides = _tile_strides(tile, ranges)
        forms = [Linear.of(index) for index in load.indices]
        if any(not isinstance(atom, Var) and uses_any_var(atom, axes)
               for form in forms for atom, _ in form.terms.values()):
            return None
        steps.append({root.var: sum(form.coeff(root.var) * stride
                                    for form, stride in zip(forms, strides))
                      for root in (*stage.op.axis, *stage.op.reduce_axis)})
    return [lambda digit, by=by: by.get(digit.root.var, 0) * digit.coeff for by in steps]


def _tile_strides(stage, ranges):
    """Row-major strides of the stage's tile (the region bound inference gives it)."""
    return [int(stride) for stride in row_major_strides([ranges[iv].extent
                                                         for iv in stage.op.axis])]


def _loads(stage):
    found = []
    for body in stage.op.body:
        post_order_visit(body, lambda n: found.append(n) if isinstance(n, ProducerLoad) else None)
    return found


def _check_pipeline_distance(stage, uop_loops):
    """VTA's GEMM pipeline: micro-ops within PIPELINE_DISTANCE of each other must write
    different accumulator elements. The kernel's micro-ops count through the digits of its
    unfolded loops in order; a digit of a reduction axis revisits an element every `inner`
    micro-ops, the iterations of the output digits inside it."""
    reduce_axes = set(stage.op.reduce_axis)
    inner = 1
    for loop in reversed(uop_loops):
        for digit in reversed(loop):
            if digit.root in reduce_axes:
                if inner <= PIPELINE_DISTANCE:
                    raise UopKernelError(
                        f"tensorized stage '{stage.op.name}': its GEMM micro-op kernel loops "
                        f"over reduction axis {_named(digit, len(loop) > 1)} around {inner} "
                        f"micro-op(s) of output loops, so micro-ops {inner} apart write the "
                        "same accumulator element, but VTA's GEMM pipeline needs any two "
                        f"micro-ops within a distance of {PIPELINE_DISTANCE} to write "
                        "different elements: choose tiles with more output rows, columns or "
                        "channels per load")
                return
            inner *= digit.extent


def _named(digit, fused):
    """'d_i' (3) for a loop of its own, 'd_i' (3) of fused loop 'd_j.d_i.fused' for a digit
    of a fused loop."""
    if not fused:
        return f"'{digit.leaf.var.name}' ({digit.extent})"
    return f"'{digit.root.var.name}' ({digit.extent}) of fused loop '{digit.leaf.var.name}'"
