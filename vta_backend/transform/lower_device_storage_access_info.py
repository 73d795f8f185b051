"""LowerDeviceStorageAccessInfo (TVM's `tir.transform.LowerDeviceStorageAccessInfo`;
phase 3 of the VTA pipeline): turns on-chip memory into SRAM element indices.

VTA's SRAMs are not host memory: their registered `MemoryInfo` has no head address, so
each `Allocate` in a tagged scope (`local.inp_buffer`, ...) disappears and every
`tvm_access_ptr` into it becomes the integer index of an SRAM element,
`offset / (unit_bits / dtype_bits)` (÷16 for int8 inputs, ÷256 for int8 weights, ÷16 for
int32 accumulators). Which addresses those are was decided by the storage rewrites of
phases 1 and 2, so this runs in phase 3, after them; FoldUopLoop then reads the indices.
A remaining load or store on such memory would be the host CPU touching SRAM: an error
naming the buffer.
"""
from __future__ import annotations

from minitvm.tir import dtype as dt
from minitvm.tir import op
from minitvm.tir.functor import Mutator
from minitvm.transform.memory_info import get_memory_info, storage_scope_tag
from minitvm.transform.pass_infra import FLATTENED, lowering_pass

from ..environment import VTAError
from .common import ACCESS_PTR
from .linear import Linear


class DeviceStorageError(VTAError, ValueError):
    """On-chip memory used in a way the device cannot provide."""


def _scope(var):
    ann = var.type_annotation
    return ann.storage_scope if ann is not None else "global"


def _special(scope):
    return storage_scope_tag(scope) not in ("", ".dyn", ".workspace", ".vtcm")


class _Lower(Mutator):
    def __init__(self):
        self.info = {}                  # allocation var -> MemoryInfo

    def visit_Allocate(self, node):
        scope = _scope(node.buffer_var)
        if not _special(scope):
            return self.generic_visit(node)
        info = get_memory_info(scope)
        if info is None:
            raise DeviceStorageError(f"{node.buffer_var.name}: no memory info is registered "
                                     f"for scope '{scope}'")
        if info.head_address is not None:
            raise DeviceStorageError(f"{node.buffer_var.name}: scope '{scope}' has a head "
                                     "address; only unaddressable on-chip memories are lowered")
        self.info[node.buffer_var] = info
        return self.visit(node.body)

    def visit_Call(self, node):
        node = self.generic_visit(node)
        if node.op != ACCESS_PTR or node.args[1] not in self.info:
            return node
        annotation, data, offset = node.args[:3]
        if node.dtype == "handle":
            raise DeviceStorageError(f"{data.name} lives in on-chip memory and has no host "
                                     "address; access it through an integer SRAM index")
        unit_bits = self.info[data].unit_bits
        lanes, rest = divmod(unit_bits, dt.bits(annotation.dtype))
        index = None if rest else Linear.of(offset).exact_div(lanes)
        if index is None:
            raise DeviceStorageError(
                f"{data.name}: access at {offset!r} does not start on an element of "
                f"{self.info[data].unit_bits} bits")
        return op.cast(node.dtype, index.to_expr(offset.dtype))

    def visit_BufferLoad(self, node):
        if node.buffer.data in self.info:
            raise DeviceStorageError(
                f"{node.buffer.name} is in VTA's {_scope(node.buffer.data)} but is read or "
                "written by the host CPU: give its stage a dma_copy or alu pragma, or "
                "tensorize it")
        return self.generic_visit(node)

    visit_BufferStore = visit_BufferLoad


@lowering_pass("tir.LowerDeviceStorageAccessInfo", requires=(FLATTENED,))
def lower_device_storage_access_info(func):
    """Drop on-chip allocations and turn access pointers into SRAM element indices."""
    return func.with_body(_Lower().visit(func.body))

