"""Vector forms back into loops over lanes, for the host build (the first step of
`build_host`).

VectorizeLoop leaves stores whose value or index is a vector (`C[b:b + 32] =
T.Broadcast(a, 32) * B[c:c + 32]`), and StorageRewrite may give an allocation a vector
element type (`packedB = T.allocate([32768], "float32x32")`, indexed per vector). The
host emitter works on scalars over loop grids, so each vector store becomes

    for lane in T.vectorized(32):
        C[b + lane] = a * B[c + lane]

(lane `l` of a ramp `ramp(b, s, n)` is `b + l * s`, of a broadcast its value, of an
operation the operation of the operands' lanes), which the emitter runs as one numpy
statement over the lanes, reading every lane before writing any, as a vector store
does. A vector-typed allocation becomes a scalar one `lanes` times longer, its element
`i` the scalars `i * lanes ... i * lanes + lanes - 1`. Lets of vector values are
inlined. Only statements are walked until a vector store is found, so a function
without vector forms costs one pass over its statements.
"""
from __future__ import annotations

from dataclasses import replace

from ..tir import dtype as dt
from ..tir import expr as E
from ..tir import op
from ..tir import stmt as S
from ..tir.functor import StmtMutator, substitute
from .context import HostCodegenError


def lanes_as_loops(func):
    """`func` with every vector store a vectorized loop over its lanes and every
    vector-typed allocation scalar."""
    body = _Devectorizer(func.attrs.get("global_symbol", "main")).visit(func.body)
    return func if body is func.body else func.with_body(body)


class _Devectorizer(StmtMutator):
    """Expressions are rewritten by whole stores (`visit_BufferStore`), not walked."""

    def __init__(self, name):
        self.name = name
        self.scalar_data = {}       # vector-typed allocation's data var -> (scalar var, lanes)
        self.buffers = {}           # vector-typed buffer -> its scalar view

    def visit_Allocate(self, s):
        lanes = dt.lanes(s.dtype)
        if lanes == 1:
            return self.generic_visit(s)
        data = s.buffer_var
        ann = data.type_annotation
        scalar = E.Var(data.name, data.dtype, ann and replace(
            ann, element_dtype=dt.element_of(ann.element_dtype)))
        self.scalar_data[data] = (scalar, lanes)
        extents = s.extents[:-1] + (op.mul(s.extents[-1], op.const(lanes, "int32")),)
        return replace(s, buffer_var=scalar, dtype=dt.element_of(s.dtype), extents=extents,
                       body=self.visit(s.body))

    def visit_LetStmt(self, s):
        if dt.lanes(s.value.dtype) == 1:
            return self.generic_visit(s)
        return self.visit(substitute(s.body, {s.var: s.value}))

    def visit_BufferStore(self, s):
        count = max(dt.lanes(s.value.dtype), dt.lanes(s.indices[-1].dtype) *
                    dt.lanes(s.buffer.dtype))
        if count == 1:
            return s
        lane = E.Var("lane", "int32")
        buffer, indices = self._access(s.buffer, s.indices, lane)
        store = S.BufferStore(buffer, self._lane(s.value, lane), indices)
        return S.For(lane, op.const(0, "int32"), op.const(count, "int32"),
                     S.ForKind.VECTORIZED, store)

    def _access(self, buffer, indices, lane):
        """The scalar buffer and indices of lane `lane` of an access."""
        per_element = dt.lanes(buffer.dtype)
        last = indices[-1]
        if per_element == 1:
            return buffer, indices[:-1] + (self._lane(last, lane),)
        if isinstance(last, E.Ramp) and _is_one(last.stride):
            last = last.base
        elif dt.lanes(last.dtype) != 1:
            raise HostCodegenError(f"build_host({self.name}): buffer {buffer.name!r} of "
                                   f"{buffer.dtype} is indexed by {last!r}; the host build "
                                   f"reads vector elements only whole or contiguously")
        flat = op.add(op.mul(last, op.const(per_element, last.dtype)), lane)
        return self._scalar_buffer(buffer, per_element), indices[:-1] + (flat,)

    def _scalar_buffer(self, buffer, per_element):
        view = self.buffers.get(buffer)
        if view is None:
            data = self.scalar_data.get(buffer.data, (buffer.data, per_element))[0]
            shape = buffer.shape[:-1] + (op.mul(buffer.shape[-1],
                                                op.const(per_element, "int32")),)
            view = self.buffers[buffer] = replace(buffer, data=data, shape=shape,
                                                  dtype=dt.element_of(buffer.dtype))
        return view

    def _lane(self, e, lane):
        """The scalar expression of lane `lane` of `e` (`e` itself when it is scalar: a
        load of a vector-typed buffer is a vector)."""
        if dt.lanes(e.dtype) == 1:
            return e
        if isinstance(e, E.Ramp):
            return op.add(e.base, op.mul(lane, e.stride))
        if isinstance(e, E.Broadcast):
            return e.value
        if isinstance(e, E.BufferLoad):
            return E.BufferLoad(*self._access(e.buffer, e.indices, lane))
        if isinstance(e, E.Let):
            return self._lane(substitute(e.body, {e.var: e.value}), lane)
        if isinstance(e, (E.Cast, E.Call)):
            parts = {"value": self._lane(e.value, lane)} if isinstance(e, E.Cast) else \
                {"args": tuple(self._lane(a, lane) for a in e.args)}
            return replace(e, dtype=dt.element_of(e.dtype), **parts)
        if isinstance(e, (E.BinaryOp, E.CmpOp, E.Not, E.Select)):
            return replace(e, **{name: self._lane(getattr(e, name), lane)
                                 for name in _OPERANDS.get(type(e), ("a", "b"))})
        raise HostCodegenError(f"build_host({self.name}): the host build has no lane-wise "
                               f"form of the vector expression {e!r}")


# The vector operands of the operations with other operands than a binary one's a and b.
_OPERANDS = {E.Not: ("a",), E.Select: ("condition", "true_value", "false_value")}


def _is_one(e):
    return isinstance(e, E.IntImm) and e.value == 1
