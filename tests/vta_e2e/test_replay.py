"""Replaying a module's recorded streams (vta_backend/host/replay.py) against running its
host code: the same instruction words, micro-ops, results and statistics, with the
arguments where they were and after they moved; and the cases that must not replay."""
import numpy as np
import pytest

import minitvm as tvm
import vta_backend as vta
from e2e_helpers import blocked_matmul, pack_matrix, vector_add
from minitvm import rpc
from minitvm.runtime.signature import ArgumentError
from vta_backend import runtime
from vta_backend.host import replay
from vta_backend.testing import simulator

ENV = vta.get_env()
IN_CHANNELS, OUT_CHANNELS = 64, 32


@pytest.fixture(scope="module")
def ctx():
    return rpc.LocalSession().ext_dev(0)


def build_matmul():
    return build_counted(*blocked_matmul(ENV, IN_CHANNELS, OUT_CHANNELS, 2, 2), "matmul")


def build_counted(s, args, name):
    """The module, with a count of how often its host code ran (`module.host_calls`)."""
    with vta.build_config():
        module = vta.build(s, args, tvm.target.Target("ext_dev", host=ENV.target_host),
                           name=name)
    host_function, module.host_calls = module._function, 0

    def counted(*args):
        module.host_calls += 1
        return host_function(*args)
    module._function = counted
    return module


