"""`Array` and `Map` (TVM's `tvm.ir.container`): the immutable sequence and mapping that
TVM's objects hold and return, printed as TVM prints them (`[a, b]`, `{k: v}`).

minitvm keeps Python's own containers underneath: an `Array` is a tuple and a `Map` a
read-only dict, so they compare, hash and iterate as those do.
"""
from __future__ import annotations

from types import MappingProxyType


class Array(tuple):
    """An immutable sequence (`tvm.ir.container.Array`), printed `[a, b, c]`."""

    __slots__ = ()

    def __repr__(self):
        return "[" + ", ".join(repr(x) for x in self) + "]"


class Map(dict):
    """A mapping (`tvm.ir.container.Map`), e.g. what `InferBound` returns; read-only."""

    __slots__ = ()

    def _refuse(self, *args, **kwargs):
        raise TypeError("a Map is immutable, as TVM's: build a new one with "
                        "tvm.runtime.convert({...})")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse

    def items(self):
        return MappingProxyType(self).items()

    def __repr__(self):
        return "{" + ", ".join(f"{k!r}: {v!r}" for k, v in dict.items(self)) + "}"
