"""Tasks, dispatch contexts and log records."""
import io
import json
import logging

import numpy as np
import pytest

import minitvm as tvm
from minitvm import autotvm
from minitvm.autotvm.measure import MeasureInput, MeasureResult
from minitvm.autotvm.record import RecordError, decode, encode, load_from_buffer
from minitvm.autotvm.task import TaskError
from templates import USED, matmul

ARGS = (16, 8, 32, "float32")


def make_task():
    return autotvm.task.create("test.matmul", args=ARGS, target="llvm")


def test_create_collects_the_space():
    task = make_task()
    # tile_y: divisors of 16 (5); tile_x: power-of-two pairs of 32 with a+b <= 5 (21); unroll 2
    assert task.config_space.dims == [5, 21, 2]
    assert len(task.config_space) == 210
    assert task.flop == 2 * 16 * 8 * 32
    assert task.workload == ("test.matmul", 16, 8, 32, "float32")


@pytest.mark.parametrize("index", [0, 17, 101, 209])
def test_instantiated_config_matches_numpy(index):
    task = make_task()
    s, args = task.instantiate(task.config_space.get(index))
    f = tvm.build(s, args, target="llvm")
    a, b = np.random.rand(16, 8).astype("float32"), np.random.rand(8, 32).astype("float32")
    c = tvm.nd.array(np.zeros((16, 32), "float32"))
    f(tvm.nd.array(a), tvm.nd.array(b), c)
    np.testing.assert_allclose(c.numpy(), a @ b, rtol=1e-5)


def test_record_round_trip():
    task = make_task()
    config = task.config_space.get(123)
    inp = MeasureInput(task.target, task, config)
    res = MeasureResult((0.25, 0.5), 0, 1.5, 1700000000.0)
    line = encode(inp, res)
    row = json.loads(line)
    assert row["input"] == ["llvm", "test.matmul", [16, 8, 32, "float32"], {}]
    assert row["config"]["index"] == 123 and row["version"] == 0.2
    inp2, res2 = decode(line)
    assert inp2.config == config and inp2.config.index == 123
    assert inp2.task.workload == task.workload and str(inp2.target) == "llvm"
    assert res2 == res and inp2.config.cost == pytest.approx(0.375)


def test_failed_record_costs_1e9():
    task = make_task()
    inp = MeasureInput(task.target, task, task.config_space.get(0))
    row = json.loads(encode(inp, MeasureResult(("boom",), 4, 0.1, 0.0)))
    assert row["result"][:2] == [[1e9], 4]


def test_decode_a_tvm_record():
    # A line in TVM's format as TVM writes it (hand-written from TVM's record.encode).
    line = ('{"input": ["ext_dev -keys=vta,cpu -device=vta -model=sim_1x16_i8w8a32_15_15_18_17",'
            ' "conv2d_packed.vta", [["TENSOR", [1, 4, 56, 56, 1, 16], "int8"], ["TENSOR", '
            '[4, 4, 3, 3, 16, 16], "int8"], [1, 1], [1, 1, 1, 1], [1, 1], "NCHW1n16c", '
            '"int32"], {}], "config": {"index": 70, "code_hash": null, "entity": [["tile_b", '
            '"sp", [-1, 1]], ["tile_h", "sp", [-1, 8]], ["oc_nthread", "ot", 2]]}, "result": '
            '[[0.0012], 0, 2.1, 1580000000.0], "version": 0.2, "tvm_version": "0.7.dev1"}')
    inp, res = decode(line)
    assert inp.target.keys == ("vta", "cpu") and inp.target.model.startswith("sim_1x16")
    assert inp.task.args[0] == ("TENSOR", (1, 4, 56, 56, 1, 16), "int8")
    assert inp.config["tile_h"].size == [-1, 8] and inp.config["oc_nthread"].val == 2
    assert res.costs == (0.0012,) and res.error_no == 0


def _log(task, costs_by_index):
    lines = []
    for index, cost in costs_by_index.items():
        inp = MeasureInput(task.target, task, task.config_space.get(index))
        error = 0 if cost is not None else 4
        lines.append(encode(inp, MeasureResult((cost or 0.0,), error, 0.0, 0.0)))
    return io.StringIO("\n".join(["# a comment"] + lines) + "\n")


def test_apply_history_best_picks_the_fastest_valid_record():
    task = make_task()
    log = _log(task, {5: 0.3, 9: 0.1, 11: None, 40: 0.2})
    with autotvm.apply_history_best(log):
        with tvm.target.Target("llvm"):
            cfg = autotvm.task.DispatchContext.current.query(tvm.target.Target("llvm"),
                                                             task.workload)
    assert cfg.index == 9


def test_template_under_history_best_gets_that_config():
    task = make_task()
    with autotvm.apply_history_best(_log(task, {37: 0.1})):
        with tvm.target.Target("llvm"):
            matmul(*ARGS)
    # point 37 -> knobs (37 % 5, 37 // 5 % 21, 37 // 105) = (2, 7, 0): tile_y's third
    # divisor of 16 (4), tile_x's eighth power-of-two pair, no unroll
    cfg = USED[-1]
    assert cfg.index == 37 and cfg["tile_y"].size == [-1, 4] and cfg["unroll"].val == 0
    assert cfg["tile_x"] == task.config_space.space_map["tile_x"][7]


def test_fallback_warns_once_and_uses_first_entities(caplog):
    autotvm.task.DispatchContext.warning_messages.clear()
    with caplog.at_level(logging.WARNING, logger="autotvm"):
        with tvm.target.Target("llvm"):
            matmul(16, 8, 16, "float32")
            matmul(16, 8, 16, "float32")
    assert sum("fallback configuration" in r.message for r in caplog.records) == 1


def test_history_best_needs_a_target():
    task = make_task()
    with autotvm.apply_history_best(_log(task, {1: 0.1})):
        with pytest.raises(RuntimeError, match="needs a target"):
            matmul(*ARGS)


# ---- user errors ----
def test_error_unknown_task():
    with pytest.raises(TaskError, match="no autotvm task is registered as 'nope'"):
        autotvm.task.create("nope", args=(), target="llvm")


def test_error_unserializable_argument():
    with pytest.raises(TaskError, match="argument .* of type object"):
        autotvm.task.create("test.matmul", args=(object(),), target="llvm")


def test_error_keyword_arguments_to_a_template():
    with pytest.raises(TaskError, match="keyword arguments"):
        matmul(16, 8, 32, dtype="float32")


def test_error_not_a_record():
    with pytest.raises(RecordError, match="not a tuning record"):
        list(load_from_buffer(io.StringIO('{"input": 3}\n')))


def test_pick_best_keeps_the_fastest_valid_record(tmp_path):
    task = make_task()
    src, dst = tmp_path / "all.log", tmp_path / "best.log"
    src.write_text(_log(task, {3: 0.5, 4: None, 8: 0.2, 9: 0.7}).getvalue())
    autotvm.record.pick_best(str(src), str(dst))
    records = list(autotvm.record.load_from_file(dst))
    assert [(inp.config.index, res.costs) for inp, res in records] == [(8, (0.2,))]


def test_tophub_context_with_extra_files_and_no_package(tmp_path):
    task = make_task()
    extra = tmp_path / "extra.log"
    extra.write_text(_log(task, {12: 0.1}).getvalue())
    target = tvm.target.Target("llvm")          # no package is registered for the CPU
    with autotvm.tophub.context(target, extra_files=[str(extra)]):
        cfg = autotvm.task.DispatchContext.current.query(target, task.workload)
    assert cfg.index == 12
