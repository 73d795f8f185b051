"""Where the time of the convolution tutorial goes: lowering, building, the simulated run.

    python bench/end_to_end.py [--repeat N]

Runs tutorials/convolution_opt.py N times (default 3), each in a fresh Python process
timed from its start to its exit, with timers around the calls the tutorial makes:
`tvm.lower` (listings 1 and 2), `vta.lower` (listing 3), `vta.build`, and the call of the
loaded module (one simulated run), split into the host code that builds the instruction
stream and the simulator executing it. Prints the best of the N runs for each figure and
the simulated run's share of the whole script.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "tutorials" / "convolution_opt.py"


def _timed(owner, name, timings, key):
    """Replace `owner.name` by a wrapper adding its duration to timings[key]."""
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            timings[key] = timings.get(key, 0.0) + time.perf_counter() - start
    setattr(owner, name, wrapper)


def child() -> None:
    """Run the tutorial once with timers; print the timings as JSON on the last line."""
    start = time.perf_counter()
    sys.path.insert(0, str(ROOT))
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

    timings: dict = {"imports": time.perf_counter() - start}
    # The tutorial's own `tvm.lower` calls (vta.lower and vta.build call driver.lower
    # directly, so they are not counted twice).
    minitvm.lower = driver.lower
    _timed(minitvm, "lower", timings, "tvm.lower")
    _timed(vta_backend, "lower", timings, "vta.lower")
    _timed(vta_backend, "build", timings, "vta.build")
    _timed(VTAModule, "_run", timings, "run")
    _timed(Device, "run", timings, "simulator")
    _timed(Module, "save", timings, "save+load")
    _timed(rpc.LocalSession, "load_module", timings, "save+load")
    _timed(testing, "conv2d_nchw_python", timings, "numpy reference")
    _timed(IRModule, "__str__", timings, "printing")
    sys.path.insert(0, str(TUTORIAL.parent))
    import gallery
    with contextlib.redirect_stdout(io.StringIO()):
        namespace = gallery.run(str(TUTORIAL))
    timings["in-process"] = time.perf_counter() - start
    # The tutorial calls its module once, so its run also records the micro-op kernels and
    # plans the GEMMs; a second call shows the steady state.
    first = dict(timings)
    again = time.perf_counter()
    namespace["f"](namespace["data_nd"], namespace["kernel_nd"], namespace["res_nd"])
    first["second run"] = time.perf_counter() - again
    print(json.dumps(first))


def measure(repeat: int) -> list:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, __file__, "--child"], cwd=ROOT,
                              capture_output=True, text=True, env=dict(os.environ))
        wall = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"the tutorial failed:\n{done.stderr[-2000:]}")
        timings = json.loads(done.stdout.strip().splitlines()[-1])
        timings["script"] = wall
        runs.append(timings)
    return runs


def report(runs: list) -> None:
    best = {key: min(run[key] for run in runs) for key in runs[0]}
    rows = [
        ("tvm.lower, listings 1 and 2", best["tvm.lower"]),
        ("vta.lower, listing 3", best["vta.lower"]),
        ("vta.build (lowering + host code)", best["vta.build"]),
        ("one simulated run (module call)", best["run"]),
        ("a second simulated run (warm)", best["second run"]),
        ("  of which the simulator executing", best["simulator"]),
        ("  of which host code queueing insns", best["run"] - best["simulator"]),
        ("module save + load_module", best["save+load"]),
        ("numpy reference (conv2d_nchw_python)", best["numpy reference"]),
        ("printing the three listings", best["printing"]),
        ("imports (minitvm, vta_backend, numpy)", best["imports"]),
        ("whole script in process (after start-up)", best["in-process"]),
        ("whole script, from process start", best["script"]),
    ]
    print(f"convolution_opt.py, best of {len(runs)} runs:")
    for label, seconds in rows:
        print(f"  {label:<44} {seconds * 1e3:9.1f} ms")
    share = 100 * best["run"] / best["script"]
    print(f"  {'simulated run, share of the whole script':<44} {share:9.1f} %")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child()
    else:
        report(measure(args.repeat))


if __name__ == "__main__":
    main()
