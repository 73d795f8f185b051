"""HoistIfThenElse: moves an `if` out of the loops its condition does not depend on.

TVM's `tir.transform.HoistIfThenElse` with its default configuration (conditions of `if`
statements only; no let bindings, no `if_then_else` expressions, never across a thread
or pragma attribute). For each `if`, it walks the enclosing loops from the innermost
outwards and stops at the first loop that the condition reads, or that runs a sequence
of statements, or that is an attribute scope with a variable (`thread_extent`,
`virtual_thread`, pragmas); the condition is then re-tested around the loop just inside
that one:

    for i_inner:                      for i_inner:
      for j_inner:             =>       if likely(i < m):
        if likely(i < m):                 for j_inner:
          if likely(j < n): S               if likely(i < m):
                                              if likely(j < n): S

Simplify then drops the inner test (it is known true there) and RemoveNoOp what is
left, as TVM's pass does. A condition with side effects, or reading a let-bound
variable or the variable of an enclosing attribute scope (a thread index), stays where it
is. The pass runs in phase 2, after StorageRewrite and before
UnrollLoop (which would copy the loops it moves conditions out of); this is where the
guards of split loops move to in TVM's listings (a tile's row guard sits above the
column loop).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..tir import expr as E
from ..tir import stmt as S
from ..tir.analysis import has_side_effect
from ..tir.functor import Mutator, Visitor, post_order_visit
from .pass_infra import PassContext, lowering_pass
from .remove_no_op import remove_no_op
from .simplify import simplify


@lowering_pass("tir.HoistIfThenElse")
def hoist_if_then_else(func):
    """`func` with each `if` hoisted out of the loops its condition does not read."""
    collector = _Collector()
    collector.visit(func.body)
    hoisted = func.with_body(_Hoister(collector.hoists).visit(func.body))
    ctx = PassContext.current()
    for name, cleanup in (("tir.Simplify", simplify), ("tir.RemoveNoOp", remove_no_op)):
        if ctx.pass_enabled(name):      # as in TVM's Sequential, a disabled pass is skipped
            hoisted = cleanup(hoisted)
    return hoisted


@dataclass
class _Loop:
    node: S.Stmt                # a For, or an AttrStmt scoping a variable
    var: E.Var
    is_attr: bool
    sequential: bool = False    # its body (so far) runs a sequence of statements
    conditions: list = field(default_factory=list)    # [(condition, has_else)]


class _Collector(Visitor):
    """Finds, for every `if`, the loop it is re-tested around (TVM's HoistInfoCollector)."""

    def __init__(self):
        self.loops = []         # the enclosing loops, outermost first
        self.let_vars = set()   # variables bound by enclosing lets
        self.hoists = {}        # id(loop node) -> [(condition, has_else)]

    def visit_For(self, node):
        self._loop(_Loop(node, node.loop_var, is_attr=False), node)

    def visit_AttrStmt(self, node):
        scoped = node.node
        var = scoped.var if isinstance(scoped, E.IterVar) else scoped
        if not isinstance(var, E.Var):
            return self.generic_visit(node)
        return self._loop(_Loop(node, var, is_attr=True), node)

    def _loop(self, loop, node):
        self.loops.append(loop)
        self.generic_visit(node)
        self.loops.pop()
        if loop.conditions:
            self.hoists[id(node)] = loop.conditions

    def visit_LetStmt(self, node):
        self.visit(node.value)
        self.let_vars.add(node.var)
        self.visit(node.body)
        self.let_vars.discard(node.var)

    def visit_SeqStmt(self, node):
        if self.loops:
            self.loops[-1].sequential = True
        self.generic_visit(node)

    def visit_IfThenElse(self, node):
        self._attempt(node.condition, node.else_case is not None)
        self.generic_visit(node)

    def _attempt(self, condition, has_else):
        if has_side_effect(condition):
            return
        used = set()
        post_order_visit(condition, lambda n: used.add(n) if isinstance(n, E.Var) else None)
        if used & self.let_vars or any(loop.is_attr and loop.var in used
                                       for loop in self.loops):
            return
        target = self._destination(used)
        if target is not None and not target.sequential:
            target.conditions.append((condition, has_else))

    def _destination(self, used):
        """The outermost loop the condition can be tested around, or None."""
        for depth in range(len(self.loops) - 1, -1, -1):
            loop = self.loops[depth]
            if loop.sequential or loop.is_attr or loop.var in used:
                return None if depth == len(self.loops) - 1 else self.loops[depth + 1]
        return self.loops[0] if self.loops else None


class _Hoister(Mutator):
    """Wraps each collected loop in its hoisted conditions (the first one outermost)."""

    def __init__(self, hoists):
        self.hoists = hoists

    def visit_For(self, node):
        return self._wrap(node, self.generic_visit(node))

    def visit_AttrStmt(self, node):
        return self._wrap(node, self.generic_visit(node))

    def _wrap(self, original, stmt):
        for condition, has_else in reversed(self.hoists.get(id(original), ())):
            stmt = S.IfThenElse(condition, stmt, stmt if has_else else None)
        return stmt
