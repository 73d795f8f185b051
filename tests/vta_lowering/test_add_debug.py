"""add_debug: the runtime debug mode is set first thing in the function."""
from vta_backend.transform import add_debug

from vtair import calls, extern_stmt, func


def test_debug_mode_call_comes_first():
    out = add_debug(6)(func(extern_stmt("work"))).body
    first = out.seq[0].value
    assert first.args[0].value == "VTASetDebugMode" and first.args[2].value == 6
    assert calls(out.seq[0], "tir.vta.command_handle")
