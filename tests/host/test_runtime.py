"""Runtime pieces: NDArray and devices, saving and loading modules, targets,
tempdir and assert_allclose."""
import os

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import minitvm as tvm
import minitvm.nd as nd
import minitvm.runtime as runtime
import minitvm.tir as T
from minitvm.codegen import build_host
from minitvm.contrib import utils
from minitvm.target import Target, vta
from minitvm.testing import assert_allclose

from host_ir import func, grid, load, param, store


# --- NDArray ------------------------------------------------------------------------

def test_array_copies_into_contiguous_storage():
    x = np.arange(12, dtype="int8").reshape(3, 4).T        # not C-contiguous
    a = nd.array(x)
    assert a.shape == (4, 3) and a.dtype == "int8" and a.device == runtime.cpu(0)
    x[0, 0] = 100
    np.testing.assert_array_equal(a.numpy(), np.arange(12).reshape(3, 4).T)
    assert a.storage.flags.c_contiguous


def test_numpy_returns_a_copy_and_asnumpy_is_an_alias():
    a = nd.array(np.zeros(3, "float32"))
    a.numpy()[0] = 5
    assert a.asnumpy()[0] == 0


def test_empty_and_copyfrom():
    a = nd.empty((2, 2), "int32", runtime.ext_dev(0))
    assert a.device.device_type == 12 and str(a.device) == "ext_dev(0)"
    a.copyfrom(np.ones((2, 2)))
    np.testing.assert_array_equal(a.numpy(), np.ones((2, 2), "int32"))
    with pytest.raises(ValueError, match=r"copyfrom: source has shape \(3,\) but this NDArray "
                                         r"has shape \(2, 2\)"):
        a.copyfrom(np.ones(3))


def test_unsupported_dtype_is_refused():
    with pytest.raises(TypeError, match="arrays of dtype complex64 are not supported"):
        nd.array(np.zeros(2, "complex64"))
    with pytest.raises(TypeError, match="arrays of dtype float8 are not supported"):
        nd.empty(2, "float8")


def test_devices():
    assert runtime.cpu(0).device_type == 1 and runtime.ext_dev(1).device_id == 1
    assert runtime.device("cpu", 0) == runtime.cpu(0)
    assert repr(runtime.Device(12 + 128, 0)) == "remote[0]:ext_dev(0)"
    with pytest.raises(ValueError, match="unknown device 'gpu'"):
        runtime.device("gpu")


def test_enabled():
    assert runtime.enabled("llvm") and runtime.enabled("rpc") and runtime.enabled("ext_dev")
    assert not runtime.enabled("cuda")


# --- modules ------------------------------------------------------------------------

def _doubler():
    a, b = param("A", "float32", (4,)), param("B", "float32", (4,))
    i = T.Var("i")
    return build_host(func([a, b], grid([(i, 4)], store(b[2], i, load(a[2], i) * 2.0))),
                      "double")


def test_module_api():
    mod = _doubler()
    assert mod.entry_name == "double" and mod["double"] is not None
    assert "def double(A, B):" in mod.get_source()
    with pytest.raises(AttributeError, match="no function 'main'"):
        mod["main"]
    out = nd.empty(4)
    timer = mod.time_evaluator("double", runtime.cpu(0), number=3)
    assert timer(nd.array(np.ones(4, "float32")), out).mean > 0
    np.testing.assert_array_equal(out.numpy(), [2, 2, 2, 2])


def test_save_and_load_round_trip_through_the_ir():
    temp = utils.tempdir()
    path = temp.relpath("double.o")
    _doubler().save(path)
    with open(path) as saved:
        assert "def double" not in saved.read()       # data, not code
    loaded = runtime.load_module(path)
    out = nd.empty(4)
    loaded(nd.array(np.arange(4, dtype="float32")), out)
    np.testing.assert_array_equal(out.numpy(), [0, 2, 4, 6])


def test_loading_something_else_fails_clearly(tmp_path):
    path = tmp_path / "junk.o"
    path.write_text("not a module")
    with pytest.raises(ValueError, match="cannot load module .*junk.o"):
        runtime.load_module(str(path))


# --- targets ------------------------------------------------------------------------

