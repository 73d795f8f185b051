"""Building statements imperatively (TVM's `tvm.tir.ir_builder`), for intrinsic bodies
and extern ops:

    ib = tvm.tir.ir_builder.create()
    A = ib.buffer_ptr(ins[0])
    with ib.for_range(0, n, name="i") as i:
        with ib.if_scope(i % 2 == 0):
            A[i] = A[i] + 1
        with ib.else_scope():
            ib.emit(tvm.tir.call_extern("int32", "f", i))
    stmt = ib.get()

The builder keeps a stack of statement lists, one per open scope. A scope that wraps
everything emitted after it (an attribute, an allocation, a let) is recorded as a
function of its body and applied when the list is closed.
"""
from __future__ import annotations

from ..error import TVMError
from . import dtype as dt
from . import op as _op
from .buffer import Buffer, decl_buffer
from .expr import BufferLoad, Call, IterVar, StringImm, Var
from .stmt import (Allocate, AttrStmt, Evaluate, For, IfThenElse, LetStmt, SeqStmt, Stmt,
                   BufferStore, While)

_KINDS = {"serial": "serial", "parallel": "parallel", "vectorize": "vectorized",
          "unroll": "unrolled"}


class IRBuilderError(TVMError):
    """An ir_builder used out of order (else without if, get inside a scope, ...)."""


class WithScope:
    """A `with` block: enter gives `value`, exit closes the scope."""

    def __init__(self, value, on_exit):
        self._value = value
        self._on_exit = on_exit

    def __enter__(self):
        return self._value

    def __exit__(self, kind, value, trace):
        if kind is None:
            self._on_exit()


class BufferVar:
    """Element access to a buffer through the builder: `x[i]` loads, `x[i] = v` emits a
    store. A single index into a multi-dimensional buffer is unravelled (row-major)."""

    def __init__(self, builder, buffer, content_type):
        self._builder = builder
        self._buffer = buffer
        self._content_type = content_type

    def asobject(self):
        return self._buffer

    @property
    def dtype(self):
        return self._content_type

    def _indices(self, index):
        index = list(index) if isinstance(index, (tuple, list)) else [index]
        index = [_op.convert(i.var if isinstance(i, IterVar) else i) for i in index]
        shape = self._buffer.shape
        if len(index) == 1 and len(shape) > 1:
            return _unravel(index[0], shape)
        if len(index) != len(shape):
            raise IRBuilderError(f"buffer '{self._buffer.name}' has {len(shape)} dimensions "
                                 f"but was indexed with {len(index)} indices")
        return index

    def __getitem__(self, index):
        return BufferLoad(self._buffer, tuple(self._indices(index)))

    def __setitem__(self, index, value):
        value = _op.convert(value, self._content_type)
        if value.dtype.split("x")[0] != self._content_type.split("x")[0]:
            raise IRBuilderError(f"buffer '{self._buffer.name}' holds {self._content_type}; "
                                 f"cannot store a value of dtype {value.dtype}")
        self._builder.emit(BufferStore(self._buffer, value, tuple(self._indices(index))))


def _unravel(index, shape):
    indices = []
    for extent in reversed(shape[1:]):
        indices.append(_op.floormod(index, extent))
        index = _op.floordiv(index, extent)
    return [index] + indices[::-1]


