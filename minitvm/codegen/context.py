"""State shared while generating one function's source: names, memory, scopes, output.

`Context` knows every allocation (data var -> Python name, dtype, element count),
the loop ranges and let bindings in scope (through its `Analyzer`), hoisted
constants and the extern functions the code calls. `Writer` collects indented lines.
"""
from __future__ import annotations

import numpy as np

from ..error import TVMError
from ..tir import dtype as dt
from .affine import Analyzer
from .naming import Namer


class HostCodegenError(TVMError, ValueError):
    """The function cannot be compiled for the host CPU."""


def np_dtype(dtype):
    """The numpy spelling of a minitvm dtype, as used in generated code."""
    return "np.bool_" if dtype == "bool" else f"np.{dtype}"


class Writer:
    """Lines of Python source with an indentation level."""

    def __init__(self):
        self.lines = []
        self.depth = 0

    def line(self, text):
        self.lines.append("    " * self.depth + text)

    def indent(self):
        self.depth += 1

    def dedent(self):
        self.depth -= 1


class Memory:
    """One allocation or parameter array as generated code sees it."""
    __slots__ = ("name", "dtype", "size")

    def __init__(self, name, dtype, size):
        self.name, self.dtype, self.size = name, dtype, size


class Context:
    def __init__(self, func_name, externs):
        self.func_name = func_name
        self.namer = Namer()
        self.out = Writer()
        self.analyzer = Analyzer()
        self.memory = {}            # data Var -> Memory
        self.defined = set()        # Vars with a value where the code is being emitted
        self.externs = externs      # name -> callable (only names are used here)
        self.used_externs = set()
        self._constants = {}        # (dtype, value) -> name
        self.constant_lines = []

    def error(self, message):
        return HostCodegenError(f"build_host({self.func_name}): {message}")

    def use(self, var):
        """The identifier of `var`, refusing a variable used outside its scope."""
        if var not in self.defined and var not in self.memory:
            raise self.error(f"variable {var.name!r} is used where it has no value (outside "
                             f"the loop, let or parameter list that defines it)")
        return self.namer.name(var)

    def declare_memory(self, data_var, dtype, size, hint=None):
        name = self.namer.name(data_var, hint)
        self.memory[data_var] = Memory(name, dtype, size)
        return name

    def memory_of(self, buffer):
        """The allocation behind `buffer`, refusing unknown data vars and reinterpretation."""
        mem = self.memory.get(buffer.data)
        if mem is None:
            raise self.error(f"buffer {buffer.name!r} uses data {buffer.data.name!r}, which is "
                             f"neither a parameter nor an allocation in scope")
        if mem.dtype != buffer.dtype:
            raise self.error(f"buffer {buffer.name!r} reads {mem.dtype} memory "
                             f"{buffer.data.name!r} as {buffer.dtype}; the host build does not "
                             f"reinterpret memory")
        return mem

    def constant(self, dtype, value):
        """A module-level name holding `value` as a numpy scalar of `dtype`."""
        key = (dtype, repr(value))
        if key not in self._constants:
            name = f"_k{len(self._constants)}"
            if dt.is_integer(dtype):
                value = dt.wrap(int(value), dtype)
            text = repr(float(value)) if dt.is_float(dtype) else repr(value)
            if dt.is_float(dtype) and not np.isfinite(float(value)):
                text = f"float({text!r})"
            self.constant_lines.append(f"{name} = {np_dtype(dtype)}({text})")
            self._constants[key] = name
        return self._constants[key]

    def provides(self, call):
        """Whether build_host was given a function for `call` (which then overrides the
        host's own math)."""
        name = call.args[0].value if call.op in ("tir.call_extern",
                                                 "tir.call_pure_extern") else call.op
        return name in self.externs

    def extern(self, name):
        if name not in self.externs:
            raise self.error(f"the function calls {name!r}, which the host CPU cannot run "
                             f"(no extern function of that name was given to build_host or registered "
                             f"with tvm.register_func)")
        self.used_externs.add(name)
        return f"_extern[{name!r}]"
