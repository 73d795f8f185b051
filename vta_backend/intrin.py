"""VTA's GEMM tensor intrinsic (`env.gemm`), which `tensorize` maps a schedule's innermost
batch / output-channel / input-channel loops onto.

It declares `out[i, j] = sum_k int32(inp[i, k]) * int32(wgt[j, k])` over one tile
(BATCH x BLOCK_IN inputs, BLOCK_OUT x BLOCK_IN weights, BATCH x BLOCK_OUT accumulators),
with its buffers in the three SRAM scopes and aligned to whole elements (a tensorized
region must start on an element). Its statements are single GEMM micro-ops on the compute
queue: the body and the update accumulate (`uop_push(0, 0, acc, inp, wgt)`), the reset
clears the accumulator (`uop_push(0, 1, acc, 0, 0)`). The DMA and ALU pragma names are
`env.dma_copy` and `env.alu`.
"""
from __future__ import annotations

import functools

from minitvm import te
from minitvm.tir import stmt as S
from minitvm.tir.buffer import decl_buffer
from minitvm.transform.ir_utils import product

from .transform.common import PUSH_GEMM, access_ptr, coproc_scope, uop_push, uop_scope


def _buffer_ptr(buffer, mask):
    """`buffer.access_ptr(mask, "int32")`: the whole buffer from its element offset."""
    return access_ptr(buffer.data, buffer.dtype, buffer.elem_offset, product(buffer.shape),
                      mask, "int32")


def _layout(tensor, scope, lanes):
    return decl_buffer(tensor.shape, tensor.dtype, scope, scope=scope, offset_factor=lanes,
                       data_alignment=lanes)


def _gemm_statements(env, ins, outs):
    """(body, reset, update) of the intrinsic; all no-ops for a mock environment."""
    if env.mock_mode:
        return tuple(S.Evaluate(te.const(0)) for _ in range(3))
    by_scope = {b.scope: b for b in ins}
    out = _buffer_ptr(outs[0], "rw")
    inp, wgt = _buffer_ptr(by_scope[env.inp_scope], "r"), _buffer_ptr(by_scope[env.wgt_scope], "r")

    def kernel(reset):
        push = uop_push(0, 1, out, 0, 0, 0, 0, 0) if reset else uop_push(0, 0, out, inp, wgt, 0, 0, 0)
        return coproc_scope(env.dev.QID_COMPUTE, uop_scope(PUSH_GEMM, push))

    return kernel(False), kernel(True), kernel(False)


@functools.lru_cache(maxsize=None)
def gemm(env):
    """The GEMM TensorIntrin of `env` (one per configuration)."""
    inp = te.placeholder((env.BATCH, env.BLOCK_IN), dtype=env.inp_dtype, name=env.inp_scope)
    wgt = te.placeholder((env.BLOCK_OUT, env.BLOCK_IN), dtype=env.wgt_dtype, name=env.wgt_scope)
    k = te.reduce_axis((0, env.BLOCK_IN), name="k")
    out = te.compute((env.BATCH, env.BLOCK_OUT),
                     lambda i, j: te.sum(inp[i, k].astype(env.acc_dtype)
                                         * wgt[j, k].astype(env.acc_dtype), axis=[k]),
                     name="out")
    binds = {inp: _layout(inp, env.inp_scope, env.BATCH * env.BLOCK_IN),
             wgt: _layout(wgt, env.wgt_scope, env.BLOCK_OUT * env.BLOCK_IN),
             out: _layout(out, env.acc_scope, env.BATCH * env.BLOCK_OUT)}
    return te.decl_tensor_intrin(out.op, lambda ins, outs: _gemm_statements(env, ins, outs),
                                 name="GEMM", binds=binds)
