"""Special on-chip memories: what a tagged storage scope (e.g. "local.acc_buffer") holds.

TVM looks these up as `tvm.info.mem.<scope>` (a registered function returning a
`MemoryInfo`); a backend registers one per scope it provides (VTA: its input, weight and
accumulator SRAMs). StorageFlatten uses them to align and bound-check allocations,
StorageRewrite to pack all allocations of one scope into one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..tir.expr import PrimExpr


@dataclass(frozen=True)
class MemoryInfo:
    unit_bits: int                    # bits of one addressable unit
    max_simd_bits: int                # widest access; allocations align to it
    max_num_bits: int                 # capacity
    head_address: Optional[PrimExpr] = None


_REGISTRY = {}


def register_memory_info(scope, info):
    """Declare the memory behind storage scope `scope` (replaces an earlier declaration)."""
    if not storage_scope_tag(scope):
        raise ValueError(
            f"memory info needs a tagged scope such as 'local.acc_buffer', got {scope!r}")
    _REGISTRY[scope] = info
    return info


def get_memory_info(scope):
    """The MemoryInfo registered for `scope`, or None."""
    return _REGISTRY.get(scope)


def storage_scope_rank(scope):
    """The part before the tag: 'global', 'shared', 'warp' or 'local'."""
    return scope.split(".", 1)[0] if scope else "global"


def storage_scope_tag(scope):
    """The tag of a scope including its dot ('.acc_buffer'), or '' for plain scopes."""
    if not scope or "." not in scope:
        return ""
    return "." + scope.split(".", 1)[1]
