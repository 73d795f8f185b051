"""StorageFlatten: rewrites realized N-d stages and parameter accesses into 1-D memory.

TVM's `tir.transform.StorageFlatten(64)` for the legacy TE path (with the part of
`SchedulePostProcToPrimFunc` that turns TE tensors into buffers). It rewrites

* `AttrStmt(t, "realize_scope", s)` + `ProducerRealize(t, bounds, ...)` (or a
  `BufferRealize` of an N-d buffer) into `Allocate(t_var, dtype, [prod(extents)])`,
  `t_var` a handle Var with `PointerType(dtype, s)`; the buffer covers only the realized
  region, row-major over the realized bounds, so a compute_at tile is a dense local array;
* `ProducerStore`/`ProducerLoad` (or N-d `BufferStore`/`BufferLoad`) into 1-D accesses
  `flat[sum((i_k - min_k) * stride_k)]` on one flat `Buffer` per stage that shares the
  stage's data var;
* accesses to a parameter into accesses to the parameter buffer's flattened copy (same data
  var, shape `(prod(shape),)`); `PrimFunc.buffer_map` keeps the N-d parameter buffers;
* `AttrStmt(t, "buffer_dim_align", tvm_tuple(dim, factor, offset))` (storage_align)
  into padded strides of `t`'s buffer, and `AttrStmt(op, "double_buffer_scope", 1)`
  into the same attribute on the buffer's data var, for InjectDoubleBuffer;
* `AttrStmt((buffer, target), "buffer_bind_scope", tvm_tuple(min0, ext0, ...))` (from
  tensorize) into nothing: the intrinsic's buffer becomes a view of the target region, its
  data/elem_offset/shape variables are replaced by the target's (so `tvm_access_ptr` calls
  of the intrinsic address the target), and the view offset is checked against the
  buffer's `offset_factor` (an `AssertStmt` when it cannot be decided here).

It is the first pass of phase 1: every later pass indexes flat memory. Indices are left
unsimplified (`(i - 7*y)*224 + ...`); the Simplify right after it normalizes them.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Tuple

from ..error import TVMError
from ..arith import Analyzer
from ..tir import dtype as dt
from ..tir import expr as E
from ..tir import op as _op
from ..tir import stmt as S
from ..tir.buffer import Buffer
from ..tir.functor import Mutator
from .buffer_bind import BindError, bind_buffer
from .ir_utils import (const_int, const_product, elem_offset, flattened, is_const,
                       true_const, zero)
from .memory_info import get_memory_info, storage_scope_tag
from .pass_infra import lowering_pass
from ..schedule.stage import thread_rank


class FlattenError(TVMError, ValueError):
    """The IR asks StorageFlatten for something it cannot lay out (names the buffer)."""


@dataclass
class _Entry:
    buffer: Buffer                 # N-d, shape = realized extents (parameters: their shape)
    flat: Buffer                   # the 1-D buffer every access goes through
    offsets: Tuple[E.PrimExpr, ...]  # realize mins, subtracted from each index
    external: bool = False
    in_scope: bool = True


@dataclass
class _View:
    """An intrinsic buffer bound to a region of `target` by buffer_bind_scope."""
    source: Buffer
    target: _Entry
    begins: Tuple[E.PrimExpr, ...]


@lowering_pass("tir.StorageFlatten", once=True)
def storage_flatten(func, binds=None):
    """Flatten `func` (see the module docstring). `binds` maps TE tensors that are not
    realized inside the function (the parameters) to their buffers; without it, only
    Buffer-form parameters (accessed through the buffers of `func.buffer_map`) resolve."""
    flattener = _Flattener(func.buffer_map, binds or {})
    return func.with_body(flattener.visit(func.body))


def _name_of_tensor(tensor):
    op = tensor.op
    name = op.name
    if getattr(op, "num_outputs", 1) != 1:
        name += f".v{tensor.value_index}"
    return name


def _aligned_strides(shape, aligns):
    """TVM's strides for storage_align'ed dimensions ({dim: (factor, offset)}): walking
    from the innermost dimension, an aligned one's stride is rounded up to the next
    `factor * k + offset`; () (row-major) when nothing is aligned."""
    if not aligns:
        return ()
    strides, stride = [], E.IntImm(shape[0].dtype, 1)
    for dim in range(len(shape) - 1, -1, -1):
        if dim in aligns:
            factor, offset = (E.IntImm(stride.dtype, v) for v in aligns[dim])
            stride = Analyzer().simplify(
                stride + _op.floormod(factor + offset - _op.floormod(stride, factor), factor))
        strides.append(stride)
        stride = stride * shape[dim]
    return tuple(reversed(strides))


def _temp_alignment(dtype, const_size):
    """TVM's GetTempAllocaAlignment: 64 bytes, halved while larger than the array."""
    align = 64
    if const_size:
        nbytes = const_size * dt.bits(dtype) // 8
        while align > nbytes:
            align //= 2
    return align


