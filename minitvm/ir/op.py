"""Operators and their attribute registry (TVM's `tvm.ir.Op`, `register_op_attr`,
`register_intrin_lowering`).

A `tir.Call` names its operator by a string; `Op` is that string with TVM's Op API on
top (`.name`, `Op.get`, `get_attr`), so rules written for TVM (`call.op.name`) work on
calls that `tir.call_intrin` makes. Attributes live in one table keyed by (attribute,
operator name), each with the priority level it was registered at: as in TVM, a higher
level replaces a lower one, a lower one is ignored, and the same level twice is an error.
Intrinsic lowering rules are the attribute "<target kind>.FLowerIntrinsic";
`minitvm.transform.lower_intrin` applies them when a function is built.
"""
from __future__ import annotations

from ..error import TVMError

_ATTRS = {}        # attr_key -> {op name -> (value, level)}
_REGISTERED = set()  # operator names known besides the built-in "tir." ones


class OpRegistryError(TVMError):
    """An operator looked up or registered against the registry's rules."""


class Op(str):
    """An operator name with TVM's Op interface; equal to (and hashed as) the name."""

    __slots__ = ()

    @property
    def name(self):
        return str(self)

    @staticmethod
    def get(op_name):
        """The operator `op_name`, which must be built in or registered."""
        if not is_known(op_name):
            raise OpRegistryError(f"Cannot find op '{op_name}': it is neither a built-in "
                                  f"operator nor registered with tvm.ir.register_op_attr")
        return Op(op_name)

    def get_attr(self, attr_name):
        """The value registered for `attr_name`, or None."""
        entry = _ATTRS.get(attr_name, {}).get(str(self))
        return None if entry is None else entry[0]

    def has_attr(self, attr_name):
        return self.get_attr(attr_name) is not None


def is_known(op_name):
    from ..tir import intrin
    return op_name in _REGISTERED or op_name in intrin.BUILTIN_OPS


def register_op_attr(op_name, attr_key, value=None, level=10):
    """Register `value` as attribute `attr_key` of operator `op_name` (registering the
    operator itself if new); without `value`, a decorator registering the function."""

    def register(v):
        _set_attr(op_name, attr_key, v, level)
        return v

    return register(value) if value is not None else register


def register_intrin_lowering(op_name, target, *, f=None, level=10):
    """Register `f(call) -> expr` as the rule lowering calls of `op_name` when building
    for `target` (a target kind such as "llvm", or "default" for every target)."""

    def register(fn):
        if not callable(fn):
            raise OpRegistryError(f"register_intrin_lowering({op_name!r}, {target!r}): the "
                                  f"rule must be callable, got {fn!r}")
        _set_attr(op_name, f"{target}.FLowerIntrinsic", fn, level)
        return fn

    return register(f) if f is not None else register


def _set_attr(op_name, attr_key, value, level):
    if not isinstance(op_name, str) or not op_name:
        raise OpRegistryError(f"register_op_attr: the operator name must be a non-empty "
                              f"string, got {op_name!r}")
    table = _ATTRS.setdefault(attr_key, {})
    old = table.get(op_name)
    if old is not None and old[1] == level:
        raise OpRegistryError(f"Attribute {attr_key} of {op_name} is already registered "
                              f"with same plevel={level}; register it with a higher level "
                              f"to override it")
    _REGISTERED.add(op_name)
    if old is None or old[1] < level:
        table[op_name] = (value, level)


def attr_map(attr_key):
    """{operator name: value} of everything registered under `attr_key`."""
    return {name: entry[0] for name, entry in _ATTRS.get(attr_key, {}).items()}
