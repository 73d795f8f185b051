"""What one tuning candidate costs: ResNet-18's C5 layer (28x28, 128 -> 128 channels,
3x3, pad 1) through vta.top's conv2d template, as AutoTVM measures it on the simulator.

A candidate is one config of the task: instantiate the template and check that it fits
VTA's buffers, lower and build it (`vta.build`, CSE off as VTA's measurement does), then
run it once under the timing model. A tuner pays this for every candidate it measures.

Each figure is the median over the same candidates (the task's first valid configs after
a fixed shuffle, so every run measures the same ones), measured twice in this process,
alternately: with the simplifier's cache (minitvm/arith/memo.py) and without it, the
baseline, which is the compiler as it was before the cache.

Run: python bench/tuning_candidate.py [candidates]
"""
from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from minitvm import autotvm
from minitvm.arith import memo
from minitvm.autotvm.measure import MeasureInput
from minitvm.autotvm.measure.measure_methods import MeasureError, build_candidate, make_arrays
import vta_backend as vta
from vta_backend.top.workloads import RESNET18_CONV, conv2d_args

LAYER = "resnet-18.C5"


def candidates(task, count, seed=0):
    """The first `count` configs of the task that instantiate, fit and build, in a fixed
    order."""
    order = np.random.default_rng(seed).permutation(len(task.config_space))
    found = []
    for index in order.tolist():
        config = task.config_space.get(index)
        try:
            build_candidate(MeasureInput(task.target, task, config))
        except MeasureError:
            continue
        found.append(config)
        if len(found) == count:
            break
    return found


def measure(task, config, inputs):
    """Seconds to build the candidate, and to run it once under the timing model."""
    start = time.perf_counter()
    device, func, args = build_candidate(MeasureInput(task.target, task, config))
    built = time.perf_counter()
    arrays = make_arrays(inputs, args, device.device())
    device.run(func, arrays, 1)
    return built - start, time.perf_counter() - built


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    env = vta.get_env()
    workload = dict(RESNET18_CONV)[LAYER]
    task = autotvm.task.create("conv2d_packed.vta", args=conv2d_args(workload),
                               target=env.target)
    configs = candidates(task, count)
    _, _, args = build_candidate(MeasureInput(task.target, task, configs[0]))
    rng = np.random.default_rng(1)
    inputs = [rng.integers(-8, 8, tuple(int(d) for d in a.shape)).astype(a.dtype)
              for a in args[:-1]]
    figures = {"cached": [], "baseline": []}
    for config in configs:
        figures["cached"].append(measure(task, config, inputs))
        with memo.disabled():
            figures["baseline"].append(measure(task, config, inputs))
    print(f"one tuning candidate of {LAYER} {tuple(workload)}: median of {len(configs)} "
          f"configs, each built afresh")
    print(f"{'':34}{'minitvm':>10}{'baseline':>12}   (baseline: simplifier cache off)")
    for label, pick in (("lower + build", lambda f: f[0]),
                        ("one run under the timing model", lambda f: f[1]),
                        ("whole candidate", lambda f: f[0] + f[1])):
        now, before = (statistics.median(pick(f) for f in figures[k]) * 1e3
                       for k in ("cached", "baseline"))
        print(f"  {label:32}{now:8.1f} ms{before:9.1f} ms   {before / now:4.1f}x")


if __name__ == "__main__":
    main()