class _Flattener(Mutator):
    def __init__(self, buffer_map, binds):
        self.entries = {}            # Buffer or te.Tensor -> _Entry
        self.views = {}              # intrinsic Buffer -> _View
        self.scopes = {}             # te.Tensor -> scope from a realize_scope attr
        self.dim_align = {}          # te.Tensor -> {dimension: (factor, offset)}
        self.var_remap = {}
        self.thread_ranks = []       # ranks of the GPU thread launches around the visit
        self.allocated = set()       # data vars of Allocate statements already in the IR
        for param_buffer in buffer_map.values():
            self.entries[param_buffer] = self._external(param_buffer)
        for tensor, buffer in binds.items():
            self.entries[tensor] = self.entries.get(buffer) or self._external(buffer)

    @staticmethod
    def _external(buffer):
        return _Entry(buffer, flattened(buffer), tuple(zero() for _ in buffer.shape),
                      external=True)

    # --- realize -> Allocate -------------------------------------------------------

    def visit_AttrStmt(self, node):
        if node.attr_key == "realize_scope":       # node: the op (TVM) or its tensor
            self.scopes[node.node] = node.value.value
            return self.visit(node.body)
        if node.attr_key == "buffer_bind_scope":
            return self._bind(node)
        if node.attr_key == "thread_extent":
            self.thread_ranks.append(thread_rank(node.node.thread_tag))
            try:
                return self.generic_visit(node)
            finally:
                self.thread_ranks.pop()
        if node.attr_key == "buffer_dim_align":       # storage_align of a dimension
            dim, factor, offset = (const_int(a) for a in node.value.args)
            self.dim_align.setdefault(node.node, {})[dim] = (factor, offset)
            return self.visit(node.body)
        if node.attr_key == "double_buffer_scope":    # node: the op; now its data var
            tensor = node.node.output(0) if hasattr(node.node, "output") else node.node
            data = self._entry(tensor, "double_buffer").buffer.data
            return S.AttrStmt(data, node.attr_key, node.value, self.visit(node.body))
        return self.generic_visit(node)

    def visit_ProducerRealize(self, node):
        tensor = node.producer
        scope = (node.storage_scope or self.scopes.get(tensor) or self.scopes.get(tensor.op)
                 or self._default_scope())
        name = _name_of_tensor(tensor)
        data = E.Var(name, "handle", E.PointerType(tensor.dtype, scope))
        return self._realize(tensor, name, data, tensor.dtype, node.bounds, node.body)

    def _default_scope(self):
        """TVM's DefaultStorageRank: a stage with no scope realized inside a GPU launch
        lives in that level's memory (shared inside a block, local inside a thread)."""
        if not self.thread_ranks:
            return "global"
        return "shared" if self.thread_ranks[-1] == 0 else "local"

    def visit_BufferRealize(self, node):
        buffer = node.buffer
        return self._realize(buffer, buffer.name, buffer.data, buffer.dtype, node.bounds,
                             node.body)

    def _realize(self, key, name, data, dtype, bounds, body):
        old = self.entries.get(key)
        if old is not None:
            if old.external:
                return self.visit(body)
            raise FlattenError(f"{name} is realized twice")
        mins = tuple(self.visit(b.min) for b in bounds)
        shape = tuple(self.visit(b.extent) for b in bounds)
        strides = _aligned_strides(shape, self.dim_align.get(key, {}))
        buffer = Buffer(data=data, dtype=dtype, shape=shape, strides=strides,
                        elem_offset=zero(), name=name, data_alignment=0)
        size = const_product(flattened(buffer).shape)
        buffer = replace(buffer, data_alignment=self._alignment(name, data, dtype, size))
        backing = "int8" if dtype == "bool" else dtype
        flat = replace(flattened(buffer), dtype=backing)
        entry = self.entries[key] = _Entry(buffer, flat, mins)
        new_body = self.visit(body)
        entry.in_scope = False
        return S.Allocate(data, backing, flat.shape, true_const(), new_body)

    @staticmethod
    def _alignment(name, data, dtype, size):
        scope = data.type_annotation.storage_scope if data.type_annotation else "global"
        info = get_memory_info(scope) if storage_scope_tag(scope) else None
        if info is None:
            return _temp_alignment(dtype, size)
        bits = dt.bits(dtype)
        if size is not None and size * bits > info.max_num_bits:
            raise FlattenError(
                f"{name} needs {size} x {dtype} = {size * bits} bits in '{scope}', which holds "
                f"only {info.max_num_bits} bits; tile the stage so that it fits")
        return (info.max_simd_bits + bits - 1) // bits

    # --- accesses --------------------------------------------------------------------

    def visit_Allocate(self, node):
        # memory the IR allocates itself (ir_builder bodies of extern ops and intrinsics):
        # any buffer over it is accessed row-major over its own shape
        self.allocated.add(node.buffer_var)
        return self.generic_visit(node)

    def _entry(self, key, what):
        entry = self.entries.get(key)
        if entry is None and isinstance(key, Buffer) and key.data in self.allocated:
            entry = self.entries[key] = self._external(key)
        if entry is None:
            raise FlattenError(
                f"{what} of {_describe(key)}: it is neither realized here nor a parameter "
                "of the function (pass it in the argument list, or bind it)")
        if not entry.in_scope:
            raise FlattenError(f"{what} of {entry.buffer.name} outside its realize scope")
        return entry

    def _flat_access(self, key, indices, what):
        view = self.views.get(key)
        if view is not None:
            # A view's begins are already relative to the target's realized region.
            entry = view.target
            pad = len(view.begins) - len(indices)
            if pad < 0:
                raise FlattenError(f"{what} of {key.name} with {len(indices)} indices; it is "
                                   f"bound to a {len(view.begins)}-d region")
            local = tuple(view.begins[:pad]) + tuple(
                b + i for b, i in zip(view.begins[pad:], indices))
        else:
            entry = self._entry(key, what)
            if len(indices) != len(entry.buffer.shape):
                raise FlattenError(
                    f"{what} of {entry.buffer.name} with {len(indices)} indices; it has "
                    f"{len(entry.buffer.shape)} dimensions")
            local = tuple(i if is_const(m, 0) else i - m
                          for i, m in zip(indices, entry.offsets))
        return entry, (elem_offset(entry.buffer, local),)

    def _store(self, key, value, indices):
        value = self.visit(value)
        indices = tuple(self.visit(i) for i in indices)
        entry, flat_index = self._flat_access(key, indices, "store")
        if value.dtype == "bool":
            value = E.Cast("int8", value)
        return S.BufferStore(entry.flat, value, flat_index)

    def _load(self, key, indices):
        indices = tuple(self.visit(i) for i in indices)
        entry, flat_index = self._flat_access(key, indices, "load")
        load = E.BufferLoad(entry.flat, flat_index)
        if entry.buffer.dtype == "bool":
            return E.Cast("bool", load)
        return load

    def visit_ProducerStore(self, node):
        return self._store(node.producer, node.value, node.indices)

    def visit_BufferStore(self, node):
        return self._store(node.buffer, node.value, node.indices)

    def visit_ProducerLoad(self, node):
        return self._load(node.producer, node.indices)

    def visit_BufferLoad(self, node):
        return self._load(node.buffer, node.indices)

    def visit_Var(self, node):
        return self.var_remap.get(node, node)

    # --- buffer_bind_scope -----------------------------------------------------------

    def _bind(self, node):
        source, target_key = node.node
        entry = self._entry(target_key, f"buffer_bind_scope of {source.name} onto")
        args = node.value.args
        if len(args) != 2 * len(entry.offsets):
            raise FlattenError(
                f"buffer_bind_scope of {source.name}: {len(args) // 2} ranges for the "
                f"{len(entry.offsets)}-d {entry.buffer.name}")
        mins, extents = args[0::2], args[1::2]
        begins = tuple(self.visit(m) if is_const(o, 0) else self.visit(m) - o
                       for m, o in zip(mins, entry.offsets))
        try:
            binder = bind_buffer(source, entry.buffer, begins,
                                 tuple(self.visit(e) for e in extents))
        except BindError as err:
            raise FlattenError(str(err)) from None
        self.views[source] = _View(source, entry, begins)
        defs = {**binder.defs, source.data: entry.flat.data}
        saved = {v: self.var_remap.get(v) for v in defs}
        self.var_remap.update(defs)
        body = self.visit(node.body)
        for var, old in saved.items():
            if old is None:
                self.var_remap.pop(var, None)
            else:
                self.var_remap[var] = old
        del self.views[source]
        for cond, message in reversed(binder.asserts):
            body = S.AssertStmt(cond, E.StringImm(message), body)
        return body


def _describe(key):
    return getattr(key, "name", None) or getattr(getattr(key, "op", None), "name", repr(key))
