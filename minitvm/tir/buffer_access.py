"""`Buffer.access_ptr` (TVM's `tvm_access_ptr` builtin): the pointer argument through which
an intrinsic or extern function reaches a region of a buffer.

    C.access_ptr("w")  ->  T.tvm_access_ptr(T.type_annotation("float32"), C.data,
                                            C.elem_offset, <extent>, 2)

The mask is 1 for read, 2 for write, 3 for both. Passes that move memory (StorageFlatten,
StorageRewrite, VTA's) rewrite the data and offset arguments together.
"""
from __future__ import annotations

import math

from ..error import TVMError
from . import op as _op
from .expr import Call

_MASKS = {"r": 1, "w": 2}


def access_ptr(buffer, access_mask, ptr_type, content_lanes, offset, extent):
    mask = _mask(buffer, access_mask)
    offset = _op.convert(offset)
    if extent is None:
        extent = _whole_extent(buffer) - offset if not _op.is_const_int(offset, 0) \
            else _whole_extent(buffer)
    elem_offset = buffer.elem_offset + offset if not _op.is_const_int(offset, 0) \
        else buffer.elem_offset
    dtype = buffer.dtype
    if content_lanes > 1:
        dtype = f"{buffer.dtype}x{content_lanes}"
        extent = _op.floordiv(extent, content_lanes)
        elem_offset = _op.floordiv(buffer.elem_offset, content_lanes)
    return Call(ptr_type, "tir.tvm_access_ptr",
                (Call(dtype, "tir.type_annotation", ()), buffer.data, elem_offset,
                 _op.convert(extent), _op.const(mask)))


def _mask(buffer, access_mask):
    if isinstance(access_mask, int) and not isinstance(access_mask, bool) \
            and 1 <= access_mask <= 3:
        return access_mask
    if isinstance(access_mask, str) and access_mask and set(access_mask) <= set(_MASKS):
        return sum(_MASKS[c] for c in set(access_mask))
    raise TVMError(f"access_ptr of buffer '{buffer.name}': the access mask must be 'r', "
                   f"'w', 'rw' or 1-3, got {access_mask!r}")


def _whole_extent(buffer):
    if not buffer.shape:
        return _op.const(1)
    if len(buffer.strides) == len(buffer.shape):
        return buffer.strides[0] * buffer.shape[0]
    return math.prod(buffer.shape[1:], start=buffer.shape[0])
