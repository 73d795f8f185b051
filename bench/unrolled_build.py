"""Time lowering and building a fully unrolled matmul, where CSE and the host build's
dependence check see hundreds of stores in one loop body; and CSE alone on one deep
expression.

    python bench/unrolled_build.py [--repeat N] [--baseline REF] [--k K]

C[i, j] = sum_k A[i, k] * B[k, j] with M = N = 4 and K = 120 (`--k`), j and k unrolled
(`s[C].unroll`): 4 * 121 stores in the body of loop i, under 124 CSE lets. Each run is
a fresh Python process timing `tvm.lower`, the CSE pass inside it, and
`tvm.build(s, [A, B, C], "llvm")` (which lowers again, then builds the host code; CPU
time of the process), and checking the result against numpy; then CSE alone on a store
whose value is `Let(x, i * 7, x + 1) + (i * 3 + 0) + ... + (i * 3 + 399)`, a sum 400
deep with a let at its bottom (every level was asked whether it holds a let, and
counted, anew); then `tvm.build` of an elementwise (4, 512) compute with its inner axis
unrolled (512 stores of 512 kinds). Prints the best of N runs
(default 3) next to the same figures for git revision REF (default BASELINE, main
before the CSE and dependence-check fixes), exported to a temporary directory and run
alternately with the current tree. `--baseline none` skips it.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

from end_to_end import ROOT, export     # bench/ is this script's directory


BASELINE = "c692394"    # main before CSE's one-walk replacement and the per-kind pair checks
_clock = time.process_time


def child(k_extent: int) -> None:
    """Lower and build the unrolled matmul once; print the timings as JSON."""
    import numpy as np

    import minitvm as tvm
    from minitvm import te

    a = te.placeholder((4, k_extent), name="A")
    b = te.placeholder((k_extent, 4), name="B")
    k = te.reduce_axis((0, k_extent), name="k")
    c = te.compute((4, 4), lambda i, j: te.sum(a[i, k] * b[k, j], axis=k), name="C")
    s = te.create_schedule(c.op)
    s[c].unroll(s[c].op.axis[1])
    s[c].unroll(k)

    timings, spent = {}, []
    from minitvm.driver import build_module
    pipeline = build_module.PIPELINE
    at = next(n for n, step in enumerate(pipeline) if step[1] == "tir.CommonSubexprElimTIR")
    original = pipeline[at][2]

    def timed_cse(func):
        start = _clock()
        try:
            return original(func)
        finally:
            spent.append(_clock() - start)
    pipeline[at] = pipeline[at][:2] + (timed_cse,)

    start = _clock()
    tvm.lower(s, [a, b, c], simple_mode=True)
    timings["lower"] = _clock() - start
    timings["cse"] = sum(spent)
    start = _clock()
    f = tvm.build(s, [a, b, c], "llvm")
    timings["build"] = _clock() - start

    rng = np.random.default_rng(0)
    an, bn = rng.random((4, k_extent), "float32"), rng.random((k_extent, 4), "float32")
    out = tvm.nd.array(np.zeros((4, 4), "float32"))
    f(tvm.nd.array(an), tvm.nd.array(bn), out)
    timings["correct"] = bool(np.allclose(out.numpy(), an @ bn, rtol=1e-5))
    timings["deep cse"] = _deep_cse(400)
    timings["elementwise"] = _unrolled_elementwise(512)
    print(json.dumps(timings))


def _unrolled_elementwise(n):
    """tvm.build of C[i, j] = A[i, j] * 2 over (4, n), j unrolled: n stores, each into
    its own elements (no two of one kind)."""
    import minitvm as tvm
    from minitvm import te

    a = te.placeholder((4, n), name="A")
    c = te.compute((4, n), lambda i, j: a[i, j] * 2, name="C")
    s = te.create_schedule(c.op)
    s[c].unroll(c.op.axis[1])
    start = _clock()
    tvm.build(s, [a, c], "llvm")
    return _clock() - start


def _deep_cse(depth):
    from minitvm import tir as T
    from minitvm.transform.cse import common_subexpr_elim

    i, x = T.Var("i"), T.Var("x")
    value = T.Let(x, i * 7, x + 1)
    for t in range(depth):
        value = value + (i * 3 + t)
    buf = T.decl_buffer((1 << 20,), "int32", "buf")
    body = T.For(i, T.const(0), T.const(4), T.ForKind.SERIAL, T.BufferStore(buf, value, (i,)))
    start = _clock()
    common_subexpr_elim(T.PrimFunc((), body, {}, {}))
    return _clock() - start


def run_once(root: pathlib.Path, k_extent: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(root))
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "unrolled_build.py"),
                           "--child", "--k", str(k_extent)],
                          cwd=root, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"the run failed in {root}:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


ROWS = [("tvm.lower", "lower"), ("  of which CSE", "cse"),
        ("tvm.build (lower + host build)", "build"),
        ("CSE of a 400-deep sum holding a let", "deep cse"),
        ("tvm.build, elementwise 4 x 512, unrolled", "elementwise")]


def report(runs: list, base_runs: list, ref: str) -> None:
    def best(rs, key):
        return min(r[key] for r in rs)
    print(f"unrolled builds and deep CSE, best of {len(runs)} runs, CPU seconds"
          + (f" (baseline: git {ref}, run alternately):" if base_runs else ":"))
    for label, key in ROWS:
        line = f"  {label:<40} {best(runs, key):8.3f}"
        if base_runs:
            line += f"   baseline {best(base_runs, key):8.3f}"
        print(line)
    print("  results match numpy:", all(r["correct"] for r in runs + base_runs))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE,
                        help="git revision to compare with ('none' to skip)")
    parser.add_argument("--k", type=int, default=120, help="the reduction extent")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.k)
        return
    with tempfile.TemporaryDirectory() as tmp:
        base = None if args.baseline == "none" else export(args.baseline, tmp)
        runs, base_runs = [], []
        for _ in range(args.repeat):
            runs.append(run_once(ROOT, args.k))
            if base is not None:
                base_runs.append(run_once(base, args.k))
        report(runs, base_runs, args.baseline)


if __name__ == "__main__":
    main()
