"""The TVMScript printer: what `print(mod)` shows (TVM's `script/printer`, v0.13 text).

`format_module(IRModule)` gives the whole listing (header comments, `@I.ir_module`,
one `@T.prim_func` per function with every attribute, `global_symbol` included);
`format_stmt` and `format_expr` print a fragment (used by node reprs). Expression
text is in `printer_expr`, statements and frames in `printer_stmt`, naming and the
lazy declaration sites in `printer_scope`; this module prints functions and the
declarations of parameters and undefined buffers and variables.
"""
from __future__ import annotations

from . import expr as E
from .depth import deep_ir_step
from .printer_expr import quote
from .printer_scope import Scope, common_paths, sanitize
from .printer_stmt import Line, StmtPrinter, render

_DEFAULT_ALIGN = 64


class _Printer(StmtPrinter):
    def __init__(self, paths=None):
        self.metadata = {}
        self.scope = Scope(paths or {})
        self.sugared = set()        # ids of parameter buffers printed in the signature

    # -- lazily declared variables and buffers ------------------------------------------

    def var_doc(self, var):
        text = self.scope.doc(var)
        if text is not None:
            return text
        frame = self.scope.lowest_frame(var)
        if frame is None:           # a bare expression: print the name as is
            return sanitize(var.name)
        name = self.scope.define(var, var.name, frame)
        frame.stmts.append(Line(f"{name} = {self._var_creation(var)}"))
        return name

    @staticmethod
    def _var_creation(var):
        ann = var.type_annotation
        if ann is not None:
            return f"T.handle({quote(ann.element_dtype)}, {quote(ann.storage_scope)})"
        kwargs = "is_size_var=True" if isinstance(var, E.SizeVar) else ""
        return f"T.{var.dtype}({kwargs})"

    def buffer_doc(self, buf):
        text = self.scope.doc(buf)
        if text is not None:
            return text
        frame = self.scope.lowest_frame(buf)
        if frame is None:
            return sanitize(buf.name)
        name = self.scope.define(buf, buf.name, frame)
        frame.stmts.append(Line(f"{name} = T.Buffer({self.buffer_attrs(buf, name, frame)})"))
        return name

    def buffer_attrs(self, buf, name, frame, with_data=True, dtype_always=False):
        """TVM's BufferAttrs: shape, dtype (unless the default float32), then the
        non-default keywords. Variables of the shape not yet defined are declared on one
        line before the buffer's (`m, n = T.int32(), T.int32()`); a stride or offset
        variable used once by the buffer is defined by it (printed "stride", later
        `name.strides[0]`)."""
        uses = _var_uses(buf)
        new_vars = []
        for extent in buf.shape:
            if self._is_new_var(extent) and extent not in new_vars:
                new_vars.append(extent)
        for var in new_vars:
            self.scope.define(var, var.name, frame)
        args = [self._tuple(buf.shape)]
        if buf.dtype != "float32" or dtype_always:
            args.append(quote(buf.dtype))
        data = self.scope.doc(buf.data)
        if data is None:            # the buffer owns its pointer: later uses print name.data
            self.scope.define_doc(buf.data, f"{name}.data", frame)
        elif with_data:
            args.append(f"data={data}")
        if buf.strides:
            strides = [self._owned_var(s, f"{name}.strides[{i}]", uses, new_vars, frame)
                       for i, s in enumerate(buf.strides)]
            args.append("strides=(" + ", ".join(strides) + ("," if len(strides) == 1 else "")
                        + ")")
        offset_factor = buf.offset_factor != 1
        if self._is_new_var(buf.elem_offset):
            self.scope.define_doc(buf.elem_offset, f"{name}.elem_offset", frame)
            offset_factor = True
        elif not (isinstance(buf.elem_offset, E.IntImm) and buf.elem_offset.value == 0):
            args.append(f"elem_offset={self.expr(buf.elem_offset)}")
        if buf.scope != "global":
            args.append(f"scope={quote(buf.scope)}")
        if buf.data_alignment != _DEFAULT_ALIGN:
            args.append(f"align={buf.data_alignment}")
        if offset_factor:
            args.append(f"offset_factor={buf.offset_factor}")
        if buf.buffer_type != "default":
            args.append('buffer_type="auto"')
        if new_vars:
            lhs = ", ".join(self.scope.doc(v) for v in new_vars)
            rhs = ", ".join(self._var_creation(v) for v in new_vars)
            frame.stmts.append(Line(f"{lhs} = {rhs}"))
        return ", ".join(args)

    def _is_new_var(self, expr):
        return isinstance(expr, E.Var) and self.scope.doc(expr) is None

    def _owned_var(self, expr, doc, uses, new_vars, frame):
        """A stride: a new variable used once by its buffer is defined as `doc` and
        printed as its quoted name; one used more often is declared out of line."""
        if not self._is_new_var(expr):
            return self.expr(expr)
        if uses[expr] == 1:
            self.scope.define_doc(expr, doc, frame)
            return quote(expr.name)
        new_vars.append(expr)
        self.scope.define(expr, expr.name, frame)
        return self.expr(expr)

    def _tuple(self, items):
        texts = [self.expr(x) for x in items]
        return "(" + ", ".join(texts) + ("," if len(texts) == 1 else "") + ")"

    # -- functions --------------------------------------------------------------------

    def function(self, name, func):
        frame = self.scope.push(func)
        params = [self._param(func, p, frame) for p in func.params]
        if func.attrs:
            frame.stmts.append(Line(f"T.func_attr({self.attr_value(func.attrs)})"))
        for p in func.params:
            self._match_buffer(func, p, frame)
        self.body(func.body, frame)
        self.scope.pop()
        decorator = "@T.prim_func" if "global_symbol" in func.attrs \
            else "@T.prim_func(private=True)"
        header = [decorator, f"def {name}({', '.join(params)}):"]
        return header + render(frame.stmts, 1)

    def _param(self, func, var, frame):
        buf = func.buffer_map.get(var)
        if buf is not None and _is_simple(buf) and _data_unshared(func, buf) \
                and _param_unused(func, var, buf):
            self.sugared.add(id(buf))
            name = self.scope.define(buf, buf.name, frame)
            # TVM's BufferAttn: a signature annotation always names the dtype
            attrs = self.buffer_attrs(buf, name, frame, with_data=False, dtype_always=True)
            return f"{name}: T.Buffer({attrs})"
        name = self.scope.define(var, var.name, frame)
        return f"{name}: {self.type_doc(var) if var.dtype != 'handle' else 'T.handle'}"

    def _match_buffer(self, func, var, frame):
        buf = func.buffer_map.get(var)
        if buf is None or id(buf) in self.sugared:
            return
        name = self.scope.define(buf, buf.name, frame)
        attrs = self.buffer_attrs(buf, name, frame, with_data=False)
        frame.stmts.append(Line(f"{name} = T.match_buffer({self.var_doc(var)}, {attrs})"))

    def attr_value(self, v):
        """Function and annotation attribute values: dicts sorted by key, T.bool(...)."""
        if isinstance(v, bool):
            return f"T.bool({v})"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return quote(v)
        if isinstance(v, dict):
            items = sorted(v.items(), key=lambda kv: kv[0])
            return "{" + ", ".join(f"{self.attr_value(k)}: {self.attr_value(x)}"
                                   for k, x in items) + "}"
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(self.attr_value(x) for x in v) + "]"
        if isinstance(v, E.PrimExpr):
            return self.expr(v)
        return quote(str(v))


