"""Names, frames and declaration sites for the TVMScript printer.

TVM's printer (`script/printer/ir_docsifier.cc`) names every variable and buffer
once, in the frame that defines it, and frees the name when that frame closes;
a name in use gets `_1`, `_2`, ... A variable or buffer that nothing defines
(flattened buffers, the VTA `vta` thread var) is declared lazily, when first
printed, in the deepest *open* frame on the common path of all its occurrences
(`common_paths`, TVM's SetCommonPrefix). This module holds that bookkeeping.
"""
from __future__ import annotations

import re

from . import expr as E
from . import stmt as S
from .buffer import Buffer

RESERVED_NAMES = ("I", "T", "R", "cls")

# Fields of each object in TVM's declaration (reflection) order, for the path walk.
_WALK_FIELDS = {
    S.LetStmt: ("var", "value", "body"), S.AttrStmt: ("node", "value", "body"),
    S.AssertStmt: ("condition", "message", "body"),
    S.For: ("loop_var", "min", "extent", "body", "thread_binding"),
    S.While: ("condition", "body"), S.BufferStore: ("buffer", "value", "indices"),
    S.BufferRealize: ("buffer", "bounds", "condition", "body"),
    S.Allocate: ("buffer_var", "extents", "condition", "body"),
    S.SeqStmt: ("seq",), S.IfThenElse: ("condition", "then_case", "else_case"),
    S.Evaluate: ("value",), S.ProducerStore: ("value", "indices"),
    S.ProducerRealize: ("bounds", "condition", "body"),
    E.BufferLoad: ("buffer", "indices"), E.Call: ("args",), E.Cast: ("value",),
    E.Select: ("condition", "true_value", "false_value"), E.Not: ("a",),
    E.Let: ("var", "value", "body"), E.Ramp: ("base", "stride"), E.Broadcast: ("value",),
    E.ProducerLoad: ("indices",), E.IterVar: ("dom", "var"), E.Range: ("min", "extent"),
    Buffer: ("data", "shape", "strides", "elem_offset"),
}


def _walk_fields(obj):
    cls = type(obj)
    for klass in cls.__mro__:
        if klass in _WALK_FIELDS:
            return _WALK_FIELDS[klass]
    if isinstance(obj, E.PrimExpr) and hasattr(obj, "a"):
        return ("a", "b")
    return ()


def common_paths(root, parts):
    """For every Var and Buffer under `root`: the ancestors common to all its occurrences.

    `parts` are the root's fields in TVM's reflection order (a PrimFunc: params, body,
    buffer_map). Objects are entered once (a shared sub-tree keeps its first path),
    but a Var or Buffer met again still shortens its own path, as in TVM.
    """
    paths = {}
    visited = set()
    stack = [root]

    def handle(obj):
        old = paths.get(id(obj))
        if old is None:
            paths[id(obj)] = list(stack)
            return
        n = 0
        while n < len(old) and n < len(stack) and old[n] is stack[n]:
            n += 1
        del old[n:]

    def walk(obj):
        if obj is None or isinstance(obj, (str, int, float)):
            return
        if isinstance(obj, (E.Var, Buffer)):
            handle(obj)
        if id(obj) in visited:
            return
        visited.add(id(obj))
        stack.append(obj)
        if isinstance(obj, (tuple, list)):
            for item in obj:
                walk(item)
        else:
            for name in _walk_fields(obj):
                walk(getattr(obj, name))
        stack.pop()

    for part in parts:
        walk(part)
    return paths


def sanitize(name):
    """Every character that is not alphanumeric or `_` becomes `_`."""
    return re.sub(r"[^0-9A-Za-z_]", "_", name) or "v"


class Frame:
    """An open scope: the statements printed into it and the names it defined."""

    def __init__(self, tir):
        self.tir = tir
        self.stmts = []
        self.defined = []
        self.concise = False


class Scope:
    """The stack of open frames and the name of every defined var/buffer."""

    def __init__(self, paths):
        self.paths = paths
        self.frames = []
        self.names = set(RESERVED_NAMES)
        self.docs = {}          # id(obj) -> (obj, printed text)

    def push(self, tir):
        frame = Frame(tir)
        self.frames.append(frame)
        return frame

    def pop(self):
        frame = self.frames.pop()
        for obj in frame.defined:
            _, text = self.docs.pop(id(obj))
            self.names.discard(text)
        return frame

    def define(self, obj, name, frame):
        """Give `obj` a fresh name derived from `name`, owned by `frame`."""
        base = sanitize(name)
        text, i = base, 1
        while text in self.names:
            text = f"{base}_{i}"
            i += 1
        self.names.add(text)
        self.docs[id(obj)] = (obj, text)
        frame.defined.append(obj)
        return text

    def define_var(self, var, frame):
        """TVM's DefineVar (`printer/tir/utils.h`): a var that already has a doc (e.g. one
        declared lazily because it is used outside its binding site) keeps it; otherwise
        it is defined in `frame`."""
        text = self.doc(var)
        if text is not None:
            return text
        return self.define(var, var.name or "v", frame)

    def define_doc(self, obj, text, frame):
        """Print `obj` as `text` (e.g. `data.data`) without taking a name."""
        self.docs[id(obj)] = (obj, text)
        frame.defined.append(obj)

    def doc(self, obj):
        hit = self.docs.get(id(obj))
        return hit[1] if hit is not None else None

    def lowest_frame(self, obj):
        """The deepest open frame on `obj`'s common path (TVM's FindLowestVarDef)."""
        path = self.paths.get(id(obj))
        if path is None:
            return self.frames[-1] if self.frames else None
        # An if-branch frame is keyed by its branch statement, which may itself open a frame
        # (a let): as in TVM, the outer frame of the two owns the key.
        open_frames = {}
        for f in self.frames:
            open_frames.setdefault(id(f.tir), f)
        for ancestor in reversed(path):
            frame = open_frames.get(id(ancestor))
            if frame is not None:
                return frame
        return self.frames[0]
