"""The timeline picture: saved as SVG or PNG when matplotlib is installed, a clear error
naming the way out when it is not (matplotlib stays optional)."""
import sys

import pytest

from vta_backend.isa import MEM_INP, MEM_OUT
from vta_backend.simulator.timeline import TimelineUnavailable, save_timeline

from timing_helpers import UopKernelMap, dram, gemm, new_queue, run_timed


@pytest.fixture
def report():
    """A load, a GEMM waiting for it and a store waiting for the GEMM."""
    cmd = new_queue()
    cmd.load_buffer_2d(dram(cmd, 64), 0, 4, 1, 4, 0, 0, 0, 0, 0, MEM_INP)
    cmd.dep_push(1, 2)
    cmd.dep_pop(1, 2)
    gemm(cmd, UopKernelMap(), 4, 4, 2)
    cmd.dep_push(2, 3)
    cmd.dep_pop(2, 3)
    cmd.store_buffer_2d(0, MEM_OUT, dram(cmd, 32), 0, 2, 1, 2)
    return run_timed(cmd)


def test_without_matplotlib_the_error_says_what_to_install(report, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(TimelineUnavailable) as info:
        save_timeline(report, tmp_path / "run.svg")
    assert "needs matplotlib, which is not installed: pip install matplotlib" in str(info.value)
    assert "print(report.summary())" in str(info.value)
    assert isinstance(info.value, ImportError)
    assert not (tmp_path / "run.svg").exists()
    assert report.summary().startswith("VTA timing model: ")      # text needs nothing


@pytest.mark.parametrize("suffix, magic", [(".svg", b"<?xml"), (".png", b"\x89PNG")])
def test_saves_a_picture(report, tmp_path, suffix, magic):
    pytest.importorskip("matplotlib")
    path = save_timeline(report, tmp_path / f"run{suffix}", title="one GEMM")
    with open(path, "rb") as saved:
        assert saved.read(8).startswith(magic)


def test_an_empty_window_is_refused(report, tmp_path):
    with pytest.raises(ValueError, match=r"the window \[5, 5\) holds no cycle"):
        save_timeline(report, tmp_path / "run.svg", start=5, end=5)


def test_saves_a_window(report, tmp_path):
    pytest.importorskip("matplotlib")
    assert save_timeline(report, tmp_path / "zoom.svg", start=10, end=60).endswith("zoom.svg")