def _var_uses(buf):
    """How often each variable occurs in the buffer's offset, data, strides and shape."""
    from collections import Counter
    from .functor import post_order_visit
    uses = Counter()
    for part in (buf.elem_offset, buf.data, *buf.strides, *buf.shape):
        post_order_visit(part, lambda n: uses.update([n]) if isinstance(n, E.Var) else None)
    return uses


def _is_simple(buf):
    """TVM's IsSimpleBuffer: constant shape, no strides or offset, global, defaults."""
    return (not buf.strides and all(isinstance(s, E.IntImm) for s in buf.shape)
            and isinstance(buf.elem_offset, E.IntImm) and buf.elem_offset.value == 0
            and buf.scope == "global" and buf.data_alignment == _DEFAULT_ALIGN
            and buf.offset_factor == 1 and buf.buffer_type == "default")


def _data_unshared(func, buf):
    return sum(1 for b in func.buffer_map.values() if b.data is buf.data) == 1


def _param_unused(func, var, buf):
    """The parameter var itself occurs only in `params` and `buffer_map` (when it is
    not also the buffer's data pointer, whose uses print as `name.data`)."""
    if var is buf.data:
        return True
    from .functor import post_order_visit
    uses = []
    post_order_visit(func.body, lambda n: uses.append(n) if n is var else None)
    return not uses


HEADER_IR = "# from tvm.script import ir as I"
HEADER_TIR = "# from tvm.script import tir as T"
METADATA_OMITTED = "# Metadata omitted. Use show_meta=True in script() method to show it."


def format_module(mod):
    """The TVMScript text of an IRModule, as `print(mod)` in TVM."""
    with deep_ir_step("printing the module"):
        return _format_module(mod)


def _format_module(mod):
    lines = [HEADER_IR, HEADER_TIR, "", "@I.ir_module", "class Module:"]
    names = sorted(mod.functions, key=lambda n: (n == "main", n))
    metadata = {}
    for i, name in enumerate(names):
        func = mod.functions[name]
        if i:
            lines.append("")
        parts = (func.params, func.body, tuple(x for kv in func.buffer_map.items() for x in kv))
        printer = _Printer(common_paths(func, parts))
        printer.metadata = metadata
        lines.extend("    " + line for line in printer.function(name, func))
    if metadata:
        lines += ["", METADATA_OMITTED]
    return "\n".join(line.rstrip() for line in lines)


def format_stmt(stmt):
    """A statement's TVMScript lines (undefined names declared at the top)."""
    root = object()
    printer = _Printer(common_paths(root, (stmt,)))
    frame = printer.scope.push(root)
    printer.body(stmt, frame)
    return "\n".join(render(frame.stmts))


def format_expr(expr):
    """An expression's TVMScript text, e.g. `i1 * 3136 + i2 * 224 + i3 * 16 + i5 - 240`."""
    return _Printer().expr(expr)
