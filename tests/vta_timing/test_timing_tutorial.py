"""tutorials/latency_hiding.py, compiled by the real path (vta.build) and run on the
simulator: two virtual threads take fewer cycles than one by the margin it prints, and its
statistics are the same with the model off."""
import contextlib
import importlib.util
import io
import pathlib
import re
import runpy

import pytest

from vta_backend import runtime
from vta_backend.testing import simulator

TUTORIAL = pathlib.Path(__file__).resolve().parents[2] / "tutorials" / "latency_hiding.py"


@pytest.fixture(scope="module")
def tutorial(tmp_path_factory):
    """(the script's globals, its output, the directory it saved into)."""
    out_dir = tmp_path_factory.mktemp("timelines")
    runtime.shutdown()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LATENCY_HIDING_DIR", str(out_dir))
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            namespace = runpy.run_path(str(TUTORIAL), run_name="__main__")
    return namespace, output.getvalue(), out_dir


def test_two_threads_take_fewer_cycles_by_the_printed_margin(tutorial):
    namespace, output, _ = tutorial
    one, two = namespace["reports"][1], namespace["reports"][2]
    assert two.cycles < one.cycles
    assert two.gemm_utilisation > one.gemm_utilisation
    printed = {int(n): int(c.replace(",", "")) for n, c in re.findall(
        r"^(\d) virtual threads?: ([\d,]+) cycles", output, re.M)}
    assert printed == {1: one.cycles, 2: two.cycles}
    speed_up = re.search(r"^Speed-up from latency hiding: ([\d.]+)x$", output, re.M)
    assert float(speed_up.group(1)) == round(one.cycles / two.cycles, 2) > 1.2


def test_the_functional_statistics_are_the_same_with_the_model_off(tutorial):
    namespace, _, _ = tutorial
    simulator.timing_mode(False)
    simulator.clear_stats()
    namespace["my_conv"](namespace["data_nd"], namespace["kernel_nd"], namespace["res_nd"])
    assert simulator.stats() == namespace["stats"][2]
    assert namespace["stats"][2]["gemm_counter"] == 451584


def test_timelines_are_saved_or_their_absence_explained(tutorial):
    _, output, out_dir = tutorial
    if importlib.util.find_spec("matplotlib") is None:
        assert "No timeline picture: drawing a timeline needs matplotlib" in output
        assert not list(out_dir.iterdir())
    else:
        assert sorted(p.name for p in out_dir.iterdir()) == [
            "latency_hiding_1_thread.svg", "latency_hiding_2_thread.svg"]
