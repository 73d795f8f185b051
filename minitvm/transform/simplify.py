"""Simplify: rewrites every expression of a function into the simplifier's normal form
(TVM's `tir.transform.Simplify`).

Loop variables are bound to their ranges (and a `thread_extent`/`virtual_thread`
attribute binds its thread variable) so bounds can decide divisions, min/max and
conditions; integer lets with a pure value are inlined and dropped (the extent-1
axes that loop-nest building emits as `LetStmt(i0, 0)` disappear here); an `if`
whose condition is provable keeps only the taken branch; `A[i] = A[i]` becomes a
no-op. It runs after flattening, so indices reach CSE as
`i1 * 3136 + i2 * 224 + i3 * 16 + i5 - 240`.
"""
from __future__ import annotations

from contextlib import ExitStack, contextmanager

from ..arith import Analyzer, memo
from ..tir import dtype as dt
from ..tir import expr as E
from ..tir import op
from ..tir import stmt as S
from ..tir.analysis import expr_deep_equal, has_side_effect
from ..tir.functor import Mutator
from .simplify_fixpoints import FIXPOINTS

_NO_OP = S.Evaluate(op.const(0))


def simplify(func):
    """`func` with every expression simplified (TVM's tir.transform.Simplify)."""
    fixpoints = FIXPOINTS if memo.enabled() else None
    return func.with_body(StmtSimplifier(Analyzer(), fixpoints).visit(func.body))


def _unlikely(cond):
    """What a condition asserts: `likely(c)` asserts `c` (TVM's IRMutatorWithAnalyzer)."""
    if isinstance(cond, E.Call) and cond.op == "tir.likely":
        return cond.args[0]
    return cond


def _can_inline(value):
    if isinstance(value, (E.IntImm, E.FloatImm, E.Var)):
        return True
    return dt.is_int(value.dtype) and not has_side_effect(value)


class StmtSimplifier(Mutator):
    """Statement walk that keeps the analyzer informed of the enclosing scopes.

    With `fixpoints` (simplify_fixpoints.Fixpoints), a statement or expression that
    Simplify returned in the same chain of scopes, and would return unchanged there, is
    returned at once; `context` numbers the chain of scopes entered, each named by what
    it tells the analyzer."""

    def __init__(self, analyzer, fixpoints=None):
        self.analyzer = analyzer
        self.fixpoints = fixpoints
        self.context = 0

    def visit(self, node):
        fixpoints = self.fixpoints
        if isinstance(node, E.PrimExpr):
            if fixpoints is None:
                return self.analyzer.simplify(node)
            return self._expr(node)
        if fixpoints is None:
            return Mutator.visit(self, node)
        if fixpoints.holds(self.context, node):
            return node
        result = Mutator.visit(self, node)
        if result is node:
            fixpoints.add(self.context, node)
        return result

    def _expr(self, node):
        """`node` simplified, through the store of fixpoints: a result that would simplify
        to itself here is stored, so a later Simplify meeting it here returns it."""
        fixpoints = self.fixpoints
        if fixpoints.holds(self.context, node):
            return node
        result, settled = self.analyzer.simplify_settled(node)
        if result is not node:
            # An expression simplified to its own structure stays the same object,
            # so that its statement is found unchanged.
            key = self.analyzer.interner.key
            result = node if key(result) == key(node) else result
        if settled or result is node:
            fixpoints.add(self.context, result)
        return result

    @contextmanager
    def _scope(self, *entry):
        """Visits inside the block are in the scope `entry` names."""
        outer = self.context
        if self.fixpoints is not None:
            self.context = self.fixpoints.enter(outer, entry)
        try:
            yield
        finally:
            self.context = outer

    def visit_For(self, s):
        self.analyzer.bind(s.loop_var, E.Range(s.min, s.extent), allow_override=True)
        with ExitStack() as stack:
            stack.enter_context(self._scope("for", s.loop_var, s.min, s.extent))
            stack.enter_context(self.analyzer.constraint_scope(
                op.greater_equal(s.loop_var, s.min)))
            stack.enter_context(self.analyzer.constraint_scope(
                op.less(s.loop_var, op.add(s.min, s.extent))))
            return self.generic_visit(s)

    def visit_AttrStmt(self, s):
        if s.attr_key in ("thread_extent", "virtual_thread") and isinstance(s.node, E.IterVar):
            self.analyzer.bind(s.node.var, E.Range(op.const(0, s.value.dtype), s.value),
                               allow_override=True)
            with self._scope("thread", s.node.var, s.value):
                return self.generic_visit(s)
        return self.generic_visit(s)

    def visit_LetStmt(self, s):
        value = self.visit(s.value)
        inline = _can_inline(s.value)
        if not inline:
            body = self.visit(s.body)
            if value is s.value and body is s.body:
                return s
            return S.LetStmt(s.var, value, body)
        # The let vanishes and its variable is replaced by its value below, so a later
        # Simplify meets what this returns outside any let: an inlined let opens no
        # scope (what is stored below mentions its variable nowhere Simplify rewrites).
        self.analyzer.bind(s.var, value, allow_override=True)
        return self.visit(s.body)

    def visit_IfThenElse(self, s):
        cond = self.analyzer.simplify(s.condition)
        if isinstance(cond, E.IntImm):
            if cond.value:
                return self.visit(s.then_case)
            return self.visit(s.else_case) if s.else_case is not None else _NO_OP
        with self.analyzer.constraint_scope(_unlikely(cond)), \
                self._scope("then", s.condition):
            then_case = self.visit(s.then_case)
        else_case = None
        if s.else_case is not None:
            negation = self.analyzer.rewrite_simplify(E.Not(cond))
            with self.analyzer.constraint_scope(negation), self._scope("else", s.condition):
                else_case = self.visit(s.else_case)
        if cond is s.condition and then_case is s.then_case and else_case is s.else_case:
            return s
        return S.IfThenElse(cond, then_case, else_case)

    def visit_AssertStmt(self, s):
        cond = self.visit(s.condition)
        message = self.visit(s.message)
        with self.analyzer.constraint_scope(cond), self._scope("assert", s.condition):
            body = self.visit(s.body)
        if cond is s.condition and message is s.message and body is s.body:
            return s
        return S.AssertStmt(cond, message, body)

    def visit_BufferStore(self, s):
        s = self.generic_visit(s)
        load = s.value
        if (isinstance(load, E.BufferLoad) and load.buffer.data is s.buffer.data
                and len(load.indices) == len(s.indices)
                and all(expr_deep_equal(a, b) for a, b in zip(load.indices, s.indices))
                and expr_deep_equal(load.buffer.elem_offset, s.buffer.elem_offset)):
            return _NO_OP
        return s

