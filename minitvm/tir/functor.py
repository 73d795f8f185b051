"""The one traversal base of the IR: `Visitor` (read) and `Mutator` (rewrite).

Both dispatch on the node's class, like Python's `ast.NodeVisitor`: a method named
`visit_<ClassName>` handles that class (subclasses fall back along the MRO), and
anything without one gets the generic traversal of the fields listed in `CHILDREN`.
`Mutator` rebuilds a node only when a child changed, so unchanged subtrees stay
shared. No pass writes its own traversal.
"""
from __future__ import annotations

import dataclasses
import operator

from . import expr as E
from . import stmt as S
from .depth import make_room

# The traversals below recurse as deep as a program nests (see depth.py).
make_room()

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


_CHILDREN_OF = {}     # node class -> its CHILDREN entry (found along the MRO once)


def children_of(cls):
    """The names of the child fields of IR node class `cls` (CHILDREN, by its MRO)."""
    names = _CHILDREN_OF.get(cls)
    if names is None:
        klass = next((klass for klass in cls.__mro__ if klass in CHILDREN), None)
        if klass is None:
            raise TypeError(f"{cls.__name__} is not an IR node the functor knows")
        names = _CHILDREN_OF[cls] = CHILDREN[klass]
    return names


class _Dispatch:
    """Finds `visit_<Class>` along the MRO once per (functor class, node class): each
    functor class gets its own table of handlers on definition."""

    _methods: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._methods = {}

    def _method(self, cls):
        method = self._methods.get(cls)
        if method is None:
            own = type(self)
            method = next((getattr(own, "visit_" + k.__name__)
                           for k in cls.__mro__ if hasattr(own, "visit_" + k.__name__)),
                          own.generic_visit)
            self._methods[cls] = method
        return method

    def visit(self, node):
        method = self._methods.get(type(node))
        if method is None:
            method = self._method(type(node))
        return method(self, node)


class Visitor(_Dispatch):
    """Walks the IR; override `visit_<Class>` and call `self.generic_visit(node)` to descend."""

    def generic_visit(self, node):
        walk = _WALKS.get(type(node))
        if walk is None:
            walk = _WALKS[type(node)] = _walker(type(node))
        walk(self, node)


class Mutator(_Dispatch):
    """Rewrites the IR bottom-up; returns the same node when nothing below changed."""

    def generic_visit(self, node):
        rebuild = _REBUILDS.get(type(node))
        if rebuild is None:
            rebuild = _REBUILDS[type(node)] = _rebuilder(type(node))
        return rebuild(self, node)


class StmtMutator(Mutator):
    """A Mutator of statements only: expressions come back as they are, unwalked (for
    passes that look for loops, launches or stores)."""

    def visit(self, node):
        if isinstance(node, E.PrimExpr):
            return node
        return Mutator.visit(self, node)


# The generic traversals, specialised once per node class (the field names looked up
# along the MRO, binary nodes without loops): node class -> function(functor, node).
_WALKS = {}
_REBUILDS = {}


def _walker(cls):
    names = children_of(cls)
    if names == ("a", "b"):
        def walk(visitor, node):
            visitor.visit(node.a)
            visitor.visit(node.b)
        return walk

    def walk(visitor, node):
        for name in names:
            value = getattr(node, name)
            if isinstance(value, tuple):
                for item in value:
                    visitor.visit(item)
            elif value is not None:
                visitor.visit(value)
    return walk


def _rebuilder(cls):
    """The Mutator's generic visit of `cls`: children visited in order, the node rebuilt
    (with the same class and other fields, as `dataclasses.replace` would) only when a
    child changed."""
    names = children_of(cls)
    if issubclass(cls, S.SeqStmt):
        def rebuild(mutator, node):
            old = node.seq
            new = [mutator.visit(item) for item in old]
            return node if all(map(operator.is_, new, old)) else S.seq(*new)
        return rebuild
    if names == ("a", "b"):
        def rebuild(mutator, node):
            a, b = node.a, node.b
            new_a, new_b = mutator.visit(a), mutator.visit(b)
            if new_a is a and new_b is b:
                return node
            return cls(new_a, new_b)
        return rebuild
    fields = tuple(f.name for f in dataclasses.fields(cls))
    slots = tuple((fields.index(name), name) for name in names)

    def rebuild(mutator, node):
        changed = None
        for index, name in slots:
            value = getattr(node, name)
            if isinstance(value, tuple):
                new = tuple([mutator.visit(item) for item in value])
                if all(map(operator.is_, new, value)):
                    continue
            elif value is not None:
                new = mutator.visit(value)
                if new is value:
                    continue
            else:
                continue
            if changed is None:
                changed = [getattr(node, f) for f in fields]
            changed[index] = new
        return node if changed is None else cls(*changed)
    return rebuild


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
