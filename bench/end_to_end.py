"""Where the time of the convolution tutorial goes: lowering, building, the simulated run.

    python bench/end_to_end.py [--repeat N] [--baseline REF]

Runs tutorials/convolution_opt.py N times (default 3), each in a fresh Python process,
with timers around the calls the tutorial makes: `tvm.lower` (listings 1 and 2, together
and each), `vta.lower` (listing 3), `vta.build`, and the call of the loaded module (the
first simulated run of the process), split into the host code that builds the
instruction stream and the simulator executing it; then the best of 10 further calls
(the steady state, which replays the recorded stream), split the same way. Figures
measured inside that process are the CPU time of the thread running the tutorial: numpy's
import starts OpenBLAS's worker threads, which then spin for 70-100 ms of CPU while the
imports and the first lowering run, and the process's CPU time would count that spinning
in whatever step it overlaps (the imports are also shown with all threads' CPU time).
The whole script is timed apart, as a user runs it: the wall-clock time of `python
tutorials/convolution_opt.py` (no timers, no further calls) from process start to exit,
next to the interpreter's own start-up (`python -c pass`: site and its .pth files, which
no change to the tree can reduce). Prints the best of the N runs for each figure and the
first simulated run's share of the whole script. Each tree's modules are byte-compiled
first.

Each figure is printed next to the same figure for the git revision REF (default
BASELINE, main before the simplifier cache), exported to a temporary directory and run
in the same way, alternating with the current tree, so that both see the same load.
`--baseline none` skips it.
"""
from __future__ import annotations

import argparse
import compileall
import itertools
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
BASELINE = "75a4a30"    # main before the simplifier cache (issues 11 and 12)
# Figures inside the tutorial process are its main thread's CPU time, so that neither
# other processes sharing the machine nor numpy's BLAS workers count; the whole script,
# from process start, is wall-clock time.
_clock = time.thread_time


def _timed(owner, name, timings, key, each=False):
    """Replace `owner.name` by a wrapper adding its duration to timings[key] (and, with
    `each`, the n-th call's to timings[f"{key} {n}"])."""
    original = getattr(owner, name)
    numbers = itertools.count(1)

    def wrapper(*args, **kwargs):
        start = _clock()
        try:
            return original(*args, **kwargs)
        finally:
            spent = _clock() - start
            timings[key] = timings.get(key, 0.0) + spent
            if each:
                timings[f"{key} {next(numbers)}"] = spent
    setattr(owner, name, wrapper)


def child(root: pathlib.Path) -> None:
    """Run the tutorial of the tree at `root` once with timers; print the timings as JSON
    on the last line."""
    start, all_threads = _clock(), time.process_time()
    sys.path.insert(0, str(root))
    import contextlib
    import io

    import minitvm
    import minitvm.topi.testing
    import vta_backend
    from minitvm import driver, rpc
    from minitvm.runtime import Module
    from minitvm.tir.function import IRModule
    from minitvm.topi import testing
    from vta_backend.module import VTAModule
    from vta_backend.simulator import Device

    timings: dict = {"imports": _clock() - start,
                     "imports all threads": time.process_time() - all_threads}
    # The tutorial's own `tvm.lower` calls (vta.lower and vta.build call driver.lower
    # directly, so they are not counted twice).
    minitvm.lower = driver.lower
    _timed(minitvm, "lower", timings, "tvm.lower", each=True)
    _timed(vta_backend, "lower", timings, "vta.lower")
    _timed(vta_backend, "build", timings, "vta.build")
    _timed(VTAModule, "_run", timings, "run")
    _timed(Device, "run", timings, "simulator")
    _timed(Module, "save", timings, "save+load")
    _timed(rpc.LocalSession, "load_module", timings, "save+load")
    _timed(testing, "conv2d_nchw_python", timings, "numpy reference")
    _timed(IRModule, "__str__", timings, "printing")
    tutorial = root / "tutorials" / "convolution_opt.py"
    sys.path.insert(0, str(tutorial.parent))
    import gallery
    with contextlib.redirect_stdout(io.StringIO()):
        namespace = gallery.run(str(tutorial))
    timings["in-process"] = _clock() - start
    first = dict(timings)       # the warm calls below add to the timers
    first.update(_warm_run(namespace, timings))
    print(json.dumps(first))


def _warm_run(namespace, timings, calls=10) -> dict:
    """The steady state: the best of `calls` further calls of the tutorial's module (its one
    call recorded the micro-op kernels and the stream and planned the GEMMs; later ones
    replay); the simulated run computes on this thread alone (its GEMM products, 98x144 by
    144x16, are below OpenBLAS's threshold for using more threads)."""
    best = None
    for _ in range(calls):
        run, simulator = timings["run"], timings["simulator"]
        namespace["f"](namespace["data_nd"], namespace["kernel_nd"], namespace["res_nd"])
        call = (timings["run"] - run, timings["simulator"] - simulator)
        best = call if best is None or call[0] < best[0] else best
    return {"warm run": best[0], "warm simulator": best[1]}


