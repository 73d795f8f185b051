"""PrimFunc and IRModule: the units that lowering produces and the printer prints.

A `PrimFunc` records the phases of the pass pipeline that already ran over it
(`phases`), so a pass that needs, say, flattened buffers can check and say so.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Dict, Tuple

from .expr import Var
from .stmt import Stmt


@dataclass(frozen=True, eq=False)
class PrimFunc:
    params: Tuple[Var, ...]
    body: Stmt
    buffer_map: Dict[Var, Any] = field(default_factory=dict)   # param var -> Buffer
    attrs: Dict[str, Any] = field(default_factory=dict)
    phases: Tuple[str, ...] = ()

    def with_body(self, body):
        return self if body is self.body else replace(self, body=body)

    def with_attr(self, key, value):
        return replace(self, attrs={**self.attrs, key: value})

    def with_phase(self, phase):
        return replace(self, phases=self.phases + (phase,))

    def script(self):
        from .printer import format_module
        return format_module(IRModule({"main": self}))


@dataclass(frozen=True, eq=False)
class IRModule:
    """Named PrimFuncs; printing it gives TVMScript text, like `print(tvm.lower(...))`."""
    functions: Dict[str, PrimFunc]

    def __getitem__(self, name):
        return self.functions[name]

    def __contains__(self, name):
        return name in self.functions

    def __iter__(self):
        return iter(self.functions.items())

    def script(self):
        from .printer import format_module
        return format_module(self)

    def __str__(self):
        return self.script()

    __repr__ = __str__
