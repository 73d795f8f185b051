"""Saving and loading IR as data: the lowered program inside a saved module file.

`dumps(obj)` turns a PrimFunc (or any IR object) into JSON text: every node is written
once into a table and referred to by index, so objects shared in memory (a loop
variable used in a hundred indices, one Buffer read by two loops) are shared again
after `loads`. Only the IR classes listed in `_CLASSES` can be rebuilt; nothing in the
file is ever executed. A malformed file raises `IRFormatError` saying what is wrong.
"""
from __future__ import annotations

import dataclasses
import json

from . import expr as E
from . import stmt as S
from . import op as O
from .buffer import Buffer
from .function import PrimFunc

FORMAT = "minitvm-ir"
VERSION = 1


class IRFormatError(ValueError):
    """The text is not a valid serialised IR object."""


def _ir_classes():
    classes = {}
    for module in (E, S):
        for value in vars(module).values():
            if isinstance(value, type) and dataclasses.is_dataclass(value):
                classes[value.__name__] = value
    for cls in (Buffer, PrimFunc, O.EqualOp, O.NotEqualOp):
        classes[cls.__name__] = cls
    return classes


_CLASSES = _ir_classes()


def _field_values(obj):
    if isinstance(obj, (O.EqualOp, O.NotEqualOp)):
        return {"a": obj.a, "b": obj.b}
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}


class _Writer:
    def __init__(self):
        self.table = []
        self.index = {}

    def value(self, v):
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, tuple):
            return {"tuple": [self.value(x) for x in v]}
        if isinstance(v, list):
            return {"list": [self.value(x) for x in v]}
        if isinstance(v, dict):
            return {"map": [[self.value(k), self.value(x)] for k, x in v.items()]}
        if type(v).__name__ in _CLASSES and _CLASSES[type(v).__name__] is type(v):
            return {"ref": self.node(v)}
        raise TypeError(f"cannot save {type(v).__name__} object {v!r} as IR data")

    def node(self, obj):
        key = id(obj)
        if key in self.index:
            return self.index[key]
        slot = len(self.table)
        self.index[key] = slot
        self.table.append(None)
        fields = {name: self.value(v) for name, v in _field_values(obj).items()}
        self.table[slot] = {"type": type(obj).__name__, "fields": fields}
        return slot


def dumps(obj):
    """JSON text for an IR object (typically a lowered PrimFunc)."""
    writer = _Writer()
    root = writer.value(obj)
    return json.dumps({"format": FORMAT, "version": VERSION, "nodes": writer.table,
                       "root": root}, separators=(",", ":"))


class _Reader:
    def __init__(self, table):
        self.table = table
        self.built = {}

    def value(self, v):
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if not isinstance(v, dict) or len(v) != 1:
            raise IRFormatError(f"unexpected value {str(v)[:80]!r}")
        (kind, payload), = v.items()
        if kind == "tuple":
            return tuple(self.value(x) for x in payload)
        if kind == "list":
            return [self.value(x) for x in payload]
        if kind == "map":
            return {self.value(k): self.value(x) for k, x in payload}
        if kind == "ref":
            return self.node(payload)
        raise IRFormatError(f"unknown value kind {kind!r}")

    def node(self, slot):
        if slot in self.built:
            return self.built[slot]
        if not isinstance(slot, int) or not 0 <= slot < len(self.table):
            raise IRFormatError(f"reference to node {slot!r} outside the table")
        entry = self.table[slot]
        cls = _CLASSES.get(entry.get("type")) if isinstance(entry, dict) else None
        if cls is None:
            raise IRFormatError(f"node {slot} has unknown type {str(entry)[:80]!r}")
        fields = {k: self.value(x) for k, x in entry.get("fields", {}).items()}
        try:
            obj = cls(**fields)
        except TypeError as err:
            raise IRFormatError(f"node {slot} ({cls.__name__}) has bad fields: {err}") from None
        self.built[slot] = obj
        return obj


def loads(text):
    """Rebuild the IR object saved by `dumps`; raises IRFormatError on malformed input."""
    try:
        doc = json.loads(text)
    except (ValueError, TypeError) as err:
        raise IRFormatError(f"not JSON: {err}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise IRFormatError("not a minitvm IR document")
    if doc.get("version") != VERSION:
        raise IRFormatError(f"IR format version {doc.get('version')!r}, expected {VERSION}")
    nodes = doc.get("nodes")
    if not isinstance(nodes, list):
        raise IRFormatError("the node table is missing")
    return _Reader(nodes).value(doc.get("root"))
