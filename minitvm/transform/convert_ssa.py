"""ConvertSSA for allocations: rewrites each repeated `Allocate` of one buffer variable
into an allocation of a fresh variable of the same name (TVM's `ConvertSSA`, for the
definitions that must be unique here).

A pass that copies a statement (LoopPartition's parts before, in and after the middle
interval) copies the allocations inside it; StorageRewrite would then hoist two
allocations of one variable to one place. The first definition keeps its variable; each
later one gets a fresh variable, and the buffers over it and the uses of it below it are
rebuilt on the new one, and so are the attributes naming it (`double_buffer_scope`). Loop and let variables bound twice in sibling scopes are left
as they are: every later pass, the printer and the host build scope them correctly.
"""
from __future__ import annotations

from dataclasses import replace

from ..tir import expr as E
from ..tir.functor import Mutator


def convert_ssa(stmt):
    """`stmt` with every allocation's buffer variable defined once."""
    return _Renamer().visit(stmt)


class _Renamer(Mutator):
    def __init__(self):
        self.defined = set()
        self.renamed = {}           # old var -> new var, inside the redefinition
        self.buffers = {}

    def visit_Allocate(self, s):
        old = s.buffer_var
        if old not in self.defined:
            self.defined.add(old)
            return self.generic_visit(s)
        new = E.Var(old.name, old.dtype, old.type_annotation)
        outer, self.renamed = self.renamed, {**self.renamed, old: new}
        try:
            return replace(self.generic_visit(s), buffer_var=new)
        finally:
            self.renamed = outer

    def visit_Var(self, e):
        return self.renamed.get(e, e)

    def visit_AttrStmt(self, s):
        s = self.generic_visit(s)       # an attribute of the buffer (double_buffer_scope)
        node = self.renamed.get(s.node) if isinstance(s.node, E.Var) else None
        return s if node is None else replace(s, node=node)

    def _buffer(self, buf):
        new_data = self.renamed.get(buf.data)
        if new_data is None:
            return buf
        key = (buf, new_data)
        if key not in self.buffers:
            self.buffers[key] = replace(buf, data=new_data)
        return self.buffers[key]

    def visit_BufferLoad(self, e):
        e = self.generic_visit(e)
        buf = self._buffer(e.buffer)
        return e if buf is e.buffer else replace(e, buffer=buf)

    def visit_BufferStore(self, s):
        s = self.generic_visit(s)
        buf = self._buffer(s.buffer)
        return s if buf is s.buffer else replace(s, buffer=buf)
