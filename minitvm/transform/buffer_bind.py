"""Binding a declared buffer to a region of another (TVM's ArgBinder::BindBuffer).

Tensorize declares the intrinsic's operands as buffers with symbolic `data` and
`elem_offset` (and maybe shape or stride) variables; `buffer_bind_scope` says which
region of a real buffer each one views. `bind_buffer` works out the value every such
variable takes, refuses bindings that cannot hold (shape or offset constants that
differ, a compact buffer over a strided region), and lists the conditions that can only
be checked at run time (an offset that must be a multiple of `offset_factor`).
"""
from __future__ import annotations

from ..error import TVMError
from ..arith import Analyzer
from ..tir import expr as E
from .ir_utils import const_int, elem_offset, is_const, row_major_strides


class BindError(TVMError, ValueError):
    """A buffer cannot view the region it is bound to."""


def bind_buffer(source, target, begins, extents):
    """The `_Binder` of `source` viewing `target[begins : begins + extents]`: its `defs`
    (variable -> value) and `asserts` ((condition, message) pairs)."""
    binder = _Binder(source, target)
    binder.bind_region(begins, extents)
    return binder


class _Binder:
    def __init__(self, source, target):
        self.source, self.target = source, target
        self.analyzer = Analyzer()
        self.defs = {}
        self.asserts = []

    def bind_region(self, begins, extents):
        source, target = self.source, self.target
        if source.dtype != target.dtype:
            raise BindError(f"cannot bind {source.name} ({source.dtype}) to "
                            f"{target.name} ({target.dtype})")
        self._check_compact(begins, extents)
        diff = len(extents) - len(source.shape)
        if diff < 0:
            raise BindError(f"cannot bind the {len(source.shape)}-d {source.name} to a "
                            f"{len(extents)}-d region of {target.name}")
        for k in range(diff):
            self._bind(E.IntImm("int32", 1), extents[k], f"{source.name}.shape[{k}] (leading)")
        for k, (dim, extent) in enumerate(zip(source.shape, extents[diff:])):
            self._bind(dim, extent, f"{source.name}.shape[{k}]")
        if source.strides:
            view_strides = target.strides or row_major_strides(target.shape)
            for k, (s, v) in enumerate(zip(source.strides, view_strides[diff:])):
                self._bind(s, v, f"{source.name}.strides[{k}]")
        self._bind_offset(self.analyzer.simplify(elem_offset(target, begins)))

    def _bind_offset(self, offset):
        source = self.source
        if is_const(source.elem_offset, 0):
            if not is_const(offset, 0):
                raise BindError(f"cannot bind {source.name}, declared without an offset, "
                                f"to a region of {self.target.name} at offset {offset!r}")
            return
        self._bind(source.elem_offset, offset, f"{source.name}.elem_offset")
        factor = source.offset_factor
        known = self.analyzer.modular_set(offset)      # offset = coeff * k + base
        if factor <= 1 or (known.coeff % factor == 0 and known.base % factor == 0):
            return
        if const_int(offset) is not None:
            raise BindError(
                f"{source.name} must start on a multiple of {factor} elements "
                f"(offset_factor), but its region of {self.target.name} starts at element "
                f"{const_int(offset)}")
        self.asserts.append((E.EQ(E.Mod(offset, E.IntImm(offset.dtype, factor)),
                                  E.IntImm(offset.dtype, 0)),
                             f"{source.name}.elem_offset must be a multiple of {factor}"))

    def _check_compact(self, begins, extents):
        """MakeSlice: once an extent other than 1 was seen, later dims must be whole."""
        if self.source.strides or self.target.strides:
            return
        relax = True
        for begin, extent, dim in zip(begins, extents, self.target.shape):
            whole = is_const(begin, 0) and self.analyzer.can_prove_equal(extent, dim)
            if not relax and not whole:
                raise BindError(
                    f"cannot bind the compact buffer {self.source.name} to a strided region "
                    f"of {self.target.name} (declare it with strides)")
            if not is_const(extent, 1):
                relax = False

    def _bind(self, arg, value, what):
        """`arg` (a variable of the declared buffer, or a value it fixes) is `value`."""
        if isinstance(arg, E.Var):
            if arg not in self.defs:
                self.defs[arg] = value
                return
            arg = self.defs[arg]
        if self.analyzer.can_prove_equal(arg, value):
            return
        a, v = const_int(arg), const_int(value)
        if a is not None and v is not None:
            raise BindError(f"tensorize: {what} is {a}, but the bound region has {v}")
        self.asserts.append((E.EQ(arg, value), f"{what} does not match the bound region"))
