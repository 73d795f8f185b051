"""Structural questions about IR trees: equality, hashing, size and TVM's legacy text.

`expr_deep_equal` is TVM's `ExprDeepEqual` (variables compare by identity); the
simplifier and CSE use it to decide that two expressions are "the same computation".
`structural_equal` additionally maps variables defined inside the compared trees
(loop, let and allocation variables) onto each other, like `tvm.ir.structural_equal`.
`StructuralInterner` gives each distinct structure a small integer, so passes can
use structures as dict keys without re-walking trees. `expr_complexity` and
`legacy_repr` are the two sort keys of CommonSubexprElimTIR.
"""
from __future__ import annotations

from . import expr as E
from . import stmt as S
from .buffer import Buffer

# Fields compared besides the IR children: plain data that must be equal.
_DATA_FIELDS = {
    E.IntImm: ("dtype", "value"), E.FloatImm: ("dtype", "value"), E.StringImm: ("value",),
    E.Cast: ("dtype",), E.Call: ("dtype", "op"), E.Ramp: ("lanes",), E.Broadcast: ("lanes",),
    E.Reduce: ("value_index",), S.For: ("kind",), S.AttrStmt: ("attr_key",),
    S.Allocate: ("dtype",), S.ProducerRealize: ("storage_scope",),
}
# Fields holding objects that compare by identity only (TE tensors, reducers).
_IDENTITY_FIELDS = {
    E.ProducerLoad: ("producer",), S.ProducerStore: ("producer",),
    S.ProducerRealize: ("producer",), E.Reduce: ("combiner", "axis"),
}
# Fields holding IR, in order (a superset of the functor's CHILDREN: buffers too).
_IR_FIELDS = {
    E.Add: ("a", "b"), E.Sub: ("a", "b"), E.Mul: ("a", "b"), E.Div: ("a", "b"),
    E.Mod: ("a", "b"), E.FloorDiv: ("a", "b"), E.FloorMod: ("a", "b"),
    E.Min: ("a", "b"), E.Max: ("a", "b"), E.EQ: ("a", "b"), E.NE: ("a", "b"),
    E.LT: ("a", "b"), E.LE: ("a", "b"), E.GT: ("a", "b"), E.GE: ("a", "b"),
    E.And: ("a", "b"), E.Or: ("a", "b"), E.Not: ("a",),
    E.Select: ("condition", "true_value", "false_value"), E.Cast: ("value",),
    E.Call: ("args",), E.Let: ("var", "value", "body"), E.Ramp: ("base", "stride"),
    E.Broadcast: ("value",), E.BufferLoad: ("buffer", "indices"),
    E.ProducerLoad: ("indices",), E.Reduce: ("source", "condition", "init"),
    S.LetStmt: ("var", "value", "body"), S.AttrStmt: ("node", "value", "body"),
    S.AssertStmt: ("condition", "message", "body"),
    S.For: ("loop_var", "min", "extent", "body"), S.While: ("condition", "body"),
    S.BufferStore: ("buffer", "value", "indices"),
    S.BufferRealize: ("buffer", "condition", "body"),
    S.ProducerStore: ("value", "indices"), S.ProducerRealize: ("condition", "body"),
    S.Allocate: ("buffer_var", "extents", "condition", "body"),
    S.SeqStmt: ("seq",), S.IfThenElse: ("condition", "then_case", "else_case"),
    S.Evaluate: ("value",),
}
# Variables these nodes define for their body (mapped by `structural_equal`).
_DEFINES = {E.Let: "var", S.LetStmt: "var", S.For: "loop_var", S.Allocate: "buffer_var"}
_BUFFER_FIELDS = ("dtype", "shape", "strides", "elem_offset", "data_alignment", "buffer_type")


def _kind(obj):
    """The IR class an object counts as (`a == b` builds an EqualOp, which is an EQ)."""
    return _kind_of_class(type(obj))


def _kind_of_class(cls):
    return cls.__mro__[1] if cls.__name__ in ("EqualOp", "NotEqualOp") else cls


def _fields(cls, table):
    for klass in cls.__mro__:
        if klass in table:
            return table[klass]
    return ()


