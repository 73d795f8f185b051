"""add_debug (end of phase 1, only when `vta.build_config(debug_flag=...)` is non-zero):
prepends `VTASetDebugMode(cmd, flag)` to the function body, so the runtime dumps
instructions (2) or micro-ops (4), or skips cache barriers (8, 16), while it runs.
"""
from minitvm.tir import stmt as S
from minitvm.transform.pass_infra import lowering_pass

from .common import command_handle, extern


def add_debug(debug_flag):
    """The pass setting the runtime's debug mode to `debug_flag` at function entry."""

    @lowering_pass("tir.vta.add_debug")
    def run(func):
        return func.with_body(S.seq(extern("VTASetDebugMode", command_handle(), debug_flag),
                                    func.body))

    return run
