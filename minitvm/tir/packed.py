"""Calls of packed (global) functions from the IR (TVM's `tvm.tir.call_packed`).

    tvm.tir.call_packed("tvm.contrib.cblas.matmul", A, B, C, False, False)

is `Call("int32", "tir.tvm_call_packed", ["tvm.contrib.cblas.matmul", ...])` where each
Buffer argument is packed as `tvm_stack_make_array(data, tvm_stack_make_shape(shape),
strides or 0, ndim, a zero of its dtype, elem_offset)`: the DLTensor the callee gets.
The host build turns the packed array into an NDArray view of the buffer's memory and
calls the function from the registry (`minitvm.runtime.packed_func`).
"""
from __future__ import annotations

from .buffer import Buffer
from .expr import Call, IntImm, StringImm
from .op import const, convert


def call_packed(*args):
    """A call of the global function named by the first argument with the others."""
    if not args or not isinstance(args[0], str):
        raise TypeError("tvm.tir.call_packed: the first argument must be the name of the "
                        f"global function, got {args[:1]!r}")
    packed = [pack_buffer(a) if isinstance(a, Buffer) else convert(a) for a in args[1:]]
    return Call("int32", "tir.tvm_call_packed", (StringImm(args[0]),) + tuple(packed))


def pack_buffer(buffer):
    """The DLTensor describing `buffer` (TVM's `_pack_buffer`)."""
    shape = Call("handle", "tir.tvm_stack_make_shape", tuple(buffer.shape))
    strides = (Call("handle", "tir.tvm_stack_make_shape", tuple(buffer.strides))
               if buffer.strides else IntImm("int32", 0))
    return Call("handle", "tir.tvm_stack_make_array",
                (buffer.data, shape, strides, IntImm("int32", len(buffer.shape)),
                 const(0, buffer.dtype), buffer.elem_offset))
