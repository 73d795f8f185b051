"""HostModule: a compiled host function (generated Python source) behind TVM's Module API.

The source (which binds its function to `__entry__`) is compiled once at construction
and registered with `linecache`, so a traceback through generated code shows its
lines. Calls check their arguments against the Signature, then run with numpy's
floating-point and overflow warnings silenced: integer arithmetic wraps like C on
purpose.
"""
from __future__ import annotations

import linecache

import numpy as np

from ..error import NestingTooDeepError
from .host_support import namespace
from .module import Module, register_loader


class HostModule(Module):
    type_key = "host"

    def __init__(self, source, entry_name, signature, externs=None, extern_names=(),
                 func=None):
        missing = sorted(set(extern_names) - set(externs or {}))
        if missing:
            raise ValueError(f"module {entry_name!r} calls extern functions "
                             f"{', '.join(missing)}, which were not provided")
        self.entry_name = entry_name
        self.signature = signature
        self._source = source
        self._extern_names = tuple(extern_names)
        self._func = func
        self._function = _compile(source, entry_name, externs)

    def get_function(self, name):
        if name != self.entry_name:
            raise AttributeError(f"module has no function {name!r} (it has "
                                 f"{self.entry_name!r})")
        return self._run

    def _run(self, *args):
        bound = self.signature.bind(self.entry_name, args)
        with np.errstate(all="ignore"):
            self._function(*bound)

    def get_source(self, fmt=""):
        return self._source

    def serialize(self):
        """The lowered IR, not the generated code: loading rebuilds from the IR, so a
        module file is data and nothing in it is ever executed."""
        if self._func is None:
            raise ValueError(f"module {self.entry_name!r} was built from source only and "
                             f"cannot be saved")
        from ..tir.serialize import dumps
        return {"kind": self.type_key, "entry_name": self.entry_name,
                "ir": dumps(self._func), "externs": list(self._extern_names),
                "device_type": self.signature.device_type}

    def __repr__(self):
        return f"Module(host, {self.entry_name!r})"


def _compile(source, entry_name, externs):
    filename = f"<minitvm host code {entry_name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    scope = namespace(externs)
    try:
        code = compile(source, filename, "exec")
    except (SyntaxError, RecursionError) as err:
        if isinstance(err, SyntaxError) and "too many nested" not in str(err):
            raise
        # Python's parser takes at most 200 nested parentheses in one expression
        raise NestingTooDeepError(
            f"build {entry_name}: an expression of the program nests deeper than the host "
            f"build's Python code can ({err}); split the expression into stages "
            "(te.compute) or unroll fewer iterations") from None
    exec(code, scope)
    return scope["__entry__"]


def _load(document):
    from ..codegen import build_host
    from ..tir.serialize import loads
    if document["externs"]:
        raise ValueError(f"module {document['entry_name']!r} calls extern functions "
                         f"{', '.join(document['externs'])}; load it through the backend "
                         f"that provides them")
    return build_host(loads(document["ir"]), document["entry_name"],
                      device_type=document["device_type"])


register_loader(HostModule.type_key, _load)
