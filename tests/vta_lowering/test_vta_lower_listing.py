"""`vta.lower` of the reference schedule prints listing 3 of the tutorial, and its pipeline
is the one of spec vta.md 5.1."""
import pathlib

import pytest

from minitvm.transform import PassContext
from vta_backend import build_module
from vta_backend.environment import get_env

from conv_schedule import conv2d, vta_schedule
from reference_text import SEED, ir_listings

HERE = pathlib.Path(__file__).resolve().parent
EXPECTED = HERE / "data" / "convolution_listing_3.txt"


def third_listing(text):
    """Listing 3 of the tutorial text, without trailing blank lines."""
    block = ir_listings(text)[2]
    while block and not block[-1]:
        block.pop()
    return block


def test_expected_listing_is_the_seeds():
    assert EXPECTED.read_text().splitlines() == third_listing(SEED.read_text())


def test_vta_lower_prints_listing_3():
    for module in ("minitvm.transform.simplify", "minitvm.transform.cse"):
        pytest.importorskip(module)
    env = get_env()
    t = conv2d(env)
    s = vta_schedule(t, env)
    got = str(build_module.lower(s, [t["data"], t["kernel"], t["res"]], simple_mode=True))
    assert [line.rstrip() for line in got.splitlines()] == EXPECTED.read_text().splitlines()


def test_build_config_lists_the_phases_of_the_spec():
    names = [(phase, fn.pass_name) for phase, fn in build_module.pass_list()]
    assert names == [
        (1, "tir.vta.InjectDMAIntrin"), (1, "tir.vta.InjectSkipCopy"),
        (1, "tir.vta.AnnotateALUCoProcScope"), (1, "tir.LiftAttrScope"),
        (1, "tir.vta.LiftAllocToScopeBegin"), (1, "tir.LiftAttrScope"),
        (1, "tir.vta.InjectCoProcSync"), (1, "tir.vta.EarlyRewrite"),
        (2, "tir.vta.InjectALUIntrin"),
        (3, "tir.vta.VerifyGEMMKernels"),   # minitvm's: reports kernel rules at build time
        (3, "tir.LowerDeviceStorageAccessInfo"), (3, "tir.vta.FoldUopLoop"),
        (3, "tir.vta.CPUAccessRewrite")]
    debug = [fn.pass_name for _, fn in build_module.pass_list(debug_flag=2)]
    assert debug.index("tir.vta.add_debug") == debug.index("tir.vta.EarlyRewrite") + 1


def test_build_config_is_a_pass_context_with_the_user_options():
    with build_module.build_config(disabled_pass={"tir.CommonSubexprElimTIR"}) as ctx:
        assert PassContext.current() is ctx
        assert not ctx.pass_enabled("tir.CommonSubexprElimTIR")
        assert ctx.user_passes(2) == [p for phase, p in ctx.config["tir.add_lower_pass"]
                                      if phase == 2]


class _Recorded(Exception):
    """Raised by the stubbed driver once it has recorded the pass context."""


def contexts_seen(monkeypatch):
    """Record the pass context the driver's lower/build run under, then stop there."""
    from minitvm import driver
    seen = []

    def record(*args, **kwargs):
        seen.append(PassContext.current())
        raise _Recorded

    monkeypatch.setattr(driver, "lower", record)
    monkeypatch.setattr(driver, "build", record)
    return seen


def test_vta_lower_always_opens_a_fresh_build_config(monkeypatch):
    seen = contexts_seen(monkeypatch)
    with build_module.build_config(disabled_pass={"tir.CommonSubexprElimTIR"}) as outer:
        with pytest.raises(_Recorded):
            build_module.lower(None, [])
    assert seen[0] is not outer and seen[0].pass_enabled("tir.CommonSubexprElimTIR")


def test_vta_build_keeps_an_enclosing_build_config(monkeypatch):
    seen = contexts_seen(monkeypatch)
    with build_module.build_config(disabled_pass={"tir.CommonSubexprElimTIR"}) as outer:
        with pytest.raises(_Recorded):
            build_module.build(None, [], "ext_dev", "my_conv")
    with pytest.raises(_Recorded):
        build_module.build(None, [], "ext_dev", "my_conv")
    assert seen[0] is outer
    assert seen[1] is not outer and seen[1].config.get("tir.add_lower_pass")
