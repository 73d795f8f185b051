"""Fixtures of the VTA hardware-model tests (helpers live in hw_helpers.py)."""
import pytest

from vta_backend.testing import simulator

from hw_helpers import CONFIGS, make_env, new_queue


@pytest.fixture(params=sorted(CONFIGS))
def env(request):
    return make_env(request.param)


@pytest.fixture
def queue(env):
    return new_queue(env)


@pytest.fixture(autouse=True)
def clean_stats():
    simulator.debug_mode(0)
    simulator.clear_stats()
    yield
    simulator.debug_mode(0)
