"""Small IR helpers the lowering passes share: constants, nests and the layout of a
buffer in flat memory (substitution is `minitvm.tir.functor.substitute`)."""
from __future__ import annotations

from dataclasses import replace

from ..tir import expr as E


def const_int(e):
    """The Python int of an integer constant expression, else None."""
    return e.value if isinstance(e, E.IntImm) else None


def is_const(e, value):
    return isinstance(e, E.IntImm) and e.value == value


def product(values):
    """The product of `values` as an expression (constants folded)."""
    result = E.IntImm("int32", 1)
    for v in values:
        result = result * v
    return result


def const_product(values):
    """The product of constant extents, or None if one of them is symbolic."""
    total = 1
    for v in values:
        c = const_int(v)
        if c is None:
            return None
        total *= c
    return total


def merge_nest(nest, body):
    """Wrap `body` in the single-child statements of `nest` (outermost first), as TVM's
    MergeNest does: each element's own body is replaced by what follows it."""
    for outer in reversed(nest):
        body = replace(outer, body=body)
    return body


def zero():
    return E.IntImm("int32", 0)


def true_const():
    return E.IntImm("bool", 1)


# --- buffer layout (StorageFlatten and buffer binding) ---

def flattened(buffer):
    """TVM's Buffer::GetFlattenedBuffer: the same memory as one dimension. Flat indices
    include the element offset (see `elem_offset`), so the flat buffer's own is 0 (TVM
    keeps the field, though nothing after flattening reads it)."""
    if buffer.strides:
        shape = (buffer.strides[0] * buffer.shape[0],)
    else:
        extent = E.IntImm("int32", 1)
        for s in buffer.shape:
            extent = extent * s
        shape = (extent,)
    return replace(buffer, shape=shape, strides=(), elem_offset=zero())


def row_major_strides(shape):
    strides = []
    stride = E.IntImm("int32", 1)
    for extent in reversed(shape):
        strides.append(stride)
        stride = stride * extent
    return tuple(reversed(strides))


def elem_offset(buffer, indices):
    """The flat element index of `indices` in `buffer` (its strides, else row-major)."""
    strides = buffer.strides or row_major_strides(buffer.shape)
    index = None
    for i, s in zip(indices, strides):
        term = i * s
        index = term if index is None else index + term
    if index is None:
        index = zero()
    if not is_const(buffer.elem_offset, 0):
        index = index + buffer.elem_offset
    return index