class _Equal:
    """One comparison; `var_map` maps lhs variables onto rhs variables."""

    def __init__(self, map_defs, map_free_vars):
        self.map_defs = map_defs
        self.map_free_vars = map_free_vars
        self.var_map = {}

    def __call__(self, a, b):
        if a is b:
            return True
        if isinstance(a, tuple):
            return isinstance(b, tuple) and len(a) == len(b) and all(map(self, a, b))
        if _kind(a) is not _kind(b):
            return False
        if isinstance(a, E.Var):
            return self.var(a, b)
        if isinstance(a, Buffer):
            return self(a.data, b.data) and all(
                self(getattr(a, f), getattr(b, f)) for f in _BUFFER_FIELDS)
        if isinstance(a, E.IterVar):
            return (a.iter_type == b.iter_type and a.thread_tag == b.thread_tag
                    and self(a.var, b.var) and self.range(a.dom, b.dom))
        if isinstance(a, (str, int, float)):
            return a == b
        if not isinstance(a, (E.PrimExpr, S.Stmt)):
            return False
        cls = _kind(a)
        if any(getattr(a, f) != getattr(b, f) for f in _fields(cls, _DATA_FIELDS)):
            return False
        if any(getattr(a, f) is not getattr(b, f) for f in _fields(cls, _IDENTITY_FIELDS)):
            return False
        defined = _DEFINES.get(cls)
        if defined and self.map_defs:
            self.var_map.setdefault(getattr(a, defined), getattr(b, defined))
        return all(self(getattr(a, f), getattr(b, f)) for f in _fields(cls, _IR_FIELDS))

    def var(self, a, b):
        if a.dtype != b.dtype:
            return False
        mapped = self.var_map.get(a)
        if mapped is not None:
            return mapped is b
        if self.map_free_vars:
            self.var_map[a] = b
            return True
        return False

    def range(self, a, b):
        if a is None or b is None:
            return a is b
        return self(a.min, b.min) and self(a.extent, b.extent)


def expr_deep_equal(a, b):
    """TVM's ExprDeepEqual: same structure, same variables (by identity)."""
    return _Equal(map_defs=False, map_free_vars=False)(a, b)


def structural_equal(a, b, map_free_vars=False):
    """`tvm.ir.structural_equal`: like `expr_deep_equal`, but variables defined inside
    the trees (loop, let, allocation) match by position, and with `map_free_vars` so
    do the free ones."""
    return _Equal(map_defs=True, map_free_vars=map_free_vars)(a, b)


class StructuralInterner:
    """Numbers structures: `key(a) == key(b)` exactly when `expr_deep_equal(a, b)`.

    Each node's key is computed once from its children's keys (nodes are immutable),
    so keying every sub-expression of a tree costs time linear in the tree.
    """

    def __init__(self):
        self._ids = {}          # structure tuple -> int
        self._numbers = {}      # id(node) -> int
        self._alive = []        # the nodes numbered, kept alive so their ids stay theirs

    def key(self, node):
        number = self._numbers.get(id(node))
        if number is None:
            cls = type(node)
            shaper = _SHAPERS[cls] if cls in _SHAPERS else _shaper(cls)
            shape = shaper(node, self.key) if shaper is not None else _shape(node, self.key)
            ids = self._ids
            number = ids.get(shape)
            if number is None:
                number = ids[shape] = len(ids)
            self._numbers[id(node)] = number
            self._alive.append(node)
        return number

    def same(self, a, b):
        """`expr_deep_equal(a, b)`, from the keys (in O(1) once both are numbered)."""
        return self.key(a) == self.key(b)

    def numbered(self, node):
        """Whether `node` has a key already."""
        return id(node) in self._numbers


# Per node class: a function (node, key) -> its structure tuple, or None for the
# objects `_shape` handles case by case.
_SHAPERS = {}


def _shaper(cls):
    shaper = None
    if issubclass(cls, (E.PrimExpr, S.Stmt)) and not issubclass(cls, E.Var):
        kind = _kind_of_class(cls)
        name, data = kind.__name__, _fields(kind, _DATA_FIELDS)
        identity, children = _fields(kind, _IDENTITY_FIELDS), _fields(kind, _IR_FIELDS)
        if children == ("a", "b") and not data and not identity:    # the common binary node
            def shaper(node, key):
                return (name, key(node.a), key(node.b))
        else:
            def shaper(node, key):
                return (name, *[getattr(node, f) for f in data],
                        *[id(getattr(node, f)) for f in identity],
                        *[key(getattr(node, f)) for f in children])
    _SHAPERS[cls] = shaper
    return shaper


def _shape(node, key):
    """A node's structure as a tuple, its children given by `key`."""
    cls = type(node)
    shaper = _SHAPERS[cls] if cls in _SHAPERS else _shaper(cls)
    if shaper is not None:
        return shaper(node, key)
    if isinstance(node, tuple):
        return ("tuple",) + tuple(key(n) for n in node)
    if node is None or isinstance(node, (str, int, float)):
        return ("value", type(node).__name__, node)
    if isinstance(node, (E.Var, E.IterVar)):
        return ("var", id(node))
    if isinstance(node, Buffer):
        return ("buffer", key(node.data)) + tuple(key(getattr(node, f)) for f in _BUFFER_FIELDS)
    return ("object", id(node))


