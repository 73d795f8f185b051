"""Packed dense (fully connected) layer on VTA (VTA's `vta.top.dense_packed` and its
schedule).

`dense_packed` declares out[b, c] = sum_k data[b, k] * weight[c, k] over packed layouts:
data (N/BATCH, K/BLOCK_IN, BATCH, BLOCK_IN), weight (O/BLOCK_OUT, K/BLOCK_IN, BLOCK_OUT,
BLOCK_IN), output (N/BATCH, O/BLOCK_OUT, BATCH, BLOCK_OUT) in `out_dtype`.
`schedule_dense_packed` is the AutoTVM template; knobs (VTA's): tile_b, tile_ci, tile_co
(two-way splits of batch, input-channel and output-channel blocks) and oc_nthread.
"""
from __future__ import annotations

import math

from minitvm import autotvm, te

from ..environment import get_env
from .utils import (VTAOperatorError, attach_at_store_point, bind_virtual_threads,
                    load_and_compute, place_ewise_ops, sort_fused_ops)


@autotvm.register_topi_compute("dense_packed.vta")
def dense_packed(cfg, data, weight, bias=None, out_dtype=None):
    """The packed dense layer (see the module docstring); `bias` is not used (VTA's)."""
    for tensor, what in ((data, "data"), (weight, "weight")):
        if len(tensor.shape) != 4:
            raise VTAOperatorError(f"dense_packed: {what} '{tensor.name}' has "
                                   f"{len(tensor.shape)} dimensions; packed tensors have 4")
    ishape = tuple(int(d) for d in data.shape)
    wshape = tuple(int(d) for d in weight.shape)
    if ishape[1] != wshape[1] or ishape[3] != wshape[3]:
        raise VTAOperatorError(f"dense_packed: data '{data.name}' has {ishape[1]}x{ishape[3]} "
                               f"input channels, weight '{weight.name}' "
                               f"{wshape[1]}x{wshape[3]}")
    oshape = (ishape[0], wshape[0], ishape[2], wshape[2])
    k_o = te.reduce_axis((0, ishape[1]), name="k_o")
    k_i = te.reduce_axis((0, ishape[3]), name="k_i")
    res = te.compute(
        oshape,
        lambda b_o, c_o, b_i, c_i: te.sum(
            data[b_o, k_o, b_i, k_i].astype(out_dtype)
            * weight[c_o, k_o, c_i, k_i].astype(out_dtype),
            axis=[k_o, k_i]),
        name="res", tag="dense_pack")
    cfg.add_flop(2 * math.prod(oshape) * ishape[1] * ishape[3])
    return res


@autotvm.register_topi_schedule("dense_packed.vta")
def schedule_dense_packed(cfg, outs):
    """The AutoTVM template scheduling a packed dense layer and its fused ALU ops."""
    who = "schedule_dense_packed"
    if len(outs) != 1:
        raise VTAOperatorError(f"{who}: takes one output, got {len(outs)}")
    output = outs[0]
    fused = sort_fused_ops(output, "dense_pack", who)
    dense = fused.main.output(0)
    s = te.create_schedule(output.op)
    b, c_o, _, _ = dense.op.axis
    cfg.define_split("tile_b", b, num_outputs=2)
    cfg.define_split("tile_ci", dense.op.reduce_axis[0], num_outputs=2)
    cfg.define_split("tile_co", c_o, num_outputs=2)
    cfg.define_knob("oc_nthread", [1, 2])

    env = get_env()
    data, weight = dense.op.input_tensors
    cdata = s.cache_read(data, env.inp_scope, [dense.op])
    cweight = s.cache_read(weight, env.wgt_scope, [dense.op])
    s[dense].set_scope(env.acc_scope)
    ewise_cache = place_ewise_ops(s, fused, env)

    x_b, x_c, _, _ = s[output].op.axis
    x_bo, x_bi = cfg["tile_b"].apply(s, output, x_b)
    x_co, x_ci = cfg["tile_co"].apply(s, output, x_c)
    s[output].reorder(x_bo, x_co, x_bi, x_ci)
    attach_at_store_point(s, output, dense, fused, ewise_cache, x_co, env)
    bind_virtual_threads(s, output, x_bo, [(x_co, cfg["oc_nthread"].val)])

    x_bo, x_co, x_bi, _ = s[dense].op.axis
    k_o, _ = s[dense].op.reduce_axis
    s[dense].reorder(x_bo, k_o, x_co)
    k_o, _ = cfg["tile_ci"].apply(s, dense, k_o)
    load_and_compute(s, dense, k_o, (cdata, cweight), x_bi, env)
    s[output].pragma(x_ci, env.dma_copy)
    return s