def byte_compile(root: pathlib.Path) -> None:
    """Write the bytecode of the tree's modules, as an installed package has it: with
    PYTHONDONTWRITEBYTECODE set (or a freshly exported tree) every run would otherwise
    compile about 250 modules from source, some 60 ms that no user's second run pays."""
    for package in ("minitvm", "vta_backend", "tutorials"):
        compileall.compile_dir(root / package, quiet=1)


def wall_clock(command: list, root: pathlib.Path) -> float:
    """Seconds from starting `python *command` in the tree at `root` to its exit."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *command], cwd=root, capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=str(root)))
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed in {root}:\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


def run_once(root: pathlib.Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(root))
    done = subprocess.run([sys.executable, __file__, "--child", "--root", str(root)],
                          cwd=root, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"the tutorial failed in {root}:\n{done.stderr[-2000:]}")
    timings = json.loads(done.stdout.strip().splitlines()[-1])
    # the timed process also imports this bench and makes 10 further calls: the whole
    # script is the plain tutorial, and the interpreter's start-up the part before it
    timings["script"] = wall_clock(["tutorials/convolution_opt.py"], root)
    timings["start-up"] = wall_clock(["-c", "pass"], root)
    return timings


def export(ref: str, into: str) -> pathlib.Path:
    """The tree of git revision `ref`, written under `into`."""
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True)
    if archive.returncode != 0:
        sys.exit(f"cannot export the baseline {ref!r}: {archive.stderr.decode()[-500:]}")
    subprocess.run(["tar", "-x", "-C", into], input=archive.stdout, check=True)
    return pathlib.Path(into)


def measure(repeat: int, baseline) -> tuple:
    runs, base_runs = [], []
    for root in (ROOT, baseline):
        if root is not None:
            byte_compile(root)
    for _ in range(repeat):
        runs.append(run_once(ROOT))
        if baseline is not None:
            base_runs.append(run_once(baseline))
    return runs, base_runs


ROWS = [
    ("tvm.lower, listings 1 and 2", "tvm.lower"),
    ("  listing 1 (the default schedule)", "tvm.lower 1"),
    ("  listing 2 (blocked, virtual threads)", "tvm.lower 2"),
    ("vta.lower, listing 3", "vta.lower"),
    ("vta.build (lowering + host code)", "vta.build"),
    ("first simulated run (module call)", "run"),
    ("  of which the simulator executing", "simulator"),
    ("  of which host code queueing insns", "queueing"),
    ("later simulated run (warm, best of 10)", "warm run"),
    ("  of which the simulator executing", "warm simulator"),
    ("  of which host code or its replay", "warm queueing"),
    ("module save + load_module", "save+load"),
    ("numpy reference (conv2d_nchw_python)", "numpy reference"),
    ("printing the three listings", "printing"),
    ("imports (minitvm, vta_backend, numpy)", "imports"),
    ("  the same, CPU of all threads", "imports all threads"),
    ("whole script in process (after start-up)", "in-process"),
    ("whole script, from process start", "script"),
    ("  of which interpreter start-up (-c pass)", "start-up"),
]


def _best(runs: list) -> dict:
    best = {key: min(run[key] for run in runs) for key in runs[0]}
    best["queueing"] = best["run"] - best["simulator"]
    best["warm queueing"] = best["warm run"] - best["warm simulator"]
    return best


def report(runs: list, base_runs: list, ref: str) -> None:
    best = _best(runs)
    base = _best(base_runs) if base_runs else None
    print(f"convolution_opt.py, best of {len(runs)} runs"
          + (f" (baseline: git {ref}, run alternately):" if base else ":"))
    if base:
        print(f"  {'':<44} {'now':>9}    {'baseline':>9}")
    for label, key in ROWS:
        line = f"  {label:<44} {best[key] * 1e3:9.1f} ms"
        if base:
            line += f" {base[key] * 1e3:9.1f} ms  ({base[key] / best[key]:4.1f}x)"
        print(line)
    share = 100 * best["run"] / best["script"]
    print(f"  {'simulated run, share of the whole script':<44} {share:9.1f} %")
    print("  (CPU time of the tutorial's thread; the whole script: wall-clock time)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--baseline", default=BASELINE,
                        help="git revision to compare with ('none' to skip)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--root", default=str(ROOT), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(pathlib.Path(args.root))
        return
    if args.baseline == "none":
        report(*measure(args.repeat, None), args.baseline)
        return
    with tempfile.TemporaryDirectory() as tmp:
        report(*measure(args.repeat, export(args.baseline, tmp)), args.baseline)


if __name__ == "__main__":
    main()
