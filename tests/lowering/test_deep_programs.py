"""Programs nesting deeper than Python's default 1,000 frames: a long expression built
by a Python loop, and fully unrolled loops whose CSE lets nest a statement per shared
subexpression (TVM's C++ handles both). minitvm raises the recursion limit for its walks
(minitvm/tir/depth.py); what is deeper still is a NestingTooDeepError naming the step."""
import sys

import numpy as np
import pytest

import minitvm as tvm
from minitvm import te
from minitvm.error import NestingTooDeepError
from minitvm.tir import depth


def long_sum(terms, n=8):
    """B[i] = A[i] + A[i]*1 + ... + A[i]*(terms-1): `terms` - 1 nested additions."""
    A = te.placeholder((n,), name="A")

    def body(i):
        e = A[i]
        for t in range(1, terms):
            e = e + A[i] * float(t)
        return e
    B = te.compute((n,), body, name="B")
    return te.create_schedule(B.op), A, B


def test_a_sum_of_400_terms_lowers_and_prints():
    # 399 additions nest ~1,600 frames deep in a walk: over Python's default limit
    s, A, B = long_sum(400)
    text = str(tvm.lower(s, [A, B], simple_mode=True))
    assert text.count("A_1[i] * T.float32(") == 398     # A[i] * 1 folds to A[i]


def test_a_sum_of_150_terms_builds_and_computes():
    s, A, B = long_sum(150)
    f = tvm.build(s, [A, B])
    a = np.random.default_rng(0).random(8).astype("float32")
    b = tvm.nd.array(np.zeros(8, "float32"))
    f(tvm.nd.array(a), b)
    np.testing.assert_allclose(b.numpy(), a * (1 + sum(range(1, 150))), rtol=1e-5)


def test_host_build_of_a_too_deep_expression_names_the_limit():
    # Python's parser takes 200 nested parentheses: the host build's code cannot hold it
    s, A, B = long_sum(400)
    with pytest.raises(NestingTooDeepError, match="build main: an expression of the program "
                       "nests deeper than the host build's Python code can"):
        tvm.build(s, [A, B])


@pytest.fixture
def limit_500_frames(monkeypatch):
    """A function setting minitvm's frame limit, and Python's, to 500 for the rest of the
    test (called once the program is built: building it needs more)."""
    old = sys.getrecursionlimit()

    def apply():
        monkeypatch.setattr(depth, "FRAMES", 500)
        sys.setrecursionlimit(500)
    yield apply
    sys.setrecursionlimit(old)


def test_deeper_than_the_raised_limit_is_a_clear_error(limit_500_frames):
    s, A, B = long_sum(400)
    limit_500_frames()
    with pytest.raises(NestingTooDeepError, match="schedule_to_module: the program nests "
                       "deeper than 500 Python frames"):
        tvm.lower(s, [A, B], simple_mode=True)


def test_the_limit_is_raised_never_lowered():
    assert sys.getrecursionlimit() >= depth.FRAMES


def test_a_lowering_pass_too_deep_for_the_limit_is_named(limit_500_frames):
    s, A, B = long_sum(400)
    mod = tvm.driver.build_module.schedule_to_module(s, [A, B])
    limit_500_frames()
    with pytest.raises(NestingTooDeepError, match="tir.StorageFlatten: the program nests "
                       "deeper than 500 Python frames"):
        tvm.lower(mod, simple_mode=True)
