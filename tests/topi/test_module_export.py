"""Module.export_library / tvm.runtime.load_module round trips, tvm.contrib.cc's clear
refusal, and time_evaluator's warm-up call."""
import numpy as np
import pytest

import minitvm as tvm
from minitvm import te
from minitvm.contrib import cc
from minitvm.runtime.module import Module


def exp_plus_one(n=16):
    A = te.placeholder((n,), name="A")
    B = te.compute(A.shape, lambda i: te.exp(A[i]) + 1.0, name="B")
    return tvm.build(te.create_schedule(B.op), [A, B], "llvm", name="expp1")


@pytest.mark.parametrize("fcompile", [None, cc.create_shared])
def test_export_library_round_trips_as_data(fcompile, tmp_path):
    path = str(tmp_path / "expp1.so")
    exp_plus_one().export_library(path, fcompile)
    with open(path) as saved:
        text = saved.read()
    assert "np.exp" not in text and "def expp1" not in text     # data, not code
    loaded = tvm.runtime.load_module(path)
    a = np.linspace(-2, 2, 16).astype("float32")
    b = tvm.nd.array(np.zeros(16, "float32"))
    loaded(tvm.nd.array(a), b)
    np.testing.assert_allclose(b.numpy(), np.exp(a) + 1, rtol=1e-6)


def test_export_library_refuses_a_compiler(tmp_path):
    path = str(tmp_path / "expp1.so")
    with pytest.raises(ValueError, match="nothing for fcompile='my_cc' to compile"):
        exp_plus_one().export_library(path, fcompile=_named("my_cc"))


def _named(name):
    def compiler(*args):
        raise AssertionError("never called")
    compiler.__name__ = name
    return compiler


def test_cc_create_shared_says_what_to_use_instead():
    with pytest.raises(cc.NoNativeCompilerError,
                       match=r"export_library\('lib.so'\).*tvm.runtime.load_module"):
        cc.create_shared("lib.so", ["a.o"])


class _Counting(Module):
    entry_name = "f"

    def __init__(self):
        self.calls = 0

    def get_function(self, name):
        def run(*args):
            self.calls += 1
        return run


@pytest.mark.parametrize("number, repeat", [(1, 1), (3, 1), (4, 2)])
def test_time_evaluator_warms_up_once(number, repeat):
    mod = _Counting()
    result = mod.time_evaluator("f", tvm.cpu(0), number=number, repeat=repeat)()
    assert mod.calls == number * repeat + 1
    assert len(result.results) == repeat
