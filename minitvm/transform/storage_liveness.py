"""Where and when a function touches its allocations: the analysis behind StorageRewrite.

`linear_access_pattern` flattens the body into a list of entries (TVM's
LinearAccessPatternFinder): a leaf statement that touches allocations, or the begin and
end of a loop, conditional or thread scope. An access counts for the outermost
statement inside its allocation's scope, so a loop nest that uses a buffer is one
entry. `liveness` gives, per statement, the allocations first touched (gen) and last
touched (kill) there; `can_inplace` says whether a statement may write its result over
an input that dies there.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, List

from ..error import TVMError
from ..tir import expr as E
from ..tir import stmt as S
from ..tir.analysis import expr_deep_equal
from ..tir.functor import Visitor

_NEW_SCOPE_ATTRS = ("extern_scope", "virtual_thread")


class AccessPatternError(TVMError, ValueError):
    """An allocation accessed where no statement holds the access."""


@dataclass(eq=False)
class _StmtEntry:
    stmt: Any = None
    scope_pair_offset: int = 0        # >0: scope begin (end is +offset); <0: scope end
    touched: List[E.Var] = field(default_factory=list)


@dataclass
class _AllocEntry:
    alloc: S.Allocate
    level: int


class _AccessFinder(Visitor):
    """TVM's LinearAccessPatternFinder: a flat list of leaf statements that touch
    allocations, with loops and conditionals as begin/end pairs; an access is recorded on
    the outermost statement inside its allocation's scope."""

    def __init__(self):
        self.linear = []
        self.alloc_info = {}
        self.scope = []
        self.in_thread_env = False

    def _touch(self, var):
        info = self.alloc_info.get(var)
        if info is not None:
            if info.level >= len(self.scope):
                raise AccessPatternError(f"{var.name} is accessed outside any statement")
            self.scope[info.level].touched.append(var)

    def _leaf(self, node):
        self.scope.append(_StmtEntry())
        self.generic_visit(node)
        return self.scope.pop()

    def _record_leaf(self, node, entry):
        if entry.touched:
            entry.stmt = node
            self.linear.append(entry)

    def visit_Allocate(self, node):
        self.alloc_info[node.buffer_var] = _AllocEntry(node, len(self.scope))
        self.generic_visit(node)

    def visit_BufferStore(self, node):
        self.scope.append(_StmtEntry())
        self.generic_visit(node)
        self._touch(node.buffer.data)
        self._record_leaf(node, self.scope.pop())

    def visit_BufferLoad(self, node):
        self.generic_visit(node)
        self._touch(node.buffer.data)

    def visit_Evaluate(self, node):
        self._record_leaf(node, self._leaf(node))

    def visit_LetStmt(self, node):
        self._record_leaf(node, self._leaf(node))

    def visit_Var(self, node):
        self._touch(node)

    def _new_scope(self, node):
        self.scope.append(_StmtEntry())
        begin = len(self.linear)
        self.linear.append(_StmtEntry(node))
        self.generic_visit(node)
        end_entry = _StmtEntry(node, begin - len(self.linear), self.scope.pop().touched)
        self.linear[begin].scope_pair_offset = len(self.linear) - begin
        self.linear.append(end_entry)

    def visit_AttrStmt(self, node):
        if node.attr_key == "thread_extent" and not self.in_thread_env:
            self.in_thread_env = True
            self._new_scope(node)
            self.in_thread_env = False
        elif node.attr_key in _NEW_SCOPE_ATTRS:
            self._new_scope(node)
        else:
            self.generic_visit(node)

    visit_For = visit_IfThenElse = visit_While = visit_AssertStmt = _new_scope


def linear_access_pattern(body):
    """(entries, allocation var -> _AllocEntry) of `body`."""
    finder = _AccessFinder()
    finder.visit(body)
    return finder.linear, finder.alloc_info


def liveness(linear):
    """(gen, kill): statement -> allocation vars first / last touched there."""
    gen, kill = defaultdict(list), defaultdict(list)
    seen = set()
    for entry in reversed(linear):
        for var in entry.touched:
            if var not in seen:
                seen.add(var)
                kill[entry.stmt].append(var)
    seen = set()
    for i, entry in enumerate(linear):
        if entry.scope_pair_offset < 0:
            continue
        for var in linear[i + entry.scope_pair_offset].touched:
            if var not in seen:
                seen.add(var)
                gen[entry.stmt].append(var)
    return gen, kill


class _InplaceVerifier(Visitor):
    """Is `stmt` of the form dst[index] = f(src[index]) (each src read at the store's own
    index, no reduction into dst, no indirect access)?"""

    def __init__(self, dst, src):
        self.dst, self.src = dst, src
        self.ok = True
        self.mem_nest = 0
        self.store = None

    def visit(self, node):
        if self.ok:
            super().visit(node)

    def visit_Var(self, node):
        if node is self.dst or node is self.src:
            self.ok = False          # an opaque use of the address

    def visit_BufferStore(self, node):
        self.mem_nest += 1
        for index in node.indices:
            self.visit(index)
        self.mem_nest -= 1
        if node.buffer.data is self.dst:
            self.store = node
            self.visit(node.value)
            self.store = None
        else:
            self.visit(node.value)

    def visit_AttrStmt(self, node):
        if node.attr_key in ("extern_scope", "volatile_scope"):
            self.ok = False
        else:
            self.generic_visit(node)

    def visit_BufferLoad(self, node):
        data = node.buffer.data
        if data is self.dst or self.mem_nest:
            self.ok = False
            return
        if data is self.src:
            store = self.store
            if (store is None or store.value.dtype != node.dtype
                    or not expr_deep_equal(store.indices, node.indices)):
                self.ok = False
                return
        self.mem_nest += 1
        self.generic_visit(node)
        self.mem_nest -= 1


def can_inplace(stmt, dst, src):
    if not isinstance(stmt, (S.AttrStmt, S.For, S.IfThenElse, S.While, S.BufferStore)):
        return False
    verifier = _InplaceVerifier(dst, src)
    verifier.visit(stmt)
    return verifier.ok