def structural_key(node):
    """A hashable nested tuple, equal for two trees exactly when `expr_deep_equal` holds;
    for one-off use (passes that key many sub-trees should keep a StructuralInterner)."""
    return _shape(node, structural_key)


# Builtins without side effects; any other call (extern functions, VTA intrinsics) has some.
PURE_CALLS = frozenset({"tir.if_then_else", "tir.shift_right", "tir.shift_left",
                        "tir.bitwise_and", "tir.bitwise_or", "tir.bitwise_xor",
                        "tir.bitwise_not", "tir.likely"})


def has_side_effect(expr):
    """True when evaluating `expr` calls something other than a pure builtin."""
    from .functor import post_order_visit
    found = []
    post_order_visit(expr, lambda n: found.append(n)
                     if isinstance(n, E.Call) and n.op not in PURE_CALLS else None)
    return bool(found)


def uses_any_var(node, variables):
    """Whether `node` reads one of the variables `variables` (a set; TVM's UsesVar)."""
    from .functor import post_order_visit
    found = []
    post_order_visit(node, lambda n: found.append(n)
                     if isinstance(n, E.Var) and n in variables else None)
    return bool(found)


def expr_complexity(expr):
    """TVM's CalculateExprComplexity: the number of expression nodes, leaves included."""
    from .functor import post_order_visit
    count = 0

    def bump(_node):
        nonlocal count
        count += 1

    post_order_visit(expr, bump)
    return count


# AsLegacyRepr (src/script/printer/legacy_repr.cc): infix operators in parentheses.
_LEGACY_INFIX = {E.Add: " + ", E.Sub: " - ", E.Mul: "*", E.Div: "/", E.Mod: " % ",
                 E.EQ: " == ", E.NE: " != ", E.LT: " < ", E.LE: " <= ", E.GT: " > ",
                 E.GE: " >= ", E.And: " && ", E.Or: " || "}
_LEGACY_CALL = {E.Min: "min", E.Max: "max", E.FloorDiv: "floordiv", E.FloorMod: "floormod"}


def legacy_repr(e):
    """TVM's AsLegacyRepr of an expression: `(a + b)`, `(a*b)`, `max(a, b)`, bare
    variables and int32 literals; the tie-break key of CSE's candidate sort."""
    cls = type(e)
    for klass in cls.__mro__:
        if klass in _LEGACY_INFIX:
            return f"({legacy_repr(e.a)}{_LEGACY_INFIX[klass]}{legacy_repr(e.b)})"
        if klass in _LEGACY_CALL:
            return f"{_LEGACY_CALL[klass]}({legacy_repr(e.a)}, {legacy_repr(e.b)})"
    if isinstance(e, E.SizeVar):
        return f"{{{e.name}|{e.name}>=0}}"
    if isinstance(e, E.Var):
        return e.name
    if isinstance(e, E.IntImm):
        return str(e.value) if e.dtype == "int32" else f"({e.dtype}){e.value}"
    if isinstance(e, E.FloatImm):
        suffix = {"float32": "f", "float16": "h"}.get(e.dtype, "")
        return f"{e.value:g}{suffix}"
    if isinstance(e, E.StringImm):
        return '"' + e.value + '"'
    if isinstance(e, E.Not):
        return "!" + legacy_repr(e.a)
    if isinstance(e, E.Cast):
        return f"{e.dtype}({legacy_repr(e.value)})"
    if isinstance(e, E.Select):
        return (f"select({legacy_repr(e.condition)}, {legacy_repr(e.true_value)}, "
                f"{legacy_repr(e.false_value)})")
    if isinstance(e, E.BufferLoad):
        return f"{e.buffer.name}[{', '.join(legacy_repr(i) for i in e.indices)}]"
    if isinstance(e, E.Call):
        return f"{e.op}({', '.join(legacy_repr(a) for a in e.args)})"
    if isinstance(e, E.Ramp):
        return f"ramp({legacy_repr(e.base)}, {legacy_repr(e.stride)}, {e.lanes})"
    if isinstance(e, E.Broadcast):
        return f"x{e.lanes}({legacy_repr(e.value)})"
    if isinstance(e, E.Let):      # CSE names a computation repeated inside one expression
        return f"(let {e.var.name} = {legacy_repr(e.value)} in {legacy_repr(e.body)})"
    if isinstance(e, E.ProducerLoad):
        name = getattr(e.producer, "name", "tensor")
        return f"{name}[{', '.join(legacy_repr(i) for i in e.indices)}]"
    raise TypeError(f"legacy_repr: no legacy text for a {cls.__name__} node")
