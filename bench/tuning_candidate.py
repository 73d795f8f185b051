"""What one tuning candidate costs: ResNet-18's C5 layer (28x28, 128 -> 128 channels,
3x3, pad 1) through vta.top's conv2d template, as AutoTVM measures it on the simulator.

A candidate is one config of the task: instantiate the template and check that it fits
VTA's buffers, lower and build it (`vta.build`, CSE off as VTA's measurement does), then
run it once under the timing model (the built module's first call: its host program
records the instruction stream, the simulator prepares and runs it). A tuner pays this for
every candidate it measures.

The candidates are the task's first valid configs after a fixed shuffle, so every run
measures the same ones. Each config is measured REPEATS times, each time built afresh and
run on a fresh simulated device (nothing an earlier measurement prepared is reused), and
keeps its best time per phase and its best whole candidate (build + run of one
measurement): the shared machine's noise and a garbage-collector pause falling inside one
measurement do not move the figure. The figures are medians across configs of those bests:
per phase, and of the whole candidate (a median of sums, which is not the sum of the
phase medians: two of the configs take far longer in the simulator than the others).

Every measurement is made twice in this process, alternately: with the simplifier's cache
(minitvm/arith/memo.py) and without it, the baseline, which is the compiler as it was
before the cache.

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
from vta_backend import runtime as vta_runtime
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


REPEATS = 3


def measure(task, config, inputs):
    """Seconds to build the candidate, and to run it once under the timing model on a fresh
    simulated device."""
    start = time.perf_counter()
    device, func, args = build_candidate(MeasureInput(task.target, task, config))
    built = time.perf_counter()
    arrays = make_arrays(inputs, args, device.device())
    vta_runtime.shutdown()      # a new command queue, whose device has nothing prepared
    vta_runtime.command_handle()
    ready = time.perf_counter()
    device.run(func, arrays, 1)
    return built - start, time.perf_counter() - ready


def best(samples):
    """(build, run, whole) of one config: the best of each over its measurements."""
    return (min(build for build, _ in samples), min(run for _, run in samples),
            min(build + run for build, run in samples))


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
    samples = {kind: [[] for _ in configs] for kind in ("cached", "baseline")}
    for _ in range(REPEATS):
        for index, config in enumerate(configs):
            samples["cached"][index].append(measure(task, config, inputs))
            with memo.disabled():
                samples["baseline"][index].append(measure(task, config, inputs))
    figures = {kind: [best(s) for s in per_config] for kind, per_config in samples.items()}
    print(f"one tuning candidate of {LAYER} {tuple(workload)}: median over {len(configs)} "
          f"configs of each config's best of {REPEATS}, each built afresh")
    print(f"{'':34}{'minitvm':>10}{'baseline':>12}   (baseline: simplifier cache off)")
    for column, label in enumerate(("lower + build", "one run under the timing model",
                                    "whole candidate (median of sums)")):
        now, before = (statistics.median(f[column] for f in figures[k]) * 1e3
                       for k in ("cached", "baseline"))
        print(f"  {label:32}{now:8.1f} ms{before:9.1f} ms   {before / now:4.1f}x")


if __name__ == "__main__":
    main()
