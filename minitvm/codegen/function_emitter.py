"""Statements to Python source: the walker that writes a function body.

Every `For` is first offered to the vectorizer (region -> dependence plan -> numpy
statements); a loop it refuses becomes a Python `for` loop, with the reason in a
comment, and its body is walked the same way, so inner nests still vectorize.
Loop ranges and lets in scope are kept in the context's Analyzer, which proves
indices in range (no runtime check needed) and feeds the dependence analysis.
"""
from __future__ import annotations

import math

from ..tir import expr as E
from ..tir.functor import Visitor
from .context import np_dtype
from .dependence import plan_region
from .region import Refused, collect_region
from .scalar_expr import ScalarEmitter
from .vector_stmt import emit_region


class FunctionEmitter(Visitor):
    """Writes the statements of a function body into `ctx.out`."""

    def __init__(self, ctx, vectorize=True):
        self.ctx = ctx
        self.vectorize = vectorize
        self.out = ctx.out
        self.expr = ScalarEmitter(ctx)

    def body(self, stmt):
        """Emit `stmt` as an indented block (with `pass` if it produced nothing)."""
        self.out.indent()
        before = len(self.out.lines)
        self.visit(stmt)
        if len(self.out.lines) == before:
            self.out.line("pass")
        self.out.dedent()

    def generic_visit(self, node):
        raise self.ctx.error(f"cannot run a {type(node).__name__} statement on the host; "
                             f"lower and flatten the function first")

    def visit_SeqStmt(self, s):
        for child in s.seq:
            self.visit(child)

    def visit_For(self, s):
        if self.vectorize:
            try:
                plans = plan_region(collect_region(s), self.ctx.analyzer)
            except Refused as why:
                self.out.line(f"# loop {s.loop_var.name} runs in Python: {why}")
            else:
                emit_region(self.ctx, s, plans)
                return
        name = self.ctx.namer.name(s.loop_var)
        ranges = self.ctx.analyzer.ranges
        if isinstance(s.min, E.IntImm) and isinstance(s.extent, E.IntImm):
            lo, hi = s.min.value, s.min.value + s.extent.value
            self.out.line(f"for {name} in range({lo}, {hi}):")
            ranges[s.loop_var] = (lo, hi - 1)
        else:
            lo, extent = self.expr.emit(s.min), self.expr.emit(s.extent)
            self.out.line(f"for {name} in range({lo}, {lo} + {extent}):")
        self.ctx.defined.add(s.loop_var)
        self.body(s.body)
        ranges.pop(s.loop_var, None)
        self.ctx.defined.discard(s.loop_var)

    def visit_While(self, s):
        self.out.line(f"while {self.expr.emit(s.condition)}:")
        self.body(s.body)

    def visit_LetStmt(self, s):
        self.out.line(f"{self.ctx.namer.name(s.var)} = {self.expr.emit(s.value)}")
        self.ctx.analyzer.lets[s.var] = s.value
        self.ctx.defined.add(s.var)
        self.visit(s.body)
        self.ctx.analyzer.lets.pop(s.var, None)
        self.ctx.defined.discard(s.var)

    def visit_IfThenElse(self, s):
        self.out.line(f"if {self.expr.emit(s.condition)}:")
        self.body(s.then_case)
        if s.else_case is not None:
            self.out.line("else:")
            self.body(s.else_case)

    def visit_Allocate(self, s):
        sizes = [self.expr.emit(e) for e in s.extents]
        static = all(isinstance(e, E.IntImm) for e in s.extents)
        size = math.prod(e.value for e in s.extents) if static else None
        name = self.ctx.declare_memory(s.buffer_var, s.dtype, size)
        count = str(size) if static else " * ".join(f"({t})" for t in sizes)
        self.out.line(f"{name} = np.zeros({count}, dtype={np_dtype(s.dtype)})")
        self.visit(s.body)
        self.ctx.memory.pop(s.buffer_var)

    def visit_AttrStmt(self, s):
        self.visit(s.body)

    def visit_AssertStmt(self, s):
        self.out.line(f"if not {self.expr.emit(s.condition)}:")
        self.out.indent()
        self.out.line(f"raise AssertionError({self.expr.emit(s.message)})")
        self.out.dedent()
        self.visit(s.body)

    def visit_Evaluate(self, s):
        if not isinstance(s.value, (E.IntImm, E.FloatImm)):
            self.out.line(self.expr.emit(s.value))

    def visit_BufferStore(self, s):
        mem = self.ctx.memory_of(s.buffer)
        index = self.expr.index(s.buffer, s.indices)
        self.out.line(f"{mem.name}[{index}] = {self.expr.emit(s.value)}")
