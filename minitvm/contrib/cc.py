"""`tvm.contrib.cc`: in TVM, the C compiler driver that links exported modules into
shared libraries. minitvm modules are data (the lowered IR, compiled again on load),
so there is nothing to compile or link: `create_shared` is accepted as the `fcompile`
of `Module.export_library` (TVM's default, a no-op here) and refuses to be called.
"""
from __future__ import annotations

from ..error import TVMError


class NoNativeCompilerError(TVMError):
    """minitvm compiles no native code."""


def create_shared(output, objects, options=None, cc=None, cwd=None, ccache_env=None):
    """Refused: say what to use instead."""
    raise NoNativeCompilerError(
        f"tvm.contrib.cc.create_shared({output!r}): minitvm compiles no native code, so "
        f"there are no object files to link; write a module with "
        f"mod.export_library({output!r}) and read it back with "
        f"tvm.runtime.load_module({output!r})")

