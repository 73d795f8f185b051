"""Fixtures of the timing-model tests: every test starts with the model off and zeroed
statistics, and leaves the model off."""
import pytest

from vta_backend.testing import simulator


@pytest.fixture(autouse=True)
def model_off():
    simulator.timing_mode(False)
    simulator.debug_mode(0)
    simulator.clear_stats()
    yield
    simulator.timing_mode(False)
