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

import math

from minitvm.schedule.relations import Rebase, Split

from ..transform.inject_dma_intrin import check_transfer


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
        loops = _copy_loops(stage, stage.leaf_iter_vars[start:], ranges, _strides(tensor))
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


def _strides(tensor):
    shape = [int(d) for d in tensor.shape]
    return [math.prod(shape[k + 1:]) for k in range(len(shape))]


def _copy_loops(stage, leaves, ranges, strides):
    """`(name, extent, DRAM stride, tensor axis)` of each copy loop of more than one
    iteration, or None if a leaf does not come from one root axis by splits."""
    roots = {iv: k for k, iv in enumerate(stage.op.axis)}
    loops = []
    for leaf in leaves:
        extent = int(ranges[leaf].extent)
        if extent == 1:
            continue
        root, coeff = root_axis(stage, leaf, ranges)
        if root not in roots:
            return None
        axis = roots[root]
        loops.append((leaf.var.name, extent, strides[axis] * coeff, axis))
    return loops


def root_axis(stage, leaf, ranges):
    """(root axis, coefficient of `leaf` in it) through the stage's splits and rebases."""
    coeff = 1
    parents = {}
    for rel in stage.relations:
        if isinstance(rel, Split):
            parents[rel.outer] = (rel.parent, int(ranges[rel.inner].extent))
            parents[rel.inner] = (rel.parent, 1)
        elif isinstance(rel, Rebase):
            parents[rel.rebased] = (rel.parent, 1)
    while leaf in parents:
        leaf, step = parents[leaf]
        coeff *= step
    return leaf, coeff


def _padded_positions(stage, loops):
    """The copy loops over the axes a pad stage (`topi.nn.pad`) widens."""
    source = stage.op.input_tensors[0]
    widened = {k for k, (a, b) in enumerate(zip(stage.op.output(0).shape, source.shape))
               if int(a) != int(b)}
    return tuple(k for k, loop in enumerate(loops) if loop[3] in widened)
