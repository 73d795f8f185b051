"""vta_backend: the VTA accelerator backend of minitvm (`import vta_backend as vta`).

Holds the hardware configuration (Environment), the instruction set, the runtime
command queue, the functional simulator and, on top of minitvm, the VTA lowering passes.
"""

from .environment import (DEBUG_DUMP_INSN, DEBUG_DUMP_UOP, DEBUG_SKIP_READ_BARRIER,
                          DEBUG_SKIP_WRITE_BARRIER, Environment, get_env)
