"""The global function registry (TVM's packed functions): `register_func`,
`get_global_func`, `list_global_func_names` and `convert`.

A registered function is a plain Python callable under a dotted name. Built modules
reach it through `tvm.tir.call_packed("name", ...)`, which looks the name up each time
the call runs (so a function registered after building is found, as in TVM), passing
buffers as `NDArray` views of the module's memory and scalars as Python values.

What minitvm itself provides is listed in `BUILTIN` under TVM's names, as data: each
name maps to the module and attribute that implement it, imported on first lookup.
"""
from __future__ import annotations

from ..error import TVMError


class PackedFuncError(TVMError):
    """A global function registered twice, missing, or not callable."""


# TVM's name -> (minitvm module, attribute): the functions the runtime provides.
BUILTIN = {
    "tvm.contrib.cblas.matmul": ("minitvm.contrib.cblas", "packed_matmul"),
    "tvm.contrib.cblas.batch_matmul": ("minitvm.contrib.cblas", "packed_batch_matmul"),
    "tvm.contrib.cblas.batch_matmul_iterative": ("minitvm.contrib.cblas",
                                                 "packed_batch_matmul"),
    "runtime.ModuleLoadFromFile": ("minitvm.runtime.module", "load_module"),
}

_registry = {}


def register_func(func_name, f=None, override=False):
    """Register `f` as the global function `func_name`.

    As a decorator: `@tvm.register_func("my.name")`, or `@tvm.register_func` (the
    function's own name). Registering a taken name raises unless `override=True`."""
    if callable(func_name):
        return register_func(func_name.__name__, func_name, override)
    if not isinstance(func_name, str) or not func_name:
        raise PackedFuncError(f"register_func: the name must be a non-empty string, "
                              f"got {func_name!r}")

    def register(func):
        if not callable(func):
            raise PackedFuncError(f"register_func('{func_name}'): {func!r} is not callable")
        if not override and func_name in list_global_func_names():
            raise PackedFuncError(f"global function '{func_name}' is already registered; "
                                  "pass override=True to replace it")
        _registry[func_name] = func
        return func

    return register if f is None else register(f)


def get_global_func(name, allow_missing=False):
    """The global function `name`; None when missing and `allow_missing`, else an error."""
    func = _registry.get(name)
    if func is None and name in BUILTIN:
        module, attr = BUILTIN[name]
        import importlib
        func = _registry[name] = getattr(importlib.import_module(module), attr)
    if func is None and not allow_missing:
        raise PackedFuncError(f"global function '{name}' is not registered (register it "
                              "with tvm.register_func)")
    return func


def list_global_func_names():
    """Every registered name, the runtime's own included."""
    return sorted(set(_registry) | set(BUILTIN))


def remove_global_func(name):
    """Unregister `name` (TVM's `tvm._ffi.registry.remove_global_func`)."""
    if _registry.pop(name, None) is None:
        raise PackedFuncError(f"global function '{name}' is not registered")


def convert(value):
    """TVM's `tvm.runtime.convert`: a Python value as the object TVM passes around:
    numbers as IR constants, lists and tuples as an `Array` (a tuple) of converted
    elements, dicts as a `Map` (a read-only dict) with converted values; strings, callables (already functions), IR nodes, tensors
    and arrays unchanged."""
    from ..ir.container import Array, Map
    from ..tir.op import convert as to_expr
    if isinstance(value, (list, tuple)):
        return Array(convert(v) for v in value)
    if isinstance(value, dict):
        return Map({k: convert(v) for k, v in value.items()})
    if isinstance(value, (bool, int, float)):
        return to_expr(value)
    return value


def call_packed(name, *args):
    """Run the global function `name` on `args` (what a built module's call_packed does)."""
    func = get_global_func(name, allow_missing=True)
    if func is None:
        raise PackedFuncError(f"the built function calls global function '{name}', which "
                              "is not registered (register it with tvm.register_func)")
    result = func(*args)
    return 0 if result is None else result
