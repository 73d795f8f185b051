"""Buffers: a typed, shaped view of memory reached through a handle variable.

A `Buffer` is what loads and stores address once TE tensors have been bound
(parameters) or realized (intermediate stages). Flattening rewrites every buffer to
1-D; the printer prints them as `T.Buffer(...)`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

from . import dtype as dt
from .expr import IntImm, PointerType, PrimExpr, Var
from .op import convert


@dataclass(frozen=True, eq=False, slots=True)
class Buffer:
    """A view of `data` as an array of `dtype` with `shape` (and optional `strides`)."""
    data: Var
    dtype: str
    shape: Tuple[PrimExpr, ...]
    strides: Tuple[PrimExpr, ...]
    elem_offset: PrimExpr
    name: str
    data_alignment: int = 64
    offset_factor: int = 1
    buffer_type: str = "default"

    @property
    def scope(self):
        ann = self.data.type_annotation
        return ann.storage_scope if ann is not None else "global"

    def __repr__(self):
        return f"Buffer({self.name}, {self.dtype}, {tuple(self.shape)!r})"

    def access_ptr(self, access_mask, ptr_type="handle", content_lanes=1, offset=0,
                   extent=None):
        """TVM's `Buffer.access_ptr`: `tvm_access_ptr(type_annotation(dtype), data,
        elem_offset + offset, extent, mask)`, the region an intrinsic reads ("r"), writes
        ("w") or both ("rw"). The default extent runs from `offset` to the end of the
        buffer: stride times extent of the outermost dimension when strides are given."""
        from .buffer_access import access_ptr
        return access_ptr(self, access_mask, ptr_type, content_lanes, offset, extent)

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other


def decl_buffer(shape, dtype="float32", name="buffer", data=None, strides=None,
                elem_offset=None, scope="global", data_alignment=-1, offset_factor=0,
                buffer_type="default"):
    """TVM's `tvm.tir.decl_buffer`: a new buffer, with a fresh data var unless given.

    `buffer_type="auto_broadcast"` (TVM's kAutoBroadcast) without `strides` gives every
    dimension its own stride variable named "stride", as TVM's Buffer constructor does: the
    caller's array may then have any layout (the printer shows `buffer_type="auto"`)."""
    dtype = dt.check(dtype)
    shape = tuple(convert(s) for s in (shape if isinstance(shape, (list, tuple)) else [shape]))
    if buffer_type not in ("default", "auto_broadcast"):
        raise ValueError(f"decl_buffer '{name}': buffer_type must be 'default' or "
                         f"'auto_broadcast', not {buffer_type!r}")
    if buffer_type == "auto_broadcast" and not strides:
        strides = tuple(Var("stride", s.dtype) for s in shape)
    if data is None:
        data = Var(name, "handle", PointerType(dtype, scope))
    if elem_offset is None:
        elem_offset = Var(name + "_elem_offset", "int32") if offset_factor else IntImm("int32", 0)
    return Buffer(data=data, dtype=dtype, shape=shape,
                  strides=tuple(convert(s) for s in (strides or ())),
                  elem_offset=convert(elem_offset), name=name,
                  data_alignment=64 if data_alignment == -1 else data_alignment,
                  offset_factor=offset_factor or 1, buffer_type=buffer_type)
