"""Statement nodes of the loop IR (TVM's `tir.Stmt` family).

Frozen, slotted, identity-compared dataclasses like the expressions. Before
flattening, TE stages appear as `ProducerRealize`/`ProducerStore`; after it, as
`Allocate` and `BufferStore` on 1-D buffers.
"""
from __future__ import annotations

from typing import Any, Optional, Tuple

from .expr import PrimExpr, Range, Var
from .node import frozen_node


def _node(cls):
    return frozen_node(cls, repr=True)


class Stmt:
    """Base of all statements."""
    __slots__ = ()

    def __repr__(self):
        from .printer import format_stmt
        return format_stmt(self)


class ForKind:
    SERIAL = "serial"
    PARALLEL = "parallel"
    VECTORIZED = "vectorized"
    UNROLLED = "unrolled"
    THREAD_BINDING = "thread_binding"


@_node
class LetStmt(Stmt):
    var: Var
    value: PrimExpr
    body: Stmt


@_node
class AttrStmt(Stmt):
    """Annotates `body` with (`node`, `attr_key`, `value`): pragmas, thread extents,
    coprocessor scopes. `node` may be any object (an IterVar, a Var, a StringImm)."""
    node: Any
    attr_key: str
    value: PrimExpr
    body: Stmt


@_node
class AssertStmt(Stmt):
    condition: PrimExpr
    message: PrimExpr
    body: Stmt


@_node
class For(Stmt):
    loop_var: Var
    min: PrimExpr
    extent: PrimExpr
    kind: str
    body: Stmt
    thread_binding: Any = None
    annotations: Tuple[Tuple[str, Any], ...] = ()


@_node
class While(Stmt):
    condition: PrimExpr
    body: Stmt


@_node
class BufferStore(Stmt):
    buffer: Any                      # Buffer
    value: PrimExpr
    indices: Tuple[PrimExpr, ...]


@_node
class BufferRealize(Stmt):
    buffer: Any
    bounds: Tuple[Range, ...]
    condition: PrimExpr
    body: Stmt


@_node
class ProducerStore(Stmt):
    producer: Any                    # te.Tensor
    value: PrimExpr
    indices: Tuple[PrimExpr, ...]


@_node
class ProducerRealize(Stmt):
    producer: Any                    # te.Tensor
    bounds: Tuple[Range, ...]
    condition: PrimExpr
    body: Stmt
    storage_scope: str = ""


@_node
class Allocate(Stmt):
    buffer_var: Var
    dtype: str
    extents: Tuple[PrimExpr, ...]
    condition: PrimExpr
    body: Stmt
    annotations: Tuple[Tuple[str, Any], ...] = ()


@_node
class SeqStmt(Stmt):
    seq: Tuple[Stmt, ...]


@_node
class IfThenElse(Stmt):
    condition: PrimExpr
    then_case: Stmt
    else_case: Optional[Stmt] = None


@_node
class Evaluate(Stmt):
    value: PrimExpr


def seq(*stmts):
    """A SeqStmt of the given statements, flattening nested sequences and dropping None;
    a single statement is returned as is."""
    flat = []
    for s in stmts:
        if s is None:
            continue
        if isinstance(s, SeqStmt):
            flat.extend(s.seq)
        else:
            flat.append(s)
    if len(flat) == 1:
        return flat[0]
    return SeqStmt(tuple(flat))
