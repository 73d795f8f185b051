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

Every measurement is made three times in this process, alternately: as autotvm measures
by default (no check_correctness, so the run computes no output: the simulator's data path
is skipped, the timing model's report is the same), with the output computed (as with
check_correctness), and the baseline: with the output and without the simplifier's cache
(minitvm/arith/memo.py), which is the compiler and simulator as they were before both.

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


def measure(task, config, inputs, output):
    """Seconds to build the candidate, and to run it once under the timing model on a fresh
    simulated device, computing the output or not (`output`: check_correctness)."""
    start = time.perf_counter()
    device, func, args = build_candidate(MeasureInput(task.target, task, config))
    built = time.perf_counter()
    arrays = make_arrays(inputs, args, device.device())
    vta_runtime.shutdown()      # a new command queue, whose device has nothing prepared
    vta_runtime.command_handle()
    ready = time.perf_counter()
    device.run(func, arrays, 1, output=output)
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
    kinds = ("timing only", "with output", "baseline")
    samples = {kind: [[] for _ in configs] for kind in kinds}
    for _ in range(REPEATS):
        for index, config in enumerate(configs):
            samples["timing only"][index].append(measure(task, config, inputs, False))
            samples["with output"][index].append(measure(task, config, inputs, True))
            with memo.disabled():
                samples["baseline"][index].append(measure(task, config, inputs, True))
    figures = {kind: [best(s) for s in per_config] for kind, per_config in samples.items()}
    median = {kind: [statistics.median(f[column] for f in figures[kind]) * 1e3
                     for column in range(3)] for kind in kinds}
    print(f"one tuning candidate of {LAYER} {tuple(workload)}: median over {len(configs)} "
          f"configs of each config's best of {REPEATS}, each built afresh")
    print("  as autotvm measures it by default (no check_correctness: the run computes no "
          "output)\n  and with check_correctness (the run computes the output, compared "
          "afterwards);\n  baseline: with the output, simplifier cache off")
    print(f"{'':34}{'timing only':>12}{'with output':>13}{'baseline':>10}")
    for column, label in enumerate(("lower + build", "one run under the timing model",
                                    "whole candidate (median of sums)")):
        row = "".join(f"{median[kind][column]:{width}.1f} ms"
                      for kind, width in zip(kinds, (9, 10, 7)))
        print(f"  {label:32}{row}   {median['baseline'][column] / median[kinds[0]][column]:4.1f}x")


if __name__ == "__main__":
    main()
