"""Static DMA check of a VTA schedule: is every `dma_copy` stage one 2-D transfer?

Part of `vta.top`'s fit check (see fit.py), run before compiling. InjectDMAIntrin turns
each copy nest under a `dma_copy` pragma into one VTALoadBuffer2D / VTAStoreBuffer2D: the
DRAM side must fold into at most y rows of x elements, and a padded load may pad only the
copy's rows and columns. Which loops a copy has follows from the schedule and bound
inference alone: the stage's leaf axes from the pragma's axis inward, those of more than
one iteration (Simplify removes the others before the DMA pass), each stepping through
its DRAM tensor by the row-major stride of the tensor axis it comes from. The
compiler's own pattern matcher (`inject_dma_intrin.check_transfer`) then judges that
copy, so the rule and its message are the compiler's.
"""
from __future__ import annotations

from minitvm.transform.ir_utils import row_major_strides

from ..transform.inject_dma_intrin import check_transfer
from .fit_axes import digits


def check_transfers(sch, ranges, env):
    """Raise DMAPatternError for the first `dma_copy` stage of `sch` (normalized, with its
    bound-inference `ranges`) that cannot be one VTA transfer."""
    sram_scopes = (env.inp_scope, env.wgt_scope, env.acc_scope)
    for stage in sch.stages:
        start = _pragma_position(stage, env.dma_copy)
        if start is None:
            continue
        load = stage.scope in sram_scopes
        tensor = stage.op.input_tensors[0] if load else stage.op.output(0)
        strides = [int(stride) for stride in row_major_strides(tensor.shape)]
        loops = _copy_loops(stage, stage.leaf_iter_vars[start:], ranges, strides)
        if loops is None:
            continue            # a relation this reading does not follow: the compiler judges
        padded = _padded_positions(stage, loops) if load else ()
        check_transfer(env, stage.op.name, tensor.name, [loop[:3] for loop in loops],
                       load_into=stage.scope if load else None, padded=padded)


def _pragma_position(stage, pragma):
    for k, iv in enumerate(stage.leaf_iter_vars):
        attr = stage.iter_var_attrs.get(iv)
        if attr is not None and any(kind == pragma for kind, _ in attr.pragmas):
            return k
    return None


def _copy_loops(stage, leaves, ranges, strides):
    """`(name, extent, DRAM stride, tensor axis)` of each copy loop of more than one
    iteration, or None if a loop does not walk one axis of the copy (a fused loop)."""
    roots = {iv: k for k, iv in enumerate(stage.op.axis)}
    loops = []
    for leaf in leaves:
        walked = digits(stage, leaf, ranges)
        if walked is None or len(walked) > 1 or (walked and walked[0].root not in roots):
            return None
        for root, coeff, extent, _ in walked:
            axis = roots[root]
            loops.append((leaf.var.name, extent, strides[axis] * coeff, axis))
    return loops


def _padded_positions(stage, loops):
    """The copy loops over the axes a pad stage (`topi.nn.pad`) widens."""
    source = stage.op.input_tensors[0]
    widened = {k for k, (a, b) in enumerate(zip(stage.op.output(0).shape, source.shape))
               if int(a) != int(b)}
    return tuple(k for k, loop in enumerate(loops) if loop[3] in widened)
