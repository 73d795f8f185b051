"""The module vta.build returns: repeated runs, save and load, wrong arguments, the local
RPC session, `vta.testing.run`, and host code the runtime cannot take."""
import gc
import json
import tracemalloc

import numpy as np
import pytest

import minitvm as tvm
import vta_backend as vta
from e2e_helpers import vector_add
from minitvm import rpc, te
from minitvm.runtime import ArgumentError, NDArray, collector
from minitvm.tir import expr as E
from minitvm.tir import stmt as S
from minitvm.tir.function import PrimFunc
from vta_backend import device_api, runtime
from vta_backend.host import VTAHostCompileError, compile_host, externs
from vta_backend.module import ModuleFormatError, VTAModule
from vta_backend.simulator import Device
from vta_backend.testing import simulator
from vta_backend.testing.utils import run as vta_run
from vta_backend.transform.common import PUSH_GEMM, uop_push, uop_scope

ENV = vta.get_env()
SHAPE = (1, 64, ENV.BATCH, ENV.BLOCK_OUT)


@pytest.fixture(scope="module")
def vadd():
    s, args = vector_add(ENV)
    return vta.build(s, args, tvm.target.Target("ext_dev", host=ENV.target_host), name="vadd")


@pytest.fixture(scope="module")
def ctx():
    return rpc.LocalSession().ext_dev(0)


