"""Tuning logs (TVM's `autotvm.record`): one JSON object a line, in TVM's record format.

    {"input": [target, task name, task args, task kwargs],
     "config": {"index": i, "code_hash": null, "entity": [[knob, kind, value], ...]},
     "result": [costs, error_no, all_cost, timestamp],
     "version": 0.2, "tvm_version": "..."}

A failed measurement stores costs [1e9]. Lines starting with "#" are comments.
"""
from __future__ import annotations

import json
import os

import numpy as np

from ..target import Target
from .measure import MeasureInput, MeasureResult
from .task import ConfigEntity, Task

AUTOTVM_LOG_VERSION = 0.2
TVM_VERSION = "0.17.0"   # the TVM release whose log format and names minitvm follows


class RecordError(ValueError):
    """A log line that is not a tuning record."""


def encode(inp, result, protocol="json"):
    """The log line of one measurement."""
    if protocol != "json":
        raise RecordError(f"record protocol {protocol!r} is not supported; use 'json'")
    costs = list(result.costs) if result.error_no == 0 else [1e9]
    row = {"input": [str(inp.target), inp.task.name, _jsonable(inp.task.args), {}],
           "config": inp.config.to_json_dict(),
           "result": [costs, int(result.error_no), result.all_cost, result.timestamp],
           "version": AUTOTVM_LOG_VERSION, "tvm_version": TVM_VERSION}
    return json.dumps(row)


def _jsonable(x):
    return [_jsonable(a) for a in x] if isinstance(x, (tuple, list)) else x


def _tuples(x):
    return tuple(_tuples(a) for a in x) if isinstance(x, list) else x


def decode(row, protocol="json"):
    """(MeasureInput, MeasureResult) of a log line."""
    if protocol != "json":
        raise RecordError(f"record protocol {protocol!r} is not supported; use 'json'")
    try:
        row = json.loads(row)
        target, name, args, _ = row["input"]
        config = ConfigEntity.from_json_dict(row["config"])
        costs, error_no, all_cost, timestamp = row["result"]
    except (ValueError, KeyError, TypeError) as err:
        raise RecordError(f"not a tuning record ({err}): {str(row)[:120]}") from None
    inp = MeasureInput(Target(target), Task(name, _tuples(args)), config)
    result = MeasureResult(tuple(costs), error_no, all_cost, timestamp)
    config.cost = float(np.mean(result.costs))
    return inp, result


def load_from_buffer(file):
    """The records of an open log, in order."""
    for row in file:
        if row.strip() and not row.startswith("#"):
            yield decode(row)


def load_from_file(filepath):
    """The records of the log at `filepath`, in order."""
    with open(os.fspath(filepath)) as f:
        yield from load_from_buffer(f)


def pick_best(in_file, out_file):
    """Write to `out_file` the fastest valid record of each (target, workload) in `in_file`."""
    best = {}
    for inp, res in load_from_file(in_file):
        key = (str(inp.target), inp.task.workload)
        if res.error_no == 0 and (key not in best or
                                  np.mean(res.costs) < np.mean(best[key][1].costs)):
            best[key] = (inp, res)
    with open(os.fspath(out_file), "w") as f:
        for inp, res in best.values():
            f.write(encode(inp, res) + "\n")