def test_llvm_target_with_options():
    t = Target("llvm -mtriple=armv7-none-linux-gnueabihf")
    assert t.kind.name == "llvm" and t.mtriple == "armv7-none-linux-gnueabihf"
    assert str(t) == "llvm -mtriple=armv7-none-linux-gnueabihf" and t.keys == ("cpu",)
    assert t.host is None


def test_ext_dev_target_with_host():
    t = Target("ext_dev", host="llvm")
    assert t.kind.name == "ext_dev" and t.host.kind.name == "llvm" and str(t) == "ext_dev"
    v = Target(vta(model="sim_1x16_i8w8a32_15x15x18x17"), host=Target("llvm"))
    assert v.device_name == "vta" and v.keys == ("vta", "cpu")
    assert v.model == "sim_1x16_i8w8a32_15x15x18x17" and str(v.host) == "llvm"


def test_unknown_target_kind_and_option_are_refused():
    with pytest.raises(ValueError, match="unknown target kind 'rocm'.*knows: cuda, ext_dev"):
        Target("rocm")
    with pytest.raises(ValueError, match="unknown option -arch for kind 'llvm'"):
        Target("llvm -arch=sm_80")
    with pytest.raises(ValueError, match="must be a CPU target"):
        Target("llvm", host="ext_dev")


# --- utilities ----------------------------------------------------------------------

def test_tempdir_relpath_and_cleanup():
    temp = utils.tempdir()
    path = temp.relpath("x.txt")
    with open(path, "w") as out:
        out.write("hi")
    assert temp.listdir() == ["x.txt"]
    temp.remove()
    assert not os.path.exists(temp.path)


def test_tempdir_is_removed_when_collected():
    temp = utils.tempdir()
    where = temp.path
    del temp
    assert not os.path.exists(where)


def test_assert_allclose_accepts_ndarrays():
    assert_allclose(nd.array(np.ones(3)), np.ones(3))
    with pytest.raises(AssertionError):
        assert_allclose(nd.array(np.ones(3)), np.ones((1, 3)))
    with pytest.raises(AssertionError):
        assert_allclose(np.ones(3), np.ones(3) + 1e-3)


_SPECIAL = st.sampled_from([0.0, -0.0, 1.0, 1e-9, 1e300, np.nan, np.inf, -np.inf])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.floats(-1e3, 1e3), _SPECIAL), min_size=1, max_size=6),
       st.lists(st.one_of(st.floats(-1e-3, 1e-3), _SPECIAL), min_size=6, max_size=6),
       st.sampled_from(["float64", "float32", "int8", "int32", "complex64"]),
       st.sampled_from([0.0, 1e-7, 1e-3]), st.sampled_from([0.0, 1e-7, 1e-3]))
def test_assert_allclose_passes_exactly_when_numpys_does(values, noise, dtype, rtol, atol):
    # numpy.testing.assert_allclose is the truth; ours passes without importing it
    values = np.array(values)
    if "int" in dtype:
        values = np.nan_to_num(values, posinf=100, neginf=-100).clip(-100, 100)
    with np.errstate(invalid="ignore", over="ignore"):
        desired = values.astype(dtype)
        actual = (desired + np.array(noise[:len(values)])).astype(dtype)
    try:
        np.testing.assert_allclose(actual, desired, rtol=rtol, atol=atol)
        numpy_passes = True
    except AssertionError:
        numpy_passes = False
    if numpy_passes:
        assert_allclose(actual, desired, rtol=rtol, atol=atol)
    else:
        with pytest.raises(AssertionError, match="Not equal to tolerance"):
            assert_allclose(actual, desired, rtol=rtol, atol=atol)


def test_tvm_namespace_reaches_runtime_pieces():
    assert tvm.nd.array is nd.array and tvm.runtime.enabled("llvm")
    assert tvm.testing.assert_allclose is assert_allclose


def test_a_backend_can_allocate_device_arrays(monkeypatch):
    from minitvm.runtime import ndarray
    pool = np.zeros(64, "int8")
    monkeypatch.setitem(ndarray._ALLOCATORS, 12, lambda shape, dtype: pool[:8].view(dtype)
                        .reshape(shape))
    a = nd.array(np.arange(8, dtype="int8"), runtime.ext_dev(0))
    np.testing.assert_array_equal(pool[:8], np.arange(8))
    assert a.numpy().tolist() == list(range(8))
