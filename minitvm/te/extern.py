"""Extern operations (TVM's `te.extern`, `ExternOp`): a stage whose body is statements the
user writes (typically a call of a library routine) instead of a per-element expression.

    C = te.extern((n, m), [A, B], lambda ins, outs: tvm.tir.call_packed(
            "tvm.contrib.cblas.matmul", ins[0], ins[1], outs[0], False, False), name="C")

`fcompute` gets one Buffer per input and per output and returns the body (a statement,
or an expression run for its effect). The schedule cannot split an extern op: it has no
axes; it reads its inputs whole and writes its outputs whole.
"""
from __future__ import annotations

from ..tir import dtype as dt
from ..tir.buffer import Buffer, decl_buffer
from ..tir.expr import PrimExpr
from ..tir.stmt import Evaluate, Stmt
from .errors import TEError
from .operation import scoped_tag, shape_of
from .tensor import Operation, Tensor


class ExternOp(Operation):
    """`body` computes the outputs from the inputs; the statements see them through
    `input_placeholders` and `output_placeholders` (buffers bound at lowering)."""

    axis = ()
    reduce_axis = ()

    def __init__(self, name, tag, attrs, inputs, input_placeholders, output_placeholders,
                 body):
        self.name = name
        self.tag = tag
        self.attrs = attrs
        self.inputs = tuple(inputs)
        self.input_placeholders = tuple(input_placeholders)
        self.output_placeholders = tuple(output_placeholders)
        self.body = body
        self.outputs = tuple(Tensor(self, k, b.shape, b.dtype)
                             for k, b in enumerate(self.output_placeholders))

    @property
    def input_tensors(self):
        return self.inputs

    @property
    def root_iter_vars(self):
        return ()


def extern(shape, inputs, fcompute, name="extern", dtype=None, in_buffers=None,
           out_buffers=None, tag="", attrs=None):
    """TVM's `te.extern`: outputs of `shape` (one shape or a list of shapes) computed by
    the statements `fcompute(input_buffers, output_buffers)` returns. Returns the
    output tensor, or the list of them when several shapes are given."""
    tag = scoped_tag(tag, name)
    shapes = _shapes(shape, name)
    inputs = list(inputs)
    for k, t in enumerate(inputs):
        if not isinstance(t, Tensor):
            raise TEError(f"te.extern '{name}': input {k} is {t!r}, not a tensor")
    dtypes = _dtypes(dtype, inputs, len(shapes), name)
    in_buffers = _buffers(in_buffers, inputs, name, "in_buffers")
    out_buffers = out_buffers if out_buffers is not None else [
        decl_buffer(s, t, name) for s, t in zip(shapes, dtypes)]
    if len(out_buffers) != len(shapes):
        raise TEError(f"te.extern '{name}': {len(out_buffers)} out_buffers for "
                      f"{len(shapes)} outputs")
    body = fcompute(in_buffers, out_buffers)
    if isinstance(body, PrimExpr):
        body = Evaluate(body)
    if not isinstance(body, Stmt):
        raise TEError(f"te.extern '{name}': fcompute returned {body!r}, which is neither a "
                      "statement nor an expression")
    op = ExternOp(name, tag, dict(attrs or {}), inputs, in_buffers, out_buffers, body)
    return op.outputs[0] if len(op.outputs) == 1 else list(op.outputs)


def _shapes(shape, name):
    nested = isinstance(shape, (list, tuple)) and shape and \
        all(isinstance(s, (list, tuple)) for s in shape)
    return [shape_of(s, name) for s in (shape if nested else [shape])]


def _dtypes(dtype, inputs, count, name):
    if dtype is None:
        if not inputs:
            raise TEError(f"te.extern '{name}': give dtype= when there are no inputs")
        dtype = inputs[0].dtype
    dtypes = list(dtype) if isinstance(dtype, (list, tuple)) else [dtype] * count
    if len(dtypes) != count:
        raise TEError(f"te.extern '{name}': {len(dtypes)} dtypes for {count} outputs")
    return [dt.check(t) for t in dtypes]


def _buffers(given, inputs, name, what):
    if given is None:
        return [decl_buffer(t.shape, t.dtype, t.op.name) for t in inputs]
    if len(given) != len(inputs):
        raise TEError(f"te.extern '{name}': {len(given)} {what} for {len(inputs)} inputs")
    for buf, t in zip(given, inputs):
        if not isinstance(buf, Buffer) or buf.dtype != t.dtype or \
                len(buf.shape) != t.ndim:
            raise TEError(f"te.extern '{name}': the buffer given for input '{t.name}' must "
                          f"be a {t.ndim}-d {t.dtype} tvm.tir.Buffer, got {buf!r}")
    return list(given)
