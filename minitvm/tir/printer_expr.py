"""TVMScript text of expressions (TVM's `script/printer/tir/expr.cc`, Python doc printer).

Each expression prints as `(text, precedence)`; a child is parenthesized when its
precedence is lower than its parent's (left operand) or lower-or-equal (right
operand), as `PythonDocPrinter::PrintChildExpr` does, so left-nested chains print
flat: `a + b - 240`, `1 <= i2 and i2 < 15`. Variables and buffers print through
`self.var_doc(...)`, which the statement printer backs with its scoped name table.
"""
from __future__ import annotations

from . import expr as E
from . import op

ATOM = 15
# Python precedences of the operators TVMScript uses.
PREC = {"or": 3, "and": 4, "not": 5, "<": 6, "<=": 6, ">": 6, ">=": 6, "==": 6, "!=": 6,
        "+": 11, "-": 11, "*": 12, "/": 12, "//": 12, "%": 12}

# Node class -> (Python operator, constructor that must not fold for the sugar to apply).
_SUGAR = {E.Add: ("+", op.add), E.Sub: ("-", op.sub), E.Mul: ("*", op.mul),
          E.FloorDiv: ("//", op.floordiv), E.FloorMod: ("%", op.floormod),
          E.LT: ("<", op.less), E.LE: ("<=", op.less_equal), E.GT: (">", op.greater),
          E.GE: (">=", op.greater_equal), E.EQ: ("==", op.equal), E.NE: ("!=", op.not_equal),
          E.And: ("and", op.logical_and), E.Or: ("or", op.logical_or)}
_SUGAR_NAMES = {E.Add: "Add", E.Sub: "Sub", E.Mul: "Mul", E.FloorDiv: "FloorDiv",
                E.FloorMod: "FloorMod", E.LT: "LT", E.LE: "LE", E.GT: "GT", E.GE: "GE",
                E.EQ: "EQ", E.NE: "NE", E.And: "And", E.Or: "Or"}
_CALLS = {E.Min: "T.min", E.Max: "T.max", E.Mod: "T.truncmod", E.Div: "T.Div"}
# Builtins whose dtype is printed as the first argument (TScriptDtypePrintLocation).
DTYPE_FIRST = {"tir.call_extern", "tir.call_pure_extern", "tir.call_llvm_intrin",
               "tir.call_llvm_pure_intrin", "tir.type_annotation", "tir.reinterpret"}
ITER_TYPE_NAMES = E.IterVarType.NAMES


def literal_float(value):
    """A float as TVM's doc printer writes it (a C++ stream at precision 17, i.e.
    `%.17g`: `2`, `0.5`, `0.10000000000000001`, `1e+20`); inf and nan quoted."""
    if value != value or value in (float("inf"), float("-inf")):
        return quote(str(value))
    return f"{value:.17g}"


# Builtins TVM registers with a TScriptPrinterName other than their own name.
_PRINTER_NAMES = {"tir.tvm_call_packed": "T.call_packed",
                  "tir.tvm_call_packed_lowered": "T.call_packed_lowered"}


def call_name(op_name):
    """`T.<short>` for builtins registered with a printer name, else `T.<full op name>`."""
    if op_name in _PRINTER_NAMES:
        return _PRINTER_NAMES[op_name]
    rest = op_name[4:] if op_name.startswith("tir.") else None
    if rest is not None and "." not in rest:
        return "T." + rest
    return "T." + op_name


