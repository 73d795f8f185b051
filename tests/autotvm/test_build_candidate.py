"""build_candidate pauses the cyclic garbage collector around instantiate, check and build
(minitvm.runtime.collector), and leaves it as it found it."""
import gc

import pytest

from minitvm import autotvm
from minitvm.autotvm.measure import MeasureInput
from minitvm.autotvm.measure import measure_methods
from minitvm.autotvm.measure.measure_methods import MeasureError, build_candidate
from minitvm.runtime import collector
from templates import matmul  # noqa: F401  (registers the template)


@pytest.fixture
def candidate():
    task = autotvm.task.create("test.matmul", args=(16, 8, 32, "float32"), target="llvm")
    return MeasureInput(task.target, task, task.config_space.get(0))


@pytest.fixture
def collector_seen(monkeypatch):
    """Whether the collector was on at each build of the host device."""
    seen, cpu = [], measure_methods.DeviceMeasure
    plain = cpu.build

    def build(self, *args):
        seen.append(gc.isenabled())
        return plain(self, *args)
    monkeypatch.setattr(cpu, "build", build)
    return seen


def test_a_build_pauses_the_collector_and_builds_what_a_plain_build_builds(
        candidate, collector_seen, monkeypatch):
    _, paused, args = build_candidate(candidate)
    assert collector_seen == [False] and gc.isenabled()
    monkeypatch.setattr(collector, "enabled", False)
    _, plain, _ = build_candidate(candidate)
    assert collector_seen == [False, True]
    assert paused.get_source() == plain.get_source()


def test_the_collector_is_on_again_after_a_failed_build(candidate, monkeypatch):
    def broken(self, *args):
        raise ValueError("no code for you")
    monkeypatch.setattr(measure_methods.DeviceMeasure, "build", broken)
    with pytest.raises(MeasureError, match="no code for you"):
        build_candidate(candidate)
    assert gc.isenabled()


def test_a_collector_the_caller_disabled_stays_disabled(candidate, collector_seen):
    gc.disable()
    try:
        build_candidate(candidate)
        assert collector_seen == [False] and not gc.isenabled()
    finally:
        gc.enable()
