"""The FPGA-board entry points of VTA's Python API (`vta.program_fpga`,
`vta.reconfig_runtime`), for scripts written for a board.

minitvm simulates VTA and talks to no board: on the simulator programming the FPGA is a
no-op, as in VTA; anything that needs a real board says so clearly.
"""
from .environment import VTAError, get_env

SIMULATED = ("sim", "tsim")


def program_fpga(remote, bitstream=None):
    """Load a bitstream onto the board behind `remote`: nothing to do on the simulator."""
    target = get_env().TARGET
    if target not in SIMULATED:
        raise VTAError(f"vta.program_fpga: TARGET {target!r} is an FPGA board; minitvm runs "
                       f"VTA on its bundled simulator only (set TARGET to 'sim')")


def reconfig_runtime(remote):
    """Rebuild the board's VTA runtime for this configuration: needs a VTA RPC server."""
    raise VTAError("vta.reconfig_runtime needs the VTA RPC server of an FPGA board; minitvm "
                   "runs VTA on its bundled simulator only (set TARGET to 'sim')")