def operands(ctx, seed):
    rng = np.random.default_rng(seed)
    data = rng.integers(-128, 128, (ENV.BATCH, IN_CHANNELS)).astype("int8")
    weight = rng.integers(-128, 128, (OUT_CHANNELS, IN_CHANNELS)).astype("int8")
    want = np.clip((data.astype("int32") @ weight.T.astype("int32")) >> ENV.INP_WIDTH, 0, 127)
    arrays = (tvm.nd.array(pack_matrix(ENV, data, ENV.BATCH, ENV.BLOCK_IN), ctx),
              tvm.nd.array(pack_matrix(ENV, weight, ENV.BLOCK_OUT, ENV.BLOCK_IN), ctx),
              tvm.nd.empty((1, OUT_CHANNELS // ENV.BLOCK_OUT, ENV.BATCH, ENV.BLOCK_OUT),
                           "int8", ctx))
    return arrays, want.astype("int8")


def run(module, arrays):
    """Result, statistics and the words of the stream the run synchronized."""
    simulator.clear_stats()
    arrays[2].copyfrom(np.zeros(arrays[2].shape, "int8"))
    module(*arrays)
    queue = runtime.command_handle(ENV)
    words = queue.insn_staging.data[:16 * len(queue.last_records)].copy()
    result = arrays[2].numpy().transpose((0, 2, 1, 3)).reshape(ENV.BATCH, OUT_CHANNELS)
    return result, simulator.stats(), words


def plain_run(module, arrays, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(replay, "enabled", False)
        return run(module, arrays)


def assert_replays_as_the_host_code(module, arrays, want, monkeypatch):
    """A run of the recorded module (the host code does not run again) gives what its
    host code gives: the result `want`, the statistics and the instruction words."""
    replayed = run(module, arrays)
    assert module.host_calls == 1
    plain = plain_run(module, arrays, monkeypatch)
    np.testing.assert_array_equal(replayed[0], want)
    assert replayed[1] == plain[1]
    assert replayed[2].tobytes() == plain[2].tobytes()


def test_a_replayed_run_is_the_run_of_the_host_code(ctx, monkeypatch):
    module = build_matmul()
    arrays, want = operands(ctx, 0)
    first = run(module, arrays)                       # records
    again = run(module, arrays)                       # replays
    assert module.host_calls == 1
    plain = plain_run(module, arrays, monkeypatch)    # host code, as before replay existed
    for result, stats, words in (first, again):
        np.testing.assert_array_equal(result, want)
        assert stats == plain[1]
        assert words.tobytes() == plain[2].tobytes()
    np.testing.assert_array_equal(plain[0], want)


def test_arguments_elsewhere_in_dram_move_the_recorded_addresses(ctx, monkeypatch):
    module = build_matmul()
    first_arrays, _ = operands(ctx, 1)
    run(module, first_arrays)
    recorded = module._replay._template.streams
    recorded_records = [[list(r) for r in stream.records] for stream in recorded]
    padding = tvm.nd.empty((4096,), "int8", ctx)      # so the next arrays land elsewhere
    arrays, want = operands(ctx, 2)
    assert arrays[0].storage is not first_arrays[0].storage
    assert_replays_as_the_host_code(module, arrays, want, monkeypatch)
    # the moved streams are copies: the recording keeps the first arrays' addresses
    assert [[list(r) for r in stream.records] for stream in recorded] == recorded_records
    del padding


def test_a_queue_made_anew_stages_micro_ops_elsewhere_and_the_replay_follows(ctx, monkeypatch):
    module = build_matmul()
    arrays, want = operands(ctx, 4)
    run(module, arrays)
    old_staging = runtime.command_handle(ENV).uop_staging.phys_addr
    runtime.shutdown()                                  # frees the queue's staging buffers
    squatter = runtime.device_memory().alloc(1 << 20)   # takes their pages, holds garbage
    squatter.data[:] = 0x5A
    assert squatter.phys_addr == old_staging
    assert_replays_as_the_host_code(module, arrays, want, monkeypatch)
    runtime.device_memory().free(squatter)


def test_streams_that_cannot_move_run_the_host_code_for_arguments_elsewhere(ctx, monkeypatch):
    module = build_matmul()
    first_arrays, _ = operands(ctx, 5)
    run(module, first_arrays)
    template = module._replay._template
    del template.spans[2]      # as if the STOREs addressed a buffer that is no argument
    assert template.moves(runtime.command_handle(ENV)) is None
    padding = tvm.nd.empty((4096,), "int8", ctx)
    arrays, want = operands(ctx, 6)
    result, stats, words = run(module, arrays)
    assert module.host_calls == 2                      # ran again, and recorded anew
    plain = plain_run(module, arrays, monkeypatch)
    np.testing.assert_array_equal(result, want)
    assert (stats, words.tobytes()) == (plain[1], plain[2].tobytes())
    del padding


def test_arguments_that_share_memory_never_reach_the_replay(ctx):
    # A row of a recorded stream must address one argument only (replay.py's docstring):
    # the signature refuses A + A before the host code runs or anything is recorded
    module = build_counted(*vector_add(ENV, m=4), "vadd")
    shape = (1, 4, ENV.BATCH, ENV.BLOCK_OUT)
    a = tvm.nd.array(np.arange(np.prod(shape), dtype="int32").reshape(shape), ctx)
    out = tvm.nd.empty(shape, "int8", ctx)
    with pytest.raises(ArgumentError, match="arguments 'A' and 'B' share memory"):
        module(a, a, out)
    assert module.host_calls == 0 and module._replay._template is None
    b = tvm.nd.array(a.numpy(), ctx)
    module(a, b, out)
    np.testing.assert_array_equal(out.numpy(), 2 * a.numpy())


def test_a_debug_dump_runs_the_host_code(ctx, capsys):
    module = build_matmul()
    arrays, want = operands(ctx, 3)
    run(module, arrays)
    queue = runtime.command_handle(ENV)
    queue.set_debug_mode(vta.DEBUG_DUMP_INSN)
    try:
        result, _, _ = run(module, arrays)
        assert module.host_calls == 2
    finally:
        queue.set_debug_mode(0)
    np.testing.assert_array_equal(result, want)
    assert "INSTRUCTION" in capsys.readouterr().out


def test_host_code_that_touches_data_is_not_replayable():
    assert replay.replayable_host_code({"VTALoadBuffer2D", "VTAPushGEMMOp"})
    assert not replay.replayable_host_code({"VTALoadBuffer2D", "VTABufferCPUPtr"})
    assert not replay.replayable_host_code({"VTABufferAlloc", "VTABufferFree"})
