"""Where a buffer access lands: the flat element index into its allocation."""
from ..tir import op
from ..tir.expr import IntImm


def flat_index(buffer, indices):
    """The 1-D element index of `buffer[indices]` (row-major unless the buffer has strides),
    including the buffer's element offset."""
    if len(indices) == 1 and not buffer.strides:
        index = indices[0]
    else:
        strides = buffer.strides or _compact_strides(buffer.shape)
        index = IntImm("int32", 0)
        for i, s in zip(indices, strides):
            index = op.add(index, op.mul(i, s))
    if isinstance(buffer.elem_offset, IntImm) and buffer.elem_offset.value == 0:
        return index
    return op.add(index, buffer.elem_offset)


def _compact_strides(shape):
    strides, step = [], IntImm("int32", 1)
    for extent in reversed(shape):
        strides.append(step)
        step = op.mul(step, extent)
    return strides[::-1]
