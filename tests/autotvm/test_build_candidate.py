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


def test_the_check_and_the_build_share_the_normalized_schedule(candidate, monkeypatch):
    """Bounds inferred by the check serve the build (schedule.bound_memo), and only there."""
    cpu, seen = measure_methods.DeviceMeasure, []
    plain = cpu.build
    monkeypatch.setattr(cpu, "check", lambda self, task, config, sch, args:
                        seen.append((sch, sch.normalize())))

    def build(self, sch, *args):
        seen.append((sch, sch.normalize()))
        return plain(self, sch, *args)
    monkeypatch.setattr(cpu, "build", build)
    build_candidate(candidate)
    (checked, at_check), (built, at_build) = seen
    assert checked is built and at_check is at_build
    assert built.normalize() is not at_build
