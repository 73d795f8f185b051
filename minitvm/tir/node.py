"""How IR node classes are built: `frozen_node` makes a class a slotted dataclass whose
fields cannot be assigned or deleted, compared by identity, with a fast `__init__`.

Where it sits: `tir.expr` and `tir.stmt` decorate every node class with it (some fifty
classes, built at every `import minitvm`). It gives what their users rely on
(`dataclasses.fields`/`replace`, `FrozenInstanceError`, copying and pickling, the
dataclass's docstring and, for statements, its repr) for a third of the dataclass's own
cost: shared functions where the dataclass compiles one per class.
"""
from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass


def frozen_node(cls, repr):
    """`cls` as a slotted dataclass (with `repr`: the dataclass's repr) compared by identity,
    whose attributes cannot be assigned or deleted, with `slot_init`'s `__init__`.

    The dataclass would compile a frozen `__setattr__`/`__delattr__`, an `__init__`
    (replaced anyway) and a `__repr__` for each class, and ask inspect.signature for the
    docstring of a class without one: that was two thirds of building the node classes,
    5 ms of every `import minitvm`. Here shared functions do the same; the dataclass's
    `frozen` parameter is hence not set (only a dataclass subclassing a node reads it)."""
    undocumented = cls.__doc__ is None
    if undocumented:
        cls.__doc__ = "(written below)"       # else the dataclass derives it, slowly
    cls = slot_init(dataclass(init=False, eq=False, slots=True, repr=False)(cls))
    if repr:
        cls.__repr__ = _fields_repr
    cls.__setattr__, cls.__delattr__ = _refuse_assignment, _refuse_deletion
    # copy and pickle restore the fields through object.__setattr__, as for a frozen one
    cls.__getstate__, cls.__setstate__ = _field_values, _restore_fields
    if undocumented:
        cls.__doc__ = _signature_doc(cls)
    return cls


def _fields_repr(self):
    """The dataclass's repr, "Evaluate(value=1)" (no guard against recursion: a node's
    fields are built before it, so it cannot contain itself)."""
    fields = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in dataclasses.fields(self))
    return f"{type(self).__qualname__}({fields})"


def _refuse_assignment(self, name, value):
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _refuse_deletion(self, name):
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _field_values(self):
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def _restore_fields(self, state):
    for f, value in zip(dataclasses.fields(self), state):
        object.__setattr__(self, f.name, value)


def _signature_doc(cls):
    """The docstring a dataclass gives a class without one: its name and `__init__`'s
    signature ("StringImm(value: 'str', dtype: 'str' = 'handle')")."""
    params = []
    for f in dataclasses.fields(cls):
        param = f"{f.name}: {inspect.formatannotation(f.type)}"
        params.append(param if f.default is dataclasses.MISSING else f"{param} = {f.default!r}")
    return f"{cls.__name__}({', '.join(params)})"


def slot_init(cls):
    """Give the slotted dataclass `cls` an `__init__` that stores each field in
    its slot directly (the dataclass's own goes through `object.__setattr__` per field,
    which made it a third of the cost of building a node); same parameters, defaults."""
    namespace, params, lines = {}, [], []
    for f in dataclasses.fields(cls):
        namespace[f"_set_{f.name}"] = getattr(cls, f.name).__set__     # the slot
        if f.default is dataclasses.MISSING:
            params.append(f.name)
        else:
            namespace[f"_default_{f.name}"] = f.default
            params.append(f"{f.name}=_default_{f.name}")
        lines.append(f"    _set_{f.name}(self, {f.name})\n")
    exec(f"def __init__(self, {', '.join(params)}):\n{''.join(lines) or '    pass'}",
         namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init
    return cls
