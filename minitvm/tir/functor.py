"""The one traversal base of the IR: `Visitor` (read) and `Mutator` (rewrite).

Both dispatch on the node's class, like Python's `ast.NodeVisitor`: a method named
`visit_<ClassName>` handles that class (subclasses fall back along the MRO), and
anything without one gets the generic traversal of the fields listed in `CHILDREN`.
`Mutator` rebuilds a node only when a child changed, so unchanged subtrees stay
shared. No pass writes its own traversal.
"""
from __future__ import annotations

from dataclasses import replace

from . import expr as E
from . import stmt as S

# Which fields of each node hold IR to traverse, in evaluation order. Objects that
# are not IR (AttrStmt.node, buffers, TE tensors, the reducer) are not entered, and
# neither are the variables a Let, LetStmt or For defines: they are binding sites, not
# uses, so a mutator that rewrites uses (say, a loop var of extent 1 into 0) keeps them.
CHILDREN = {
    E.Var: (), E.SizeVar: (), E.IntImm: (), E.FloatImm: (), E.StringImm: (),
    E.Add: ("a", "b"), E.Sub: ("a", "b"), E.Mul: ("a", "b"), E.Div: ("a", "b"),
    E.Mod: ("a", "b"), E.FloorDiv: ("a", "b"), E.FloorMod: ("a", "b"),
    E.Min: ("a", "b"), E.Max: ("a", "b"), E.EQ: ("a", "b"), E.NE: ("a", "b"),
    E.LT: ("a", "b"), E.LE: ("a", "b"), E.GT: ("a", "b"), E.GE: ("a", "b"),
    E.And: ("a", "b"), E.Or: ("a", "b"), E.Not: ("a",),
    E.Select: ("condition", "true_value", "false_value"),
    E.Cast: ("value",), E.Call: ("args",), E.Let: ("value", "body"),
    E.Ramp: ("base", "stride"), E.Broadcast: ("value",),
    E.BufferLoad: ("indices",), E.ProducerLoad: ("indices",),
    E.Reduce: ("source", "condition", "init"),
    S.LetStmt: ("value", "body"), S.AttrStmt: ("value", "body"),
    S.AssertStmt: ("condition", "message", "body"),
    S.For: ("min", "extent", "body"), S.While: ("condition", "body"),
    S.BufferStore: ("value", "indices"), S.BufferRealize: ("condition", "body"),
    S.ProducerStore: ("value", "indices"),
    S.ProducerRealize: ("condition", "body"),
    S.Allocate: ("extents", "condition", "body"),
    S.SeqStmt: ("seq",), S.IfThenElse: ("condition", "then_case", "else_case"),
    S.Evaluate: ("value",),
}


def _children_of(cls):
    for klass in cls.__mro__:
        if klass in CHILDREN:
            return CHILDREN[klass]
    raise TypeError(f"{cls.__name__} is not an IR node the functor knows")


class _Dispatch:
    """Finds `visit_<Class>` along the MRO once per class."""

    def _method(self, cls):
        cache = type(self).__dict__.get("_cache")
        if cache is None:
            cache = {}
            setattr(type(self), "_cache", cache)
        method = cache.get(cls)
        if method is None:
            method = next((getattr(type(self), "visit_" + k.__name__)
                           for k in cls.__mro__ if hasattr(type(self), "visit_" + k.__name__)),
                          type(self).generic_visit)
            cache[cls] = method
        return method

    def visit(self, node):
        return self._method(type(node))(self, node)


class Visitor(_Dispatch):
    """Walks the IR; override `visit_<Class>` and call `self.generic_visit(node)` to descend."""

    def generic_visit(self, node):
        for name in _children_of(type(node)):
            value = getattr(node, name)
            if isinstance(value, tuple):
                for item in value:
                    self.visit(item)
            elif value is not None:
                self.visit(value)


class Mutator(_Dispatch):
    """Rewrites the IR bottom-up; returns the same node when nothing below changed."""

    def generic_visit(self, node):
        changes = {}
        for name in _children_of(type(node)):
            value = getattr(node, name)
            if isinstance(value, tuple):
                new = tuple(self.visit(item) for item in value)
                if any(a is not b for a, b in zip(new, value)):
                    changes[name] = new
            elif value is not None:
                new = self.visit(value)
                if new is not value:
                    changes[name] = new
        if not changes:
            return node
        if isinstance(node, S.SeqStmt):
            return S.seq(*changes["seq"])
        return replace(node, **changes)


class _PostOrder(Visitor):
    def __init__(self, callback):
        self.callback = callback

    def generic_visit(self, node):
        Visitor.generic_visit(self, node)
        self.callback(node)


def post_order_visit(node, callback):
    """Call `callback` on every IR node below and including `node`, children first."""
    _PostOrder(callback).visit(node)


class _Substitute(Mutator):
    def __init__(self, vmap):
        self.vmap = vmap

    def visit_Var(self, node):
        return self.vmap.get(node, node)


def substitute(node, vmap):
    """`node` with each use of a Var in `vmap` (identity keys) replaced by its value.

    Like TVM's `Substitute`, nodes are rebuilt without folding (`x + t*8` with t := 0
    stays `x + 0*8` until the next Simplify), and binding sites keep their variables.
    """
    return _Substitute(vmap).visit(node) if vmap else node
