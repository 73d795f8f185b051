"""Callbacks a tuner calls after each measured batch (TVM's `autotvm.callback`):
`log_to_file` appends the records to a log, `progress_bar` prints the current and best
FLOPS and the progress on one line."""
from __future__ import annotations

import os
import sys
import time

import numpy as np

from .. import record

_SI = {"": 1.0, "K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}


def log_to_file(file_out, protocol="json"):
    """A callback appending each (input, result) as a log line to `file_out` (a path or an
    open file)."""
    def callback(_, inputs, results):
        lines = "".join(record.encode(i, r, protocol) + "\n" for i, r in zip(inputs, results))
        if isinstance(file_out, (str, os.PathLike)):
            with open(file_out, "a") as f:
                f.write(lines)
        else:
            file_out.write(lines)
    return callback


def progress_bar(total, prefix="", si_prefix="G", stream=None):
    """A callback printing "Current/Best: x/y GFLOPS | Progress: (n/total) | t s"."""
    if si_prefix not in _SI:
        raise ValueError(f"progress_bar: si_prefix {si_prefix!r} is not one of "
                         f"{', '.join(repr(p) for p in _SI)}")
    out, scale, start = stream or sys.stdout, _SI[si_prefix], time.time()
    state = {"count": 0}

    def show(current, best):
        out.write(f"\r{prefix} Current/Best: {current / scale:7.2f}/{best / scale:7.2f} "
                  f"{si_prefix}FLOPS | Progress: ({state['count']}/{total}) | "
                  f"{time.time() - start:.2f} s")
        if state["count"] >= total:
            out.write(" Done.\n")
        out.flush()

    def callback(tuner, inputs, results):
        state["count"] += len(inputs)
        current = 0.0
        for inp, res in zip(inputs, results):
            if res.error_no == 0:
                current = inp.task.flop / np.mean(res.costs)
        show(current, tuner.best_flops)

    show(0.0, 0.0)
    return callback