class IRBuilder:
    """The builder (TVM's `ir_builder.IRBuilder`); make one with `create()`."""

    def __init__(self):
        self._seq_stack = [[]]
        self.nidx = 0

    def _pop_seq(self):
        items = self._seq_stack.pop()
        if not items or callable(items[-1]):
            items.append(Evaluate(_op.const(0)))
        body = [items[-1]]
        for item in reversed(items[:-1]):
            body = [item(_seq(body))] if callable(item) else [item] + body
        return _seq(body)

    def emit(self, stmt):
        """Append `stmt` (a Stmt; a Call is wrapped in Evaluate), or a function of the
        body that follows it (a scope such as an attribute)."""
        if isinstance(stmt, Call):
            stmt = Evaluate(stmt)
        if not isinstance(stmt, Stmt) and not callable(stmt):
            raise IRBuilderError(f"ir_builder.emit: {stmt!r} is neither a statement, a call "
                                 "nor a function building a statement")
        self._seq_stack[-1].append(stmt)

    def scope_attr(self, node, attr_key, value):
        """Annotate everything emitted after this with AttrStmt(node, attr_key, value)."""
        node = StringImm(node) if isinstance(node, str) else node
        value = StringImm(value) if isinstance(value, str) else _op.convert(value)
        if attr_key == "thread_extent":
            value = _op.max(1, value)
        self.emit(lambda body: AttrStmt(node, attr_key, value, body))

    def for_range(self, begin, end, name="i", dtype=None, kind="serial"):
        """A loop over [begin, end); entering gives the loop variable. Unnamed loops are
        called i, j, k, then i_0, i_1, ..."""
        if kind not in _KINDS:
            raise IRBuilderError(f"for_range: kind must be one of {', '.join(_KINDS)}, "
                                 f"got {kind!r}")
        if name == "i":
            name = chr(ord("i") + self.nidx) if self.nidx < 3 else f"i_{self.nidx - 3}"
            self.nidx += 1
        begin, end = _op.convert(begin), _op.convert(end)
        for bound in (begin, end):
            if not dt.is_integer(bound.dtype):
                raise IRBuilderError(f"for_range '{name}': the bounds must be integers, got "
                                     f"{bound!r} of dtype {bound.dtype}")
        if dtype is None:
            dtype = "int64" if "int64" in (begin.dtype, end.dtype) else "int32"
        loop_var = Var(name, dtype)
        extent = end if _op.is_const_int(begin, 0) else end - begin
        self._seq_stack.append([])
        return WithScope(loop_var, lambda: self.emit(
            For(loop_var, begin, extent, _KINDS[kind], self._pop_seq())))

    def while_loop(self, condition):
        """A loop running while `condition` holds."""
        self._seq_stack.append([])
        return WithScope(None, lambda: self.emit(While(condition, self._pop_seq())))

    def if_scope(self, cond):
        """Statements run when `cond` holds."""
        self._seq_stack.append([])
        return WithScope(None, lambda: self.emit(IfThenElse(cond, self._pop_seq())))

    def else_scope(self):
        """Statements run when the condition of the if_scope just closed does not hold."""
        current = self._seq_stack[-1]
        prev = current[-1] if current else None
        if not isinstance(prev, IfThenElse) or prev.else_case is not None:
            raise IRBuilderError("else_scope can only follow an if_scope (without an else)")
        current.pop()
        self._seq_stack.append([])
        return WithScope(None, lambda: self.emit(
            IfThenElse(prev.condition, prev.then_case, self._pop_seq())))

    def new_scope(self):
        """A block bounding the attributes and allocations opened inside it."""
        self._seq_stack.append([])
        return WithScope(None, lambda: self.emit(self._pop_seq()))

    def let(self, var_name, value):
        """A variable bound to `value` for everything emitted after this."""
        value = _op.convert(value)
        var = Var(var_name, value.dtype)
        self.emit(lambda body: LetStmt(var, value, body))
        return var

    def allocate(self, dtype, shape, name="buf", scope=""):
        """A new array of `shape` live for everything emitted after this."""
        shape = list(shape) if isinstance(shape, (list, tuple)) else [shape]
        buffer = decl_buffer(shape, dtype, name, scope=scope or "global")
        self.emit(lambda body: Allocate(buffer.data, buffer.dtype, buffer.shape,
                                        _op.const(True), body))
        return BufferVar(self, buffer, buffer.dtype)

    def pointer(self, content_type, name="ptr", scope=""):
        """A pointer to `content_type` values (a one-element buffer view)."""
        buffer = decl_buffer((1,), content_type, name, scope=scope or "global")
        return BufferVar(self, buffer, buffer.dtype)

    def buffer_ptr(self, buf):
        """Element access to the Buffer `buf`."""
        if not isinstance(buf, Buffer):
            raise IRBuilderError(f"buffer_ptr expects a tvm.tir.Buffer, got {buf!r}")
        return BufferVar(self, buf, buf.dtype)

    def likely(self, expr):
        """`expr` marked as likely true."""
        return Call(expr.dtype, "tir.likely", (expr,))

    def get(self):
        """The statement built; every scope must be closed."""
        stmt = self._pop_seq()
        if self._seq_stack:
            raise IRBuilderError("ir_builder.get called inside an open scope")
        return stmt


def _seq(stmts):
    return stmts[0] if len(stmts) == 1 else SeqStmt(tuple(stmts))


def create():
    """A new IRBuilder."""
    return IRBuilder()