def operands(ctx, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.integers(-1000, 1000, SHAPE).astype("int32")
    b = rng.integers(-1000, 1000, SHAPE).astype("int32")
    arrays = (tvm.nd.array(a, ctx), tvm.nd.array(b, ctx),
              tvm.nd.empty(SHAPE, dtype="int8", device=ctx))
    return arrays, (a + b).astype("int8")


def run_once(module, arrays):
    simulator.clear_stats()
    arrays[2].copyfrom(np.zeros(SHAPE, "int8"))
    module(*arrays)
    return arrays[2].numpy(), simulator.stats()


# ------------------------------------------------------------------ repeated runs
def test_repeated_runs_give_the_same_results_and_statistics(vadd, ctx):
    arrays, want = operands(ctx)
    first, first_stats = run_once(vadd, arrays)
    np.testing.assert_array_equal(first, want)
    for _ in range(3):
        result, again = run_once(vadd, arrays)
        np.testing.assert_array_equal(result, want)
        assert again == first_stats
    assert vadd.num_kernels == 1                       # recorded once, reloaded each run
    assert first_stats["uop_load_nbytes"] == 4         # ... and loaded once per run


def test_repeated_runs_do_not_grow_memory(vadd, ctx):
    arrays, _ = operands(ctx, seed=1)
    for _ in range(3):
        run_once(vadd, arrays)
    buffers = device_api.live_buffers()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(30):
        run_once(vadd, arrays)
    growth = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert device_api.live_buffers() == buffers
    assert runtime.command_handle(ENV).records == []
    assert growth < 100_000, f"{growth} bytes more after 30 runs"


def test_a_run_that_fails_part_way_leaves_nothing_behind(vadd, ctx):
    """The instructions queued before the failure are dropped and the kernel it had placed
    is loaded again: the next run counts exactly what a clean run does."""
    arrays, want = operands(ctx, seed=4)
    _, clean = run_once(vadd, arrays)
    (a, b, _), _ = operands(ctx, seed=5)
    gone = tvm.nd.empty(SHAPE, "int8", ctx)
    runtime.buffer_free(device_api.dram_buffer(gone.storage))   # the store will fail
    with pytest.raises(runtime.RuntimeAPIError, match="store_buffer_2d: .* is not a live"):
        vadd(a, b, gone)
    result, again = run_once(vadd, arrays)
    np.testing.assert_array_equal(result, want)
    assert again == clean


# ------------------------------------------------------------------ garbage collector
@pytest.fixture
def collector_seen(monkeypatch):
    """Whether the cyclic garbage collector was on at each device run."""
    seen, device_run = [], Device.run

    def run(device, *args):
        seen.append(gc.isenabled())
        return device_run(device, *args)
    monkeypatch.setattr(Device, "run", run)
    return seen


def test_a_run_pauses_the_collector_and_gives_what_a_plain_run_gives(vadd, ctx, monkeypatch,
                                                                     collector_seen):
    arrays, want = operands(ctx, seed=6)
    paused = run_once(vadd, arrays)
    assert collector_seen == [False] and gc.isenabled()
    monkeypatch.setattr(collector, "enabled", False)
    plain = run_once(vadd, arrays)
    assert collector_seen == [False, True]
    np.testing.assert_array_equal(paused[0], want)
    np.testing.assert_array_equal(plain[0], want)
    assert paused[1] == plain[1]


def test_the_collector_is_on_again_after_a_failed_run(vadd, ctx):
    (a, b, _), _ = operands(ctx, seed=7)
    gone = tvm.nd.empty(SHAPE, "int8", ctx)
    runtime.buffer_free(device_api.dram_buffer(gone.storage))
    with pytest.raises(runtime.RuntimeAPIError):
        vadd(a, b, gone)
    assert gc.isenabled()


def test_a_collector_the_caller_disabled_stays_disabled(vadd, ctx, collector_seen):
    arrays, want = operands(ctx, seed=8)
    gc.disable()
    try:
        result, _ = run_once(vadd, arrays)
        assert not gc.isenabled()
    finally:
        gc.enable()
    assert collector_seen == [False]
    np.testing.assert_array_equal(result, want)


def test_arrays_free_their_device_memory(ctx):
    before = device_api.live_buffers()
    arrays, _ = operands(ctx)
    assert device_api.live_buffers() == before + 3
    del arrays
    assert device_api.live_buffers() == before


def test_the_convolution_module_runs_again_with_the_same_statistics(tutorial):
    """A second call reloads every micro-op kernel (synchronize uncached them) and counts
    exactly what the first did."""
    run = tutorial("convolution_opt")
    ns = run.namespace
    ns["res_nd"].copyfrom(np.zeros(ns["output_shape"], "int8"))
    simulator.clear_stats()
    ns["f"](ns["data_nd"], ns["kernel_nd"], ns["res_nd"])
    assert simulator.stats() == run.stats
    np.testing.assert_array_equal(ns["res_nd"].numpy(), ns["res_ref"])


# ------------------------------------------------------------------ save and load
def test_saved_module_loads_and_runs(vadd, ctx, tmp_path):
    path = tmp_path / "vadd.o"
    vadd.save(str(path))
    document = json.loads(path.read_text())
    assert document["kind"] == "vta" and document["entry_name"] == "vadd"
    assert "source" not in document and "def " not in document["ir"]   # data, not code
    loaded = tvm.runtime.load_module(str(path))
    assert isinstance(loaded, VTAModule) and loaded.signature == vadd.signature
    arrays, want = operands(ctx, seed=2)
    result, _ = run_once(loaded, arrays)
    np.testing.assert_array_equal(result, want)


def test_local_session_upload_and_load(vadd, tmp_path):
    path = tmp_path / "vadd.o"
    vadd.save(str(path))
    remote = rpc.LocalSession()
    remote.upload(str(path))
    assert remote.listdir() == ["vadd.o"]
    loaded = remote.load_module("vadd.o")
    device = remote.ext_dev(0)
    assert str(device).endswith("ext_dev(0)") and device.base_type == 12
    arrays, want = operands(device, seed=3)
    result, _ = run_once(loaded, arrays)
    np.testing.assert_array_equal(result, want)
    with pytest.raises(rpc.RPCError, match="no file 'missing.o'; upload it first"):
        remote.load_module("missing.o")


def _saved(vadd, tmp_path):
    path = tmp_path / "vadd.o"
    vadd.save(str(path))
    return path, json.loads(path.read_text())


def test_truncated_file_is_refused(vadd, tmp_path):
    path, _ = _saved(vadd, tmp_path)
    text = path.read_text()
    path.write_text(text[:len(text) // 2])
    with pytest.raises(ValueError, match="cannot load module .*vadd.o"):
        tvm.runtime.load_module(str(path))


@pytest.mark.parametrize("field, value, message", [
    ("ir", "{}", "not a minitvm IR document"),
    ("ir", None, "field 'ir' is missing"),
    ("config", {"TARGET": "sim"}, "field 'HW_VER': missing"),
    ("signature", {"params": [["BufferParam", "A", "int8", [1]]], "shape_vars": [],
                   "device_type": 12}, "saved signature does not match"),
])
def test_corrupt_file_is_refused(vadd, tmp_path, field, value, message):
    path, document = _saved(vadd, tmp_path)
    document[field] = value
    path.write_text(json.dumps(document))
    with pytest.raises(ModuleFormatError, match=f"cannot load VTA module.*{message}"):
        tvm.runtime.load_module(str(path))


def test_file_calling_an_unknown_function_is_refused(vadd, tmp_path):
    path, document = _saved(vadd, tmp_path)
    document["ir"] = document["ir"].replace("VTAStoreBuffer2D", "system")
    path.write_text(json.dumps(document))
    with pytest.raises(ModuleFormatError, match="calls 'system', which is not a function of "
                                                "VTA's runtime"):
        tvm.runtime.load_module(str(path))


# ------------------------------------------------------------------ wrong arguments
def test_wrong_arguments_name_the_parameter(vadd, ctx):
    (a, b, c), _ = operands(ctx)
    cases = [
        ((a, b, tvm.nd.empty((1, 32, 1, 16), "int8", ctx)), r"argument 'C' has shape"),
        ((tvm.nd.empty(SHAPE, "int8", ctx), b, c), r"argument 'A' has dtype int8 but the "
                                                   r"function expects int32"),
        ((a, tvm.nd.array(b.numpy()), c), r"argument 'B' is on cpu\(0\) but the function runs "
                                          r"on ext_dev"),
        ((a, b), r"expected 3 arguments \(A, B, C\), got 2"),
        ((a, b, NDArray(np.zeros(SHAPE, "int8"), tvm.runtime.ext_dev(0))),
         r"argument 'C' is on ext_dev\(0\) but its storage is not in VTA's device memory"),
    ]
    for args, message in cases:
        with pytest.raises(ArgumentError, match=message):
            vadd(*args)


# ------------------------------------------------------------------ rpc and testing.run
def test_connect_says_there_is_no_network():
    with pytest.raises(rpc.RPCError, match="no network RPC.*LocalSession"):
        rpc.connect("192.168.2.99", 9091)


def test_testing_run_gives_a_local_session():
    env, remote = vta_run(lambda env, remote: (env, remote))
    assert env is ENV and isinstance(remote, rpc.LocalSession)
    cfg = dict(ENV.cfg_dict, TARGET="pynq")
    with vta.Environment(cfg):
        with pytest.raises(rpc.RPCError, match="TARGET 'pynq' needs a VTA board"):
            vta_run(lambda env, remote: None)


# ------------------------------------------------------------------ host code the runtime refuses
def test_kernel_closing_over_two_variables_is_refused():
    x, y = E.Var("x", "int32"), E.Var("y", "int32")
    kernel = uop_scope(PUSH_GEMM, uop_push(0, 0, x, y, 0, 0, 0, 0))
    body = S.For(x, E.IntImm("int32", 0), E.IntImm("int32", 2), "serial",
                 S.For(y, E.IntImm("int32", 0), E.IntImm("int32", 2), "serial", kernel))
    with pytest.raises(VTAHostCompileError, match=r"micro-op kernel 0 \(VTAPushGEMMOp\) uses "
                                                  r"x \(int32\), y \(int32\).*single int32"):
        compile_host(PrimFunc((), body), "two_keys")


def test_host_loops_reach_device_arrays_through_cpu_pointers(ctx, monkeypatch):
    """Stages left on the CPU read and write ext_dev arrays through VTABufferCPUPtr, and an
    intermediate array becomes a DRAM workspace freed after the call."""
    a = te.placeholder((4, 8), name="A", dtype="int32")
    b = te.compute((4, 8), lambda i, j: a[i, j] + 1, "B")
    c = te.compute((4, 8), lambda i, j: b[i, j] * 2, "C")
    module = vta.build(te.create_schedule(c.op), [a, c], "ext_dev", name="on_cpu")
    assert "VTABufferCPUPtr" in module.get_source() and "VTABufferFree" in module.get_source()
    a_np = np.arange(32, dtype="int32").reshape(4, 8)
    out = tvm.nd.empty((4, 8), "int32", ctx)
    live, sizes = [], []
    monkeypatch.setattr(externs, "buffer_alloc", lambda n: sizes.append(n) or live.append(
        runtime.buffer_alloc(n)) or live[-1])
    monkeypatch.setattr(externs, "buffer_free", lambda b: (runtime.buffer_free(b),
                                                           live.remove(b)))
    module(tvm.nd.array(a_np, ctx), out)
    np.testing.assert_array_equal(out.numpy(), (a_np + 1) * 2)
    assert sizes == [4 * 8 * 4] and live == []
