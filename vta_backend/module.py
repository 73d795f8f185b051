"""The module `vta.build` returns: a lowered VTA function, callable, saveable, loadable.

Where it sits: `vta.build` lowers a schedule with VTA's passes and wraps the result in a
`VTAModule`, which compiles the host code (`host.compile_host`) into a Python function
driving the runtime's command queue. Calling the module checks the arguments (arrays of
the declared shape and dtype on ext_dev, as TVM's MakePackedAPI asserts device type 12),
hands their DRAM buffers to that function, and the runtime runs the instruction stream on
the simulator at the function's final synchronize. Later calls replay the recorded stream
(`host.replay`); every call runs with the garbage collector paused
(`minitvm.runtime.collector`).

`save(path)` writes data only: a header (format, module kind, entry name, parameter
signature, the hardware configuration) and the lowered function serialised with
`minitvm.tir.serialize`. `minitvm.runtime.load_module` (also through `rpc.LocalSession`)
rebuilds the module from it, compiling the IR again; nothing in the file is executed.
A truncated or corrupt file is refused with `ModuleFormatError` saying what is wrong.
"""
from __future__ import annotations

import linecache
from typing import Optional

from minitvm.runtime import ArgumentError, Module, register_loader
from minitvm.runtime.host_support import namespace
from minitvm.runtime import collector
from minitvm.runtime.signature import Signature
from minitvm.tir.function import PrimFunc
from minitvm.tir.serialize import IRFormatError, dumps, loads

from . import device_api, runtime
from .environment import ConfigError, Environment, get_env
from .host import CallSites, EXTERNS, StreamReplay, compile_host, replayable_host_code

KIND = "vta"


class ModuleFormatError(ValueError):
    """A saved VTA module that cannot be loaded."""


class VTAModule(Module):
    """A compiled VTA function: `mod(*arrays)` runs it on the simulator."""

    type_key = KIND

    def __init__(self, func: PrimFunc, entry_name: str, env: Optional[Environment] = None):
        self.entry_name = entry_name
        self.env = env or get_env()
        self._func = func
        program = compile_host(func, entry_name)
        self.signature: Signature = program.signature
        self._source = program.source
        self._sites = CallSites(program.num_sites)
        self._function = _exec(program.source, entry_name, self._sites)
        self._replay = StreamReplay() if replayable_host_code(program.externs) else None

    def get_function(self, name):
        if name != self.entry_name:
            raise AttributeError(f"module has no function {name!r} (it has "
                                 f"{self.entry_name!r})")
        return self._run

    def _run(self, *args):
        self.signature.bind(self.entry_name, args)
        buffers = [self._buffer_of(param, arg) for param, arg in zip(self.signature.params, args)]
        queue = runtime.command_handle(self.env)
        try:
            with collector.paused():
                if self._replay is None:
                    self._function(queue, *buffers)
                else:
                    self._replay.call(queue, buffers, self._function)
        except BaseException:
            self._abandon()
            raise

    def _buffer_of(self, param, array):
        buffer = device_api.dram_buffer(array.storage)
        if buffer is None:
            raise ArgumentError(f"{self.entry_name}: argument {param.name!r} is on "
                                f"{array.device} but its storage is not in VTA's device "
                                f"memory; create it with tvm.nd.array(x, ctx) or "
                                f"tvm.nd.empty(shape, dtype, ctx) on an ext_dev device")
        return buffer

    def _abandon(self):
        """After a run failed part-way: drop the half-built stream and make this module's
        kernels load again, so the next run starts clean."""
        self._sites.uncache()
        runtime.shutdown()

    @property
    def num_kernels(self) -> int:
        """Micro-op kernels recorded so far (once per call site and key)."""
        return self._sites.kernel_count()

    def get_source(self, fmt=""):
        return self._source

    def serialize(self):
        return {"kind": KIND, "entry_name": self.entry_name,
                "signature": self.signature.to_json(), "config": self.env.cfg_dict,
                "ir": dumps(self._func)}

    def __repr__(self):
        return f"Module(vta, {self.entry_name!r})"


def _exec(source: str, entry_name: str, sites: CallSites):
    filename = f"<minitvm VTA host code {entry_name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    scope = namespace(EXTERNS)        # numpy and the host build's indexing helpers
    scope["_sites"] = sites
    exec(compile(source, filename, "exec"), scope)
    return scope["__entry__"]


def _field(document, name, kind):
    value = document.get(name)
    if not isinstance(value, kind):
        raise ModuleFormatError(f"cannot load VTA module: field {name!r} is missing or not "
                                f"a {kind.__name__}")
    return value


def load(document) -> VTAModule:
    """Rebuild a VTAModule from the document `save` wrote (the loader of kind "vta")."""
    entry = _field(document, "entry_name", str)
    where = f"cannot load VTA module {entry!r}"
    try:
        saved = Signature.from_json(_field(document, "signature", dict))
        env = Environment(_field(document, "config", dict))
        func = loads(_field(document, "ir", str))
    except (KeyError, TypeError, ValueError, ConfigError, IRFormatError) as err:
        raise ModuleFormatError(f"{where}: {err}") from None
    if not isinstance(func, PrimFunc):
        raise ModuleFormatError(f"{where}: the IR is a {type(func).__name__}, not a function")
    try:
        module = VTAModule(func, entry, env)
    except Exception as err:   # any IR the compiler rejects: the file is not what save wrote
        raise ModuleFormatError(f"{where}: its IR does not compile: {err}") from None
    if module.signature != saved:
        raise ModuleFormatError(f"{where}: the saved signature does not match its IR")
    return module


register_loader(KIND, load)
