"""CPUAccessRewrite (phase 3, last VTA pass): redirects the host CPU's loads and stores
through `VTABufferCPUPtr`.

On VTA the data pointer of a DRAM array is a runtime buffer handle, not a host address.
Every remaining `BufferLoad`/`BufferStore` (only host code is left once the DMA, GEMM and
ALU passes have run) is rewritten onto a new variable `<name>_ptr`, bound to
`VTABufferCPUPtr(cmd, <name>)` at the start of the allocation's body, or at the top of
the function for parameters. The convolution tutorial has no such access and is left
unchanged.
"""
from __future__ import annotations

from dataclasses import replace

from minitvm.tir import expr as E
from minitvm.tir import op
from minitvm.tir import stmt as S
from minitvm.tir.functor import Mutator
from minitvm.transform.pass_infra import FLATTENED, lowering_pass

from .common import command_handle


def _cpu_ptr(handle):
    return op.call_extern("handle", "VTABufferCPUPtr", command_handle(), handle)


class _Redirect(Mutator):
    def __init__(self):
        self.ptrs = {}          # handle var -> its `_ptr` var, for accesses seen so far
        self.buffers = {}       # original buffer -> buffer on the `_ptr` var

    def ptr_buffer(self, buffer):
        new = self.buffers.get(buffer)
        if new is None:
            data = buffer.data
            ptr = self.ptrs.get(data)
            if ptr is None:
                ptr = self.ptrs[data] = E.Var(data.name + "_ptr", "handle", data.type_annotation)
            new = self.buffers[buffer] = replace(buffer, data=ptr)
        return new

    def visit_BufferLoad(self, node):
        node = self.generic_visit(node)
        return E.BufferLoad(self.ptr_buffer(node.buffer), node.indices)

    def visit_BufferStore(self, node):
        node = self.generic_visit(node)
        return S.BufferStore(self.ptr_buffer(node.buffer), node.value, node.indices)

    def visit_Allocate(self, node):
        node = self.generic_visit(node)
        ptr = self.ptrs.pop(node.buffer_var, None)
        if ptr is None:
            return node
        self.buffers = {k: v for k, v in self.buffers.items() if k.data is not node.buffer_var}
        return replace(node, body=S.LetStmt(ptr, _cpu_ptr(node.buffer_var), node.body))


@lowering_pass("tir.vta.CPUAccessRewrite", requires=(FLATTENED,))
def cpu_access_rewrite(func):
    """Make host loads and stores of VTA buffers go through VTABufferCPUPtr."""
    redirect = _Redirect()
    body = redirect.visit(func.body)
    for handle, ptr in redirect.ptrs.items():
        body = S.LetStmt(ptr, _cpu_ptr(handle), body)
    return func.with_body(body)
