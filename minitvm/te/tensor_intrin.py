"""Tensor intrinsics (TVM's `te.decl_tensor_intrin`): a small compute declared in TE
together with the statements that perform it in hardware.

`Stage.tensorize(axis, intrin)` later checks that the loops from `axis` inward compute
exactly `intrin.op`, and replaces them with the intrinsic's statements, with its buffers
bound to the regions the loops touch.
"""
from __future__ import annotations

from ..tir.buffer import decl_buffer
from ..tir.expr import PrimExpr, Var
from ..tir.stmt import Evaluate, Stmt
from .errors import TensorIntrinError
from .tensor import ComputeOp, Operation, PlaceholderOp


class TensorIntrin:
    """`op` (the declared computation), its `inputs`, one buffer per input and output
    (`buffers`), and the statements: `body` (the whole computation), `reduce_init`
    (reset the output) and `reduce_update` (accumulate into it); the last two may be None.
    """

    def __init__(self, name, op, inputs, buffers, body, reduce_init, reduce_update,
                 scalar_params=()):
        self.name = name
        self.scalar_params = tuple(scalar_params)
        self.op = op
        self.inputs = inputs
        self.buffers = buffers
        self.body = body
        self.reduce_init = reduce_init
        self.reduce_update = reduce_update

    def __repr__(self):
        return f"TensorIntrin({self.name})"


def decl_tensor_intrin(op, fcompute, name="tensor_intrin", binds=None, scalar_params=None,
                       default_buffer_params=None):
    """Declare the intrinsic computing `op`.

    `fcompute(ins, outs)` (with `scalar_params`, a list of Vars `op` uses:
    `fcompute(ins, outs, scalar_params)`) gets one Buffer per input tensor and per
    output and returns
    the body statement, or a (body, reset, update) triple; expressions are wrapped in
    Evaluate. `binds` maps tensors of `op` to the buffers to use for them (scope,
    offset_factor...); the others get a fresh buffer named after their op.
    """
    if not isinstance(op, Operation):
        raise TensorIntrinError(f"decl_tensor_intrin '{name}': expected an operation "
                                f"(tensor.op), got {op!r}")
    if not isinstance(op, ComputeOp):
        raise TensorIntrinError(f"decl_tensor_intrin '{name}': '{op.name}' is not a compute")
    inputs = op.input_tensors
    for t in inputs:
        if not isinstance(t.op, PlaceholderOp):
            raise TensorIntrinError(
                f"decl_tensor_intrin '{name}': input '{t.name}' must be a te.placeholder")
    binds = binds or {}
    buffers = [_buffer_for(t, binds, name, default_buffer_params or {})
               for t in inputs + (op.output(0),)]
    scalar_params = _scalar_params(scalar_params, name)
    ins, outs = buffers[:len(inputs)], buffers[len(inputs):]
    statements = fcompute(ins, outs, list(scalar_params)) if scalar_params \
        else fcompute(ins, outs)
    if not isinstance(statements, (list, tuple)):
        statements = [statements]
    statements = [Evaluate(s) if isinstance(s, PrimExpr) else s for s in statements]
    for s in statements:
        if s is not None and not isinstance(s, Stmt):
            raise TensorIntrinError(f"decl_tensor_intrin '{name}': the intrinsic function "
                                    f"returned {s!r}, which is not a statement")
    body, reset, update = (list(statements) + [None, None, None])[:3]
    return TensorIntrin(name, op, inputs, tuple(buffers), body, reset, update, scalar_params)


def _scalar_params(params, name):
    params = tuple(params or ())
    for p in params:
        if not isinstance(p, Var):
            raise TensorIntrinError(f"decl_tensor_intrin '{name}': scalar parameter {p!r} "
                                    "is not a variable (te.var)")
    return params


def _buffer_for(tensor, binds, name, params):
    buffer = binds.get(tensor)
    if buffer is None:
        return decl_buffer(tensor.shape, tensor.dtype, tensor.op.name, **params)
    if buffer.dtype != tensor.dtype or len(buffer.shape) != tensor.ndim:
        raise TensorIntrinError(
            f"decl_tensor_intrin '{name}': the buffer bound to tensor '{tensor.name}' is "
            f"{len(buffer.shape)}-d {buffer.dtype}, the tensor is {tensor.ndim}-d "
            f"{tensor.dtype}")
    return buffer
