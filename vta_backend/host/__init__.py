"""VTA host code: compiling a lowered VTA function into Python that drives the runtime.

`compile.compile_host` writes the source; `externs` holds the runtime functions it calls
and the call sites' kernel maps; `replay` runs a module's recorded streams again.
"""
from .compile import HostProgram, VTAHostCompileError, compile_host
from .externs import EXTERNS, CallSites
from .replay import StreamReplay, replayable_host_code

__all__ = ["CallSites", "EXTERNS", "HostProgram", "VTAHostCompileError", "StreamReplay",
           "compile_host", "replayable_host_code"]
