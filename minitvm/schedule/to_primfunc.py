"""From a schedule to the PrimFunc the lowering passes start from (TVM's
`ScheduleToModule` up to `SchedulePostProcToPrimFunc`).

normalize (on a copy) -> infer_bound -> schedule_ops. Each tensor argument becomes a
handle parameter named after it, with an N-d `Buffer` in `buffer_map` (`get_binds`),
and its reads, writes and realize become `BufferLoad`/`BufferStore`/`BufferRealize` on
that buffer, so the function is self-contained. The stages realized inside keep their
`ProducerRealize`/`ProducerStore`/`ProducerLoad` on TE tensors and their
"realize_scope" attributes until StorageFlatten.
"""
from __future__ import annotations

from ..te.tensor import Tensor
from ..tir.buffer import Buffer, decl_buffer
from ..tir.expr import BufferLoad, Var
from ..tir.function import PrimFunc
from ..tir.functor import Mutator
from ..tir.stmt import AttrStmt, BufferRealize, BufferStore
from .bound import infer_bound
from .schedule import Schedule
from .schedule_ops import schedule_ops


def get_binds(args, binds=None):
    """{tensor: Buffer} for every tensor in `args`: `binds`' buffer, else a new buffer
    with the tensor's shape, dtype and name."""
    result = dict(binds or {})
    for arg in args:
        if isinstance(arg, Tensor) and arg not in result:
            result[arg] = decl_buffer(arg.shape, arg.dtype, arg.op.name)
    return result


def schedule_to_primfunc(sch, args, name="main", binds=None):
    """The pre-flattening PrimFunc of schedule `sch` with parameters `args` (tensors,
    buffers or scalar Vars, in order)."""
    if not isinstance(sch, Schedule):
        raise TypeError(f"expected a schedule (te.create_schedule), got {sch!r}")
    binds = get_binds(args, binds)
    params, buffer_map = [], {}
    for arg in args:
        if isinstance(arg, Var):
            params.append(arg)
            continue
        if isinstance(arg, Tensor):
            buffer = binds[arg]
        elif isinstance(arg, Buffer):
            buffer = arg
        else:
            raise TypeError(f"argument {arg!r} of '{name}' is not a tensor, buffer or var")
        param = Var(buffer.name, "handle")
        params.append(param)
        buffer_map[param] = buffer
    normalized = sch.normalize()
    body = _BindParams(binds).visit(schedule_ops(normalized, infer_bound(normalized)))
    attrs = {"from_legacy_te_schedule": True, "global_symbol": name, "tir.noalias": True}
    return PrimFunc(tuple(params), body, buffer_map, attrs)


class _BindParams(Mutator):
    """Accesses of bound tensors become accesses of their buffers."""

    def __init__(self, binds):
        self.binds = binds

    def visit_ProducerLoad(self, node):
        node = self.generic_visit(node)
        buffer = self.binds.get(node.producer)
        return node if buffer is None else BufferLoad(buffer, node.indices)

    def visit_ProducerStore(self, node):
        node = self.generic_visit(node)
        buffer = self.binds.get(node.producer)
        return node if buffer is None else BufferStore(buffer, node.value, node.indices)

    def visit_ProducerRealize(self, node):
        node = self.generic_visit(node)
        buffer = self.binds.get(node.producer)
        if buffer is None:
            return node
        return BufferRealize(buffer, node.bounds, node.condition, node.body)

    def visit_AttrStmt(self, node):
        node = self.generic_visit(node)
        if node.attr_key == "buffer_bind_scope" and node.node[1] in self.binds:
            return AttrStmt((node.node[0], self.binds[node.node[1]]), node.attr_key,
                            node.value, node.body)
        return node