class ExprPrinter:
    """Mixin: `expr(e) -> text`; needs `var_doc(var)` and `buffer_doc(buffer)`, and a
    `metadata` dict (kind -> nodes printed as references)."""

    def expr(self, e):
        return self.expr_prec(e)[0]

    def expr_prec(self, e):
        cls = type(e)
        for klass in cls.__mro__:
            if klass in _SUGAR:
                return self._binary(e, klass)
        method = getattr(self, "_expr_" + _kind_name(cls), None)
        if method is None:
            raise TypeError(f"the TVMScript printer cannot print a {cls.__name__} expression")
        return method(e)

    def _binary(self, e, klass):
        symbol, build = _SUGAR[klass]
        a, b = self.expr_prec(e.a), self.expr_prec(e.b)
        try:
            folded = build(e.a, e.b)
        except (TypeError, ZeroDivisionError):  # operands the constructor refuses
            folded = e
        if not isinstance(folded, klass):
            return f"T.{_SUGAR_NAMES[klass]}({a[0]}, {b[0]})", ATOM
        prec = PREC[symbol]
        left = f"({a[0]})" if a[1] < prec else a[0]
        right = f"({b[0]})" if b[1] <= prec else b[0]
        return f"{left} {symbol} {right}", prec

    def _call(self, name, args):
        return f"{name}({', '.join(args)})", ATOM

    def _expr_IntImm(self, e):
        if e.dtype == "int32":
            return str(e.value), ATOM
        if e.dtype == "bool":
            return f"T.bool({bool(e.value)})", ATOM
        return f"T.{e.dtype}({e.value})", ATOM

    def _expr_FloatImm(self, e):
        return f"T.{e.dtype}({literal_float(e.value)})", ATOM

    def _expr_StringImm(self, e):
        if "\n" in e.value:        # TVM prints multi-line strings as metadata references
            return self.metadata_ref("tir.StringImm", e), ATOM
        return quote(e.value), ATOM

    def metadata_ref(self, key, node):
        """`metadata["<key>"][k]`: the k-th node of its kind the printout leaves out."""
        nodes = self.metadata.setdefault(key, [])
        if not any(n is node for n in nodes):
            nodes.append(node)
        return f"metadata[{quote(key)}][{next(k for k, n in enumerate(nodes) if n is node)}]"

    def _expr_Var(self, e):
        return self.var_doc(e), ATOM

    def _expr_Not(self, e):
        text, prec = self.expr_prec(e.a)
        if isinstance(e.a, (E.IntImm, E.FloatImm, E.StringImm)):
            return self._call("T.Not", [text])
        return "not " + (f"({text})" if prec < PREC["not"] else text), PREC["not"]

    def _expr_MinMaxDivMod(self, e):
        return self._call(_CALLS[_base(type(e))], [self.expr(e.a), self.expr(e.b)])

    _expr_Min = _expr_Max = _expr_Mod = _expr_Div = _expr_MinMaxDivMod

    def _expr_Cast(self, e):
        return self._call("T.Cast", [quote(e.dtype), self.expr(e.value)])

    def _expr_Select(self, e):
        return self._call("T.Select", [self.expr(e.condition), self.expr(e.true_value),
                                       self.expr(e.false_value)])

    def _expr_Ramp(self, e):
        return self._call("T.Ramp", [self.expr(e.base), self.expr(e.stride), str(e.lanes)])

    def _expr_Broadcast(self, e):
        return self._call("T.Broadcast", [self.expr(e.value), str(e.lanes)])

    def _expr_Let(self, e):
        var, value = self.var_doc(e.var), self.expr(e.value)
        return f"T.Let({self.expr(e.body)}, where={{{var}: {value}}})", ATOM

    def _expr_Call(self, e):
        name = call_name(e.op)
        args = [quote(e.dtype)] if e.op in DTYPE_FIRST else []
        args += [self.expr(a) for a in e.args]
        return self._call(name, args)

    def _expr_BufferLoad(self, e):
        return f"{self.buffer_doc(e.buffer)}[{self.indices(e.indices)}]", ATOM

    def indices(self, indices):
        """A buffer access's indices; a ramp of constant stride prints as the slice
        `base:base + lanes * stride[:stride]` (TVM's BufferIndices)."""
        return ", ".join(self._slice(i) if isinstance(i, E.Ramp)
                         and isinstance(i.stride, E.IntImm) else self.expr(i) for i in indices)

    def _slice(self, ramp):
        stop = op.add(ramp.base, op.mul(op.const(ramp.lanes, ramp.stride.dtype), ramp.stride))
        text = f"{self.expr(ramp.base)}:{self.expr(stop)}"
        return text if ramp.stride.value == 1 else f"{text}:{self.expr(ramp.stride)}"

    def _expr_ProducerLoad(self, e):
        name = getattr(e.producer, "name", "tensor")
        return f"{name}[{', '.join(self.expr(i) for i in e.indices)}]", ATOM

    def _expr_Reduce(self, e):
        keywords = [("source", self._list(e.source)), ("init", self._list(e.init)),
                    ("axis", "[" + ", ".join(self.iter_var(iv) for iv in e.axis) + "]"),
                    ("condition", self.expr(e.condition)), ("value_index", str(e.value_index))]
        return self._call("T.reduce", [self.comm_reducer(e.combiner)]
                          + [f"{key}={text}" for key, text in keywords])

    def comm_reducer(self, r):
        """`T.comm_reducer(lambda x, y: x + y, [T.float32(0)])`: the combining function
        over the accumulators then the new values, and the identity elements."""
        frame = self.scope.push(r)      # the lambda's parameters live in its own frame
        try:
            params = ", ".join(self.scope.define(v, v.name, frame) for v in (*r.lhs, *r.rhs))
            results = [self.expr(x) for x in r.result]
        finally:
            self.scope.pop()
        body = results[0] if len(results) == 1 else "(" + ", ".join(results) + ")"
        return self._call("T.comm_reducer", [f"lambda {params}: {body}",
                                             self._list(r.identity_element)])[0]

    def _list(self, items):
        return "[" + ", ".join(self.expr(x) for x in items) + "]"

    def iter_var(self, iv):
        dom = "None" if iv.dom is None else self._call(
            "T.Range", [self.expr(iv.dom.min), self.expr(op.add(iv.dom.extent, iv.dom.min))])[0]
        return self._call("T.iter_var", [self.var_doc(iv.var), dom,
                                         quote(ITER_TYPE_NAMES[iv.iter_type]),
                                         quote(iv.thread_tag)])[0]


def _base(cls):
    for klass in cls.__mro__:
        if klass in _CALLS:
            return klass
    return cls


def _kind_name(cls):
    """The printer method suffix for a node class (SizeVar prints as a Var)."""
    for klass in cls.__mro__:
        if klass.__module__ == E.__name__ and klass.__name__ != "PrimExpr":
            return "Var" if klass is E.SizeVar else klass.__name__
    return cls.__name__


def quote(text):
    """A double-quoted Python string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
