"""What VTA host code calls: the extern table, and the static kernel maps of its call sites.

Where it sits: `host.compile` writes calls by the names the lowered IR uses
(`VTALoadBuffer2D`, `tir.vta.uop_push`, ...); the generated code looks each name up in
`EXTERNS`, whose entries are the command queue's methods (VTA's C runtime API, spec
vta.md 4.1) taking the queue first. The IR passes the queue explicitly to the DMA calls
(`tvm_thread_context(tir.vta.command_handle())`); for the calls that use VTA's
thread-local handle implicitly (`IMPLICIT_QUEUE`), the compiler passes it.

Each `coproc_uop_scope` of a compiled function is a *call site* with its own static
kernel map (TVM's `__tvm_static_handle`, spec 4.3, 5.15): `CallSites` holds them for the
life of the loaded module, so a kernel is recorded once per (site, key) and then only
re-pushed through the runtime's kernel cache.
"""
from __future__ import annotations

from typing import List

from ..runtime import SYNC_WAIT_CYCLES, CommandQueue, UopKernelMap, buffer_alloc, buffer_free
from ..simulator import DramBuffer


def _synchronize(queue: CommandQueue) -> None:
    """`tir.vta.coproc_sync`, which TVM's LowerIntrin turns into VTASynchronize(cmd, 1<<31)."""
    queue.synchronize(SYNC_WAIT_CYCLES)


def _cpu_ptr(queue: CommandQueue, buffer, dtype):
    """VTABufferCPUPtr, typed: the host view of a device buffer's elements (a host array,
    e.g. a workspace the host code allocated, is returned as it is)."""
    if isinstance(buffer, DramBuffer):
        return buffer.data[:buffer.nbytes].view(dtype)
    return buffer.view(dtype)


# name in the IR -> callable; the queue is always the first argument.
EXTERNS = {
    "VTALoadBuffer2D": CommandQueue.load_buffer_2d,
    "VTAStoreBuffer2D": CommandQueue.store_buffer_2d,
    "VTAUopLoopBegin": CommandQueue.uop_loop_begin,
    "VTAUopLoopEnd": CommandQueue.uop_loop_end,
    "VTAPushGEMMOp": CommandQueue.push_gemm_op,
    "VTAPushALUOp": CommandQueue.push_alu_op,
    "VTADepPush": CommandQueue.dep_push,
    "VTADepPop": CommandQueue.dep_pop,
    "VTASynchronize": CommandQueue.synchronize,
    "VTASetDebugMode": CommandQueue.set_debug_mode,
    "VTABufferCPUPtr": _cpu_ptr,
    "VTABufferAlloc": lambda queue, nbytes: buffer_alloc(nbytes),
    "VTABufferFree": lambda queue, buffer: buffer_free(buffer),
    "tir.vta.uop_push": CommandQueue.uop_push,
    "tir.vta.coproc_dep_push": CommandQueue.dep_push,
    "tir.vta.coproc_dep_pop": CommandQueue.dep_pop,
    "tir.vta.coproc_sync": _synchronize,
}

# Calls whose IR form has no command-handle argument (VTA's runtime uses its
# thread-local queue for them); the compiler passes the queue.
IMPLICIT_QUEUE = frozenset({
    "VTAUopLoopBegin", "VTAUopLoopEnd", "VTABufferAlloc", "VTABufferFree",
    "tir.vta.uop_push", "tir.vta.coproc_dep_push", "tir.vta.coproc_dep_pop",
    "tir.vta.coproc_sync"})

# The functions a `coproc_uop_scope` may name (its value).
PUSH_OPS = ("VTAPushGEMMOp", "VTAPushALUOp")


class CallSites:
    """One kernel map per micro-op call site of a compiled function, indexed by site."""

    def __init__(self, count: int):
        self.maps: List[UopKernelMap] = [UopKernelMap() for _ in range(count)]

    def __getitem__(self, site: int) -> UopKernelMap:
        return self.maps[site]

    def __len__(self) -> int:
        return len(self.maps)

    def kernel_count(self) -> int:
        """How many kernels have been recorded so far, over all sites."""
        return sum(len(m.kernels) for m in self.maps)

    def uncache(self) -> None:
        """Mark every kernel as not resident in the micro-op buffer, so the next push loads
        it again (after a run was abandoned part-way, before its synchronize did this)."""
        for site in self.maps:
            for kernel in site.kernels.values():
                kernel.sram_begin = kernel.sram_end = 0
