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

from ..arith.scratch import shared_scratch
from ..te.tensor import Tensor
from ..tir.buffer import Buffer, decl_buffer
from ..tir.expr import BufferLoad, Var
from ..tir.function import PrimFunc
from ..tir.functor import Mutator, post_order_visit
from ..tir.stmt import AttrStmt, BufferRealize, BufferStore
from .bound import infer_bound
from .schedule import Schedule
from .schedule_ops import schedule_ops


def get_binds(args, binds=None, compact=False):
    """{tensor: Buffer} for every tensor in `args`: `binds`' buffer, else a new buffer
    with the tensor's shape, dtype and name. As TVM's GetBinds, a tensor with a variable
    dimension (`te.var`) gets an "auto_broadcast" buffer, strided by one variable a
    dimension, unless `compact` (the loop nest binds buffers to regions: tensorize)."""
    result = dict(binds or {})
    for arg in args:
        if isinstance(arg, Tensor) and arg not in result:
            symbolic = not compact and any(isinstance(s, Var) for s in arg.shape)
            result[arg] = decl_buffer(arg.shape, arg.dtype, arg.op.name,
                                      buffer_type="auto_broadcast" if symbolic else "default")
    return result


def schedule_to_primfunc(sch, args, name="main", binds=None):
    """The pre-flattening PrimFunc of schedule `sch` with parameters `args` (tensors,
    buffers or scalar Vars, in order)."""
    if not isinstance(sch, Schedule):
        raise TypeError(f"expected a schedule (te.create_schedule), got {sch!r}")
    normalized = sch.normalize()
    with shared_scratch():      # bound inference and loop nests share their questions
        stmt = schedule_ops(normalized, infer_bound(normalized))
    binds = get_binds(args, binds, compact=_binds_regions(stmt))
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
    body = _BindParams(binds).visit(stmt)
    attrs = {"from_legacy_te_schedule": True, "global_symbol": name, "tir.noalias": True}
    return PrimFunc(tuple(params), body, buffer_map, attrs)


def _binds_regions(stmt):
    """TVM's VerifyCompactBuffer: does the loop nest bind a buffer to a region?"""
    found = []
    post_order_visit(stmt, lambda n: found.append(n) if isinstance(n, AttrStmt)
                     and n.attr_key == "buffer_bind_scope" else None)
    return bool(found)


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
