"""Loop nests as lists of store instances: the input of the vectorizer.

`collect_region(for_stmt)` flattens a nest of constant-bound loops whose bodies hold
only stores, lets, guards (IfThenElse) and annotations into `Instance`s, one per
store in program order, each with the loops, lets and guard conditions around it
(fused loops split back into their parts first, see `unfuse`).
Anything else in the nest (an allocation, an extern call, a loop with a variable
bound...) makes it refuse, with the reason, and the caller runs the loop in Python.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

from ..tir import expr as E
from ..tir import stmt as S
from ..tir.functor import post_order_visit
from ..tir.op import logical_not
from .access import flat_index
from .intrinsics import host_math
from .unfuse import split_fused

PURE_CALLS = frozenset({"tir.if_then_else", "tir.likely", "tir.shift_right", "tir.shift_left",
                        "tir.bitwise_and", "tir.bitwise_or", "tir.bitwise_xor",
                        "tir.bitwise_not"})


class Refused(Exception):
    """A loop nest the vectorizer will not take; the message says why."""


@dataclass(frozen=True, eq=False)
class Loop:
    var: E.Var
    min: int
    extent: int

    @property
    def max(self):
        return self.min + self.extent - 1


@dataclass(frozen=True, eq=False)
class Instance:
    """One store with everything around it inside the region."""
    loops: Tuple[Loop, ...]
    lets: Tuple[Tuple[E.Var, E.PrimExpr], ...]
    guards: Tuple[E.PrimExpr, ...]
    store: S.BufferStore

    @property
    def index(self):
        return flat_index(self.store.buffer, self.store.indices)


def collect_region(loop):
    """The store instances of the nest rooted at the For `loop`, or raise Refused."""
    out = []
    _collect(loop, (), (), (), out)
    return out


def _collect(node, loops, lets, guards, out):
    if isinstance(node, S.For):
        node = split_fused(node)
        if not (isinstance(node.min, E.IntImm) and isinstance(node.extent, E.IntImm)):
            raise Refused(f"loop {node.loop_var.name} has a variable bound")
        loop = Loop(node.loop_var, node.min.value, node.extent.value)
        _collect(node.body, loops + (loop,), lets, guards, out)
    elif isinstance(node, S.SeqStmt):
        for child in node.seq:
            _collect(child, loops, lets, guards, out)
    elif isinstance(node, S.LetStmt):
        _check_pure(node.value)
        _collect(node.body, loops, lets + ((node.var, node.value),), guards, out)
    elif isinstance(node, S.IfThenElse):
        _check_pure(node.condition)
        _collect(node.then_case, loops, lets, guards + (node.condition,), out)
        if node.else_case is not None:
            _collect(node.else_case, loops, lets, guards + (logical_not(node.condition),), out)
    elif isinstance(node, S.AttrStmt):
        _collect(node.body, loops, lets, guards, out)
    elif isinstance(node, S.BufferStore):
        for e in (node.value,) + tuple(node.indices):
            _check_pure(e)
        out.append(Instance(loops, lets, guards, node))
    elif not (isinstance(node, S.Evaluate) and isinstance(node.value, (E.IntImm, E.FloatImm))):
        raise Refused(f"the nest contains a {type(node).__name__}")


def _check_pure(e):
    def check(node):
        if isinstance(node, E.Call) and node.op not in PURE_CALLS and host_math(node) is None:
            raise Refused(f"the nest calls {node.op}")
        if isinstance(node, (E.Ramp, E.Broadcast, E.ProducerLoad, E.Reduce)):
            raise Refused(f"the nest contains a {type(node).__name__}")
    post_order_visit(e, check)


def loads_in(exprs):
    """Every BufferLoad inside `exprs` (including loads nested in indices)."""
    found = []
    for e in exprs:
        post_order_visit(e, lambda n: found.append(n) if isinstance(n, E.BufferLoad) else None)
    return found
