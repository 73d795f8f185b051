"""VTA host code: compiling a lowered VTA function into Python that drives the runtime.

`compile.compile_host` writes the source; `externs` holds the runtime functions it calls
and the call sites' kernel maps.
"""
from .compile import HostProgram, VTAHostCompileError, compile_host
from .externs import EXTERNS, CallSites

__all__ = ["CallSites", "EXTERNS", "HostProgram", "VTAHostCompileError", "compile_host"]
