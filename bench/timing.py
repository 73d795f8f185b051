"""Benchmark of the timing model: what switching it on costs a simulated run.

Runs the reference convolution's stream (bench/simulator.py's `conv_program`: 3,366
instructions, two virtual threads) and prints the median time of

* run (device only): the device re-running the stream (prepared program cached), with the
  model off and on -- the target is at most 2x;
* issue + run: the runtime calls and `synchronize`, with the model off and on;
* the model alone: `timing.time_stream` on the decoded stream (costs, event loop, report);

then the model's summary of the run.
Run: python bench/timing.py [repeats]
"""
from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from simulator import ConvSites, conv_program, conv_setup  # noqa: E402  (bench/simulator.py)

from vta_backend.isa import disassemble  # noqa: E402
from vta_backend.simulator import DeviceMemory, timing  # noqa: E402
from vta_backend.testing import simulator  # noqa: E402


def _median(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _off_and_on(fn, repeats: int):
    """Median time of `fn` with the model off, then on."""
    simulator.timing_mode(False)
    off = _median(fn, repeats)
    simulator.timing_mode(True)
    on = _median(fn, repeats)
    simulator.timing_mode(False)
    return off, on


def main(repeats: int = 20) -> None:
    _, _, (data, kernel, res), cmd = conv_setup(DeviceMemory())
    sites = ConvSites()
    simulator.timing_mode(True)
    conv_program(cmd, sites, data, kernel, res)           # records kernels, builds plans
    report = simulator.timing()
    phys, count = cmd.insn_staging.phys_addr, len(cmd.last_records)
    device, records = cmd.device, cmd.last_records
    decoded = cmd.isa.decode_stream(cmd.isa.encode_stream(records))
    rows = {"run (device only)": _off_and_on(lambda: device.run(phys, count), repeats),
            "issue + run": _off_and_on(lambda: conv_program(cmd, sites, data, kernel, res),
                                       repeats)}
    alone = _median(lambda: timing.time_stream(decoded, count, lambda i: disassemble(records[i]),
                                               device.env,
                                               timing.TimingParams()), repeats)
    print(f"{count} instructions; median of {repeats} runs")
    for label, (off, on) in rows.items():
        print(f"{label:<20}: model off {off * 1e3:7.2f} ms, on {on * 1e3:7.2f} ms, "
              f"{on / off:4.2f}x")
    print(f"{'the model alone':<20}: {alone * 1e3:7.2f} ms "
          f"({alone / count * 1e6:.2f} us per instruction)")
    print()
    print(report.summary())


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
