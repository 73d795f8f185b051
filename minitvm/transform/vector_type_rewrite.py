"""Vector element types for allocations read and written only in whole aligned vectors
(TVM's PointerValueTypeRewrite, with the options StorageRewrite runs it with).

    packedB = T.allocate([1048576], "float32")       packedB = T.allocate([32768], "float32x32")
    packedB_1[x * 32768 + y * 32:... + 32] = v   ->   packedB_1[x * 1024 + y] = v

An allocation is rewritten when every access to it is a vector of one element type
and one lane count `n`, at a ramp index of stride 1 whose base is provably a multiple of
`n` (its modular set), and the allocation's extent is a multiple of `n`: its element
type becomes the vector type, its extent and its buffers' last dimension `n` times
smaller, and each ramp index `ramp(b, 1, n)` the element index `b / n` (the phase-3
Simplify folds the division). Any scalar access, a different lane count, a stride other
than 1 or an unaligned base keeps the allocation scalar (`C_global` of the tutorial,
read per element when copied out). Parameters and their buffers are never rewritten.

StorageRewrite calls it last, as TVM's StorageRewrite does; a function without vector
stores is returned at the cost of one walk over its statements.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..arith import Analyzer
from ..tir import dtype as dt
from ..tir import expr as E
from ..tir import op
from ..tir import stmt as S
from ..tir.functor import Mutator, Visitor


def vector_type_rewrite(body):
    """`body` with each allocation accessed only in aligned vectors of one type given that
    vector type."""
    if not _has_vector_store(body):
        return body
    checker = _AccessChecker()
    checker.visit(body)
    plan = {var: dtype for var, info in checker.infos.items()
            if (dtype := info.preferred(checker.analyzer)) != info.dtype}
    return _Rewriter(plan).visit(body) if plan else body


def _has_vector_store(body):
    finder = _VectorStoreFinder()
    finder.visit(body)
    return finder.found


class _VectorStoreFinder(Visitor):
    """Walks statements only, until a store of a vector value is found (one class for
    every call, so its dispatch table is built once)."""

    found = False

    def visit(self, node):
        if self.found or isinstance(node, E.PrimExpr):
            return None
        return Visitor.visit(self, node)

    def visit_BufferStore(self, s):
        if dt.lanes(s.value.dtype) > 1:
            self.found = True


@dataclass
class _Info:
    """An allocation: its element type and extent, and the types it is accessed as."""
    dtype: str
    extent: E.PrimExpr
    accesses: set = field(default_factory=set)

    def preferred(self, analyzer):
        if len(self.accesses) != 1:         # one vector type (so one element type)
            return self.dtype
        (access,) = self.accesses
        lanes = dt.lanes(access)
        m = analyzer.modular_set(self.extent)
        if m.coeff % lanes or m.base % lanes or dt.lanes(self.dtype) != 1:
            return self.dtype
        return dt.with_lanes(access, lanes)


class _AccessChecker(Visitor):
    """TVM's VectorTypeAccessChecker over the allocations (scalar reads count as scalar)."""

    def __init__(self):
        self.infos = {}
        self.analyzer = Analyzer()

    def visit_Allocate(self, s):
        dtype = "int8" if s.dtype == "bool" else s.dtype
        self.infos[s.buffer_var] = _Info(dtype, s.extents[-1])
        self.generic_visit(s)

    def visit_BufferLoad(self, e):
        self._access(e.dtype, e.buffer, e.indices)
        self.generic_visit(e)

    def visit_BufferStore(self, s):
        self._access(s.value.dtype, s.buffer, s.indices)
        self.generic_visit(s)

    def visit_Call(self, e):
        if e.op == "tir.tvm_access_ptr" and e.args[1] in self.infos:
            self.infos[e.args[1]].accesses.add(dt.element_of(e.args[0].dtype))
        self.generic_visit(e)

    def _access(self, value_dtype, buffer, indices):
        info = self.infos.get(buffer.data)
        if info is None:
            return
        if dt.is_bool(value_dtype):
            value_dtype = dt.with_lanes("int8", dt.lanes(value_dtype))
        used = 1
        last = indices[-1] if indices else None
        if isinstance(last, E.Ramp) and isinstance(last.stride, E.IntImm) \
                and last.stride.value == 1:
            m = self.analyzer.modular_set(last.base)
            if m.coeff % last.lanes == 0 and m.base % last.lanes == 0:
                used = last.lanes
        info.accesses.add(dt.with_lanes(value_dtype, used))


class _Rewriter(Mutator):
    """Gives the planned allocations their vector type; indexes them per vector."""

    def __init__(self, plan):
        self.plan = plan            # old data var -> vector element type
        self.new_vars = {}
        self.buffers = {}

    def _var(self, old):
        var = self.new_vars.get(old)
        if var is None:
            ann = old.type_annotation
            var = self.new_vars[old] = E.Var(old.name, old.dtype, ann and replace(
                ann, element_dtype=self.plan[old]))
        return var

    def _factor(self, old):
        return dt.lanes(self.plan[old])

    def visit_Allocate(self, s):
        s = self.generic_visit(s)
        if s.buffer_var not in self.plan:
            return s
        factor = op.const(self._factor(s.buffer_var), s.extents[-1].dtype)
        return replace(s, buffer_var=self._var(s.buffer_var), dtype=self.plan[s.buffer_var],
                       extents=s.extents[:-1] + (op.truncdiv(s.extents[-1], factor),))

    def _remap(self, node):
        data = node.buffer.data
        if data not in self.plan:
            return node
        last = node.indices[-1]
        index = op.truncdiv(last.base, op.const(last.lanes, last.base.dtype))
        return replace(node, buffer=self._buffer(node.buffer), indices=node.indices[:-1]
                       + (index,))

    def _buffer(self, buf):
        new = self.buffers.get(buf)
        if new is None:
            factor = op.const(self._factor(buf.data), buf.shape[-1].dtype)
            new = self.buffers[buf] = replace(
                buf, data=self._var(buf.data), dtype=self.plan[buf.data],
                shape=buf.shape[:-1] + (op.truncdiv(buf.shape[-1], factor),))
        return new

    def visit_Var(self, e):
        return self._var(e) if e in self.plan else e

    def visit_BufferLoad(self, e):
        return self._remap(self.generic_visit(e))

    def visit_BufferStore(self, s):
        return self._remap(self.generic_visit(s))
