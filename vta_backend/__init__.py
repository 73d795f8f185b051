"""vta_backend: the VTA accelerator backend of minitvm (`import vta_backend as vta`).

Holds the hardware configuration (Environment), the instruction set, the runtime
command queue, the functional simulator and, on top of minitvm, the VTA lowering passes.
"""

import importlib

from minitvm.runtime.backends import import_with

from .environment import (DEBUG_DUMP_INSN, DEBUG_DUMP_UOP, DEBUG_SKIP_READ_BARRIER,
                          DEBUG_SKIP_WRITE_BARRIER, Environment, get_env)
# The compiler and the module (importing them registers ext_dev arrays' allocator and
# the loader of saved VTA modules).
from .build_module import build, build_config, lower, register_memory_scopes
from .board import program_fpga, reconfig_runtime
from . import device_api, module

# VTA's operator library (`vta.top`) registers its tuning tasks, its measurement device and
# its TopHub log with autotvm, and costs a fifth of this import, autotvm included: it loads
# on first use of `vta.top` or with `minitvm.autotvm`, whichever comes first.
import_with("minitvm.autotvm", f"{__name__}.top")

# As TVM's `import vta` does, declare the SRAM scopes now: a plain `tvm.lower` of a
# schedule using them (before any `vta.build_config`) then aligns their buffers as VTA's.
register_memory_scopes()


def __getattr__(name):
    if name == "top":
        return importlib.import_module(f"{__name__}.top")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | {"top"})

__all__ = ["DEBUG_DUMP_INSN", "DEBUG_DUMP_UOP", "DEBUG_SKIP_READ_BARRIER",
           "DEBUG_SKIP_WRITE_BARRIER", "Environment", "build", "build_config", "device_api",
           "get_env", "lower", "module", "program_fpga", "reconfig_runtime", "top"]
