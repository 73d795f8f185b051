"""TVMScript text of statements (TVM's `script/printer/tir/{stmt,for_loop,buffer}.cc`).

Statements print into the innermost open frame as docs: `Line(text)` or
`Block(header, body)`. Scoping constructs (let, attr, allocate) open a frame for
their body; when the construct is the last statement of its parent's body (or the
whole body), it prints "concisely": its own line goes to the front of its frame's
lines and those are spliced into the parent (`x = T.allocate(...)`, `T.attr(...)`,
`cse_var_1: T.int32 = ...`); otherwise it prints as a `with ...:` block. A serial
loop nest from 0 with independent extents prints as one `T.grid`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import List

from . import expr as E
from . import stmt as S
from .analysis import uses_any_var
from .printer_expr import ExprPrinter, quote


@dataclass
class Line:
    text: str


@dataclass
class Block:
    header: str
    body: List = field(default_factory=list)


@dataclass
class Splice:
    """Docs to insert in place (a concise construct's frame)."""
    docs: List


def render(docs, indent=0, out=None):
    """Lines of text for `docs`, indented by 4 spaces per level."""
    out = [] if out is None else out
    pad = "    " * indent
    for d in docs:
        if isinstance(d, Line):
            out.append(pad + d.text)
        else:
            out.append(pad + d.header)
            render(d.body or [Line("T.evaluate(0)")], indent + 1, out)
    return out


_KIND_PREFIX = {S.ForKind.PARALLEL: "T.parallel", S.ForKind.UNROLLED: "T.unroll",
                S.ForKind.VECTORIZED: "T.vectorized", S.ForKind.THREAD_BINDING: "T.thread_binding"}


class StmtPrinter(ExprPrinter):
    """Mixin: prints statements into `self.scope` frames; needs `define_lazily` hooks."""

    # -- bodies -----------------------------------------------------------------------

    def body(self, stmt, frame):
        """TVM's AsDocBody: a sequence prints in place; only its last element is concise."""
        items = stmt.seq if isinstance(stmt, S.SeqStmt) else (stmt,)
        for i, item in enumerate(items):
            frame.concise = i == len(items) - 1
            doc = self.stmt(item)
            if isinstance(doc, Splice):
                frame.stmts.extend(doc.docs)
            else:
                frame.stmts.append(doc)

    def stmt(self, s):
        method = getattr(self, "_stmt_" + type(s).__name__, None)
        if method is None:
            raise TypeError(f"the TVMScript printer cannot print a {type(s).__name__} statement")
        return method(s)

    def _concise(self):
        return bool(self.scope.frames) and self.scope.frames[-1].concise

    def _scoped(self, tir, header_line, with_header, body):
        """Print `body` in a new frame; concise form or a `with` block."""
        concise = self._concise()
        frame = self.scope.push(tir)
        try:
            self.body(body, frame)
        finally:
            self.scope.pop()
        if concise:
            return Splice([Line(header_line)] + frame.stmts)
        return Block(with_header, frame.stmts)

    # -- statements -------------------------------------------------------------------

    def _stmt_BufferStore(self, s):
        buf = self.buffer_doc(s.buffer)
        value = self.expr(s.value)
        return Line(f"{buf}[{self.indices(s.indices)}] = {value}")

    def _stmt_Evaluate(self, s):
        text = self.expr(s.value)
        return Line(text if isinstance(s.value, E.Call) else f"T.evaluate({text})")

    def _stmt_LetStmt(self, s):
        concise = self._concise()
        value = self.expr(s.value)
        frame = self.scope.push(s)
        try:
            defined = self.scope.doc(s.var) is not None
            name = self.scope.define_var(s.var, frame)
            self.body(s.body, frame)
        finally:
            self.scope.pop()
        if defined:     # a var bound again (or used before its let): TVM's `var=` form
            return Block(f"with T.LetStmt({value}, var={name}):", frame.stmts)
        if concise:
            return Splice([Line(f"{name}: {self.type_doc(s.var)} = {value}")] + frame.stmts)
        return Block(f"with T.LetStmt({value}) as {name}:", frame.stmts)

    def _stmt_AttrStmt(self, s):
        if s.attr_key in ("thread_extent", "virtual_thread") and isinstance(s.node, E.IterVar):
            return self._launch_thread(s)
        node = self.attr_node(s.node)
        call = f"T.attr({node}, {quote(s.attr_key)}, {self.expr(s.value)})"
        return self._scoped(s, call, f"with {call}:", s.body)

    def _launch_thread(self, s):
        """TVM's DocsifyLaunchThread: a launch that encloses every use of its thread var
        defines it (`blockIdx_x = T.launch_thread("blockIdx.x", n)`); otherwise the var is
        declared by `T.env_thread` where its uses meet, and launched by name."""
        iv = s.node
        if self.scope.doc(iv.var) is not None or not self._encloses_all_uses(s, iv.var):
            call = f"T.launch_thread({self.env_thread(iv)}, {self.expr(s.value)})"
            return self._scoped(s, call, f"with {call}:", s.body)
        call = f"T.launch_thread({quote(iv.thread_tag)}, {self.expr(s.value)})"
        concise = self._concise()
        frame = self.scope.push(s)
        try:
            name = self.scope.define(iv.var, iv.var.name, frame)
            self.body(s.body, frame)
        finally:
            self.scope.pop()
        if concise:
            return Splice([Line(f"{name} = {call}")] + frame.stmts)
        return Block(f"with {call} as {name}:", frame.stmts)

    def _encloses_all_uses(self, stmt, var):
        path = self.scope.paths.get(id(var))
        return path is not None and any(node is stmt for node in path)

    def env_thread(self, iv):
        """A thread var is declared `name = T.env_thread("tag")` where its uses meet."""
        name = self.scope.doc(iv.var)
        if name is None:
            frame = self.scope.lowest_frame(iv.var)
            name = self.scope.define(iv.var, iv.var.name, frame)
            frame.stmts.append(Line(f"{name} = T.env_thread({quote(iv.thread_tag)})"))
        return name

    def _stmt_AssertStmt(self, s):
        cond, msg = self.expr(s.condition), self.expr(s.message)
        return self._scoped(s, f"assert {cond}, {msg}", f"with T.Assert({cond}, {msg}):", s.body)

    def _stmt_Allocate(self, s):
        concise = self._concise()
        args = ["[" + ", ".join(self.expr(x) for x in s.extents) + "]", quote(s.dtype),
                quote(_scope_of(s.buffer_var))]
        if not (isinstance(s.condition, E.IntImm) and s.condition.value):
            args.append(self.expr(s.condition))
        if s.annotations:
            args.append("annotations={" + ", ".join(
                f"{quote(k)}: {self.attr_value(v)}" for k, v in s.annotations) + "}")
        name = self.scope.define_var(s.buffer_var, self.scope.frames[-1])
        rhs = f"T.allocate({', '.join(args)})"
        frame = self.scope.push(s)
        try:
            self.body(s.body, frame)
        finally:
            self.scope.pop()
        if concise:
            return Splice([Line(f"{name} = {rhs}")] + frame.stmts)
        return Block(f"with {rhs} as {name}:", frame.stmts)

    def _stmt_IfThenElse(self, s):
        cond = self.expr(s.condition)
        then_docs = self._branch(s.then_case)
        block = Block(f"if {cond}:", then_docs)
        if s.else_case is None:
            return block
        return Splice([block, Block("else:", self._branch(s.else_case))])

    def _branch(self, stmt):
        frame = self.scope.push(stmt)
        try:
            self.body(stmt, frame)
        finally:
            self.scope.pop()
        return frame.stmts

    def _stmt_While(self, s):
        cond = self.expr(s.condition)
        return Block(f"while {cond}:", self._branch(s.body))

    def _stmt_For(self, s):
        grid = self._grid_chain(s)
        frame = self.scope.push(s)
        try:
            if len(grid) > 1:
                names = [self.scope.define_var(g.loop_var, frame) for g in grid]
                extents = [self.expr(g.extent) for g in grid]
                self.body(grid[-1].body, frame)
                header = f"for {', '.join(names)} in T.grid({', '.join(extents)}):"
            else:
                name = self.scope.define_var(s.loop_var, frame)
                header = f"for {name} in {self._loop_range(s)}:"
                self.body(s.body, frame)
        finally:
            self.scope.pop()
        return Block(header, frame.stmts)

    @staticmethod
    def _grid_chain(s):
        grid, loop_vars = [], set()
        loop = s
        while isinstance(loop, S.For):
            if (loop.kind != S.ForKind.SERIAL or not _is_zero(loop.min) or loop.annotations
                    or uses_any_var(loop.extent, loop_vars)):
                break
            grid.append(loop)
            loop_vars.add(loop.loop_var)
            loop = loop.body
        return grid

    def _loop_range(self, s):
        from . import op
        if _is_zero(s.min):
            args = [self.expr(s.extent)]
        else:
            args = [self.expr(s.min), self.expr(op.add(s.min, s.extent))]
        if s.kind == S.ForKind.THREAD_BINDING:
            args.append(f"thread={quote(s.thread_binding.thread_tag)}")
        if s.annotations:
            args.append("annotations={" + ", ".join(
                f"{quote(k)}: {self.attr_value(v)}" for k, v in s.annotations) + "}")
        prefix = _KIND_PREFIX.get(s.kind)
        if prefix is None:
            prefix = "T.serial" if s.annotations else "range"
        return f"{prefix}({', '.join(args)})"

    def _stmt_ProducerStore(self, s):
        name = getattr(s.producer, "name", "tensor")
        indices = ", ".join(self.expr(i) for i in s.indices)
        return Line(f"{name}[{indices}] = {self.expr(s.value)}")

    def _stmt_ProducerRealize(self, s):
        name = getattr(s.producer, "name", "tensor")
        bounds = ", ".join(f"({self.expr(r.min)}, {self.expr(r.extent)})" for r in s.bounds)
        header = f"T.realize({name}[{bounds}], {quote(s.storage_scope)})"
        return self._scoped(s, header, f"with {header}:", s.body)

    def _stmt_BufferRealize(self, s):
        buf = self.buffer_doc(s.buffer)
        bounds = ", ".join(f"{self.expr(r.min)}:{self.expr(r.min + r.extent)}" for r in s.bounds)
        header = f"T.realize({buf}[{bounds}], \"\")"
        return self._scoped(s, header, f"with {header}:", s.body)

    # -- pieces -----------------------------------------------------------------------

    def attr_node(self, node):
        if isinstance(node, E.IterVar):
            return self.iter_var(node)
        if isinstance(node, E.CommReducer):     # a cross-thread reduction's reduce_scope
            return self.comm_reducer(node)
        if isinstance(node, (E.PrimExpr,)):
            return self.expr(node)
        if hasattr(node, "data") and hasattr(node, "shape"):
            return self.buffer_doc(node)
        if isinstance(node, tuple):
            return "[" + ", ".join(self.attr_node(n) for n in node) + "]"
        if isinstance(node, str):
            return quote(node)
        return quote(getattr(node, "name", type(node).__name__))

    def type_doc(self, var):
        ann = var.type_annotation
        if ann is not None:
            return f"T.handle({quote(ann.element_dtype)}, {quote(ann.storage_scope)})"
        return f"T.{var.dtype}"


def _is_zero(e):
    return isinstance(e, E.IntImm) and e.value == 0


def _scope_of(var):
    ann = var.type_annotation
    return ann.storage_scope if ann is not None else "global"

