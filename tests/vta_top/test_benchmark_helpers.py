"""What VTA's benchmark scripts import besides vta.top: relay.nn.get_pad_tuple2d and
contrib.pickle_memoize.memoize."""
import pytest

from minitvm import relay
from minitvm.contrib.pickle_memoize import memoize

CALLS = []


@pytest.mark.parametrize("padding,expected", [
    (1, (1, 1, 1, 1)), ((1, 0), (1, 0, 1, 0)), ((3, 2), (3, 2, 3, 2)),
    ((1, 2, 3, 4), (1, 2, 3, 4)), ([0, 0], (0, 0, 0, 0))])
def test_get_pad_tuple2d(padding, expected):
    assert relay.nn.get_pad_tuple2d(padding) == expected


def test_get_pad_tuple2d_error():
    with pytest.raises(ValueError, match="must have 2 or 4 entries"):
        relay.nn.get_pad_tuple2d((1, 2, 3))


def test_relay_has_only_the_helpers():
    with pytest.raises(AttributeError):
        relay.build  # noqa: B018  (minitvm has no Relay compiler)


def test_memoize_reuses_and_saves(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    CALLS.clear()

    @memoize("test.memoize", save_at_exit=False)
    def square(x):
        CALLS.append(x)
        return x * x

    assert square(3) == 9 and square(3) == 9 and square(4) == 16
    assert CALLS == [3, 4]
    from minitvm.contrib import pickle_memoize
    cache = pickle_memoize._CACHES["test.memoize.square.pkl"]
    cache.save()
    assert (tmp_path / ".pkl_memoize_py3" / "test.memoize.square.pkl").exists()
    reloaded = pickle_memoize.Cache("test.memoize.square.pkl", False)
    assert reloaded.cache[(0, 3)] == 9


def test_memoize_refuses_unhashable_arguments():
    @memoize("test.memoize.refuse")
    def f(x):
        return x

    with pytest.raises(TypeError, match="cannot key the cache"):
        f([1, 2])
