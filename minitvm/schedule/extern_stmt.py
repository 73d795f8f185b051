"""The statement of an extern stage (TVM's `ExternOpNode::BuildProvide`).

The user's body runs once, inside one `buffer_bind_scope` per input and output that
binds the placeholder buffer it was written against to the whole tensor, innermost
the `extern_scope` marker:

    AttrStmt((A_buf, A), "buffer_bind_scope", tvm_tuple(0, n, 0, l))    inputs, then
      ...                                                                outputs
        AttrStmt(0, "extern_scope", 0, body)

StorageFlatten then rewrites the placeholders' data and shapes onto the real buffers.
"""
from __future__ import annotations

from ..tir.expr import Call, IntImm, Range
from ..tir.op import const
from ..tir.stmt import AttrStmt


def make_extern_stmt(stage):
    """The bound body of the extern op of `stage`."""
    op = stage.op
    stmt = AttrStmt(IntImm("int32", 0), "extern_scope", IntImm("int32", 0), op.body)
    for buffer, tensor in reversed(list(zip(op.output_placeholders, op.outputs))):
        stmt = _bind(buffer, tensor, stmt)
    for buffer, tensor in reversed(list(zip(op.input_placeholders, op.inputs))):
        stmt = _bind(buffer, tensor, stmt)
    return stmt


def _bind(buffer, tensor, body):
    args = []
    for extent in buffer.shape:
        args += [const(0, extent.dtype), extent]
    return AttrStmt((buffer, tensor), "buffer_bind_scope",
                    Call("handle", "tir.tvm_tuple", tuple(args)), body)


def extern_realize_bounds(tensor):
    """An extern op writes its outputs whole."""
    return tuple(Range(const(0, e.dtype), e) for e in tensor.shape)
