"""What the timing model reports: total cycles, per-module figures, GEMM utilisation and a
per-instruction trace, with a text summary that needs nothing beyond numpy.

Where it sits: `timing.time_stream` builds a TimingReport from the costs and the replayed
timeline; `vta_backend.testing.simulator.timing()` returns the last one; `timeline.py`
draws one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterator, NamedTuple


from .timing_replay import MODULE_NAMES

KIND_NAMES = ("load inp", "load wgt", "load uop", "load acc", "gemm", "gemm reset", "alu",
              "store", "nop", "finish")


@dataclass(frozen=True)
class ModuleFigures:
    """One module over a run. busy + token_wait + queue_full + idle = the run's cycles."""
    name: str
    instructions: int
    busy: int           # cycles running its instructions (issue included)
    token_wait: int     # cycles waiting to pop a dependence token
    queue_full: int     # cycles waiting to push onto a full token queue
    idle: int           # cycles with nothing left to do (after its last instruction)
    utilisation: float  # busy / the run's cycles


class TraceEntry(NamedTuple):
    index: int          # position in the instruction stream
    module: str
    kind: str
    start: int          # first cycle of execution (after its token wait)
    end: int            # cycle after its last (before any queue-full stall)
    wait: int           # cycles it waited for tokens before start
    stall: int          # cycles it waited after end to push onto a full queue
    text: str           # its disassembly


class Trace:
    """Per-instruction timing, as numpy columns (module and kind are indices into
    MODULE_NAMES and KIND_NAMES); indexing or iterating gives TraceEntry rows."""

    def __init__(self, costs, timeline, describe):
        self.module, self.kind = costs.module, costs.kind
        self.start, self.end = timeline.start, timeline.end
        self.wait, self.stall = timeline.wait, timeline.stall
        self._describe = describe

    def __len__(self) -> int:
        return len(self.start)

    def __getitem__(self, i: int) -> TraceEntry:
        if not -len(self) <= i < len(self):
            raise IndexError(f"the trace has {len(self)} instructions, not {i + 1}")
        i %= len(self)
        return TraceEntry(i, MODULE_NAMES[self.module[i]], KIND_NAMES[self.kind[i]],
                          int(self.start[i]), int(self.end[i]), int(self.wait[i]),
                          int(self.stall[i]), self._describe(i))

    def __iter__(self) -> Iterator[TraceEntry]:
        return (self[i] for i in range(len(self)))

    def format(self, first: int = 0, count: int = 20) -> str:
        """A table of `count` instructions from `first`."""
        rows = ["  insn  module     start       end   wait  stall  instruction"]
        for e in (self[i] for i in range(first, min(first + count, len(self)))):
            rows.append(f"{e.index:>6}  {e.module:<7} {e.start:>9} {e.end:>9} {e.wait:>6} "
                        f"{e.stall:>6}  {e.text}")
        return "\n".join(rows)


class TimingReport:
    """The timing model's estimate of one run (see `timing` for the rules)."""

    def __init__(self, params, costs, timeline, describe, macs_per_uop: int):
        self.params = params
        self.cycles: int = timeline.cycles
        self.gemm_uops: int = costs.gemm_uops
        self.macs_per_uop = macs_per_uop
        self.leftover_tokens = timeline.leftover_tokens
        self.trace = Trace(costs, timeline, describe)
        self.modules: Dict[str, ModuleFigures] = {
            name: self._figures(m, name, costs, timeline) for m, name in enumerate(MODULE_NAMES)}

    def _figures(self, m: int, name: str, costs, timeline) -> ModuleFigures:
        mine = costs.module == m
        busy = int(costs.cycles[mine].sum())
        wait, full = int(timeline.wait[mine].sum()), int(timeline.stall[mine].sum())
        return ModuleFigures(name, int(mine.sum()), busy, wait, full,
                             self.cycles - busy - wait - full,
                             busy / self.cycles if self.cycles else 0.0)

    @property
    def seconds(self) -> float:
        """The run's time at the parameters' clock."""
        return self.cycles / (self.params.clock_mhz * 1e6)

    @property
    def gemm_utilisation(self) -> float:
        """GEMM work over the peak: non-reset GEMM micro-ops x cycles per micro-op, over the
        run's cycles (1.0: the GEMM core multiplied on every cycle)."""
        if not self.cycles:
            return 0.0
        return self.gemm_uops * self.params.gemm_cycles_per_uop / self.cycles

    @property
    def gops(self) -> float:
        """Achieved GEMM throughput: 2 operations (multiply, add) per MAC, per second / 1e9."""
        return 2 * self.gemm_uops * self.macs_per_uop / self.seconds / 1e9 if self.cycles else 0.0

    @property
    def peak_gops(self) -> float:
        return (2 * self.macs_per_uop * self.params.clock_mhz * 1e6
                / self.params.gemm_cycles_per_uop / 1e9)

    def as_dict(self) -> dict:
        """The figures as plain data (no trace)."""
        return {"cycles": self.cycles, "seconds": self.seconds,
                "gemm_uops": self.gemm_uops, "gemm_utilisation": self.gemm_utilisation,
                "modules": {name: f.__dict__.copy() for name, f in self.modules.items()}}

    def summary(self) -> str:
        """A few lines of text: total time, one line per module, GEMM utilisation."""
        p = self.params
        lines = [f"VTA timing model: {self.cycles:,} cycles = {self.seconds * 1e3:.3f} ms at "
                 f"{p.clock_mhz:g} MHz ({len(self.trace)} instructions)",
                 f"  {'module':<8}{'insns':>7}{'busy':>12}{'token wait':>12}{'queue full':>12}"
                 f"{'idle':>12}{'utilisation':>13}"]
        for f in self.modules.values():
            lines.append(f"  {f.name:<8}{f.instructions:>7}{f.busy:>12,}{f.token_wait:>12,}"
                         f"{f.queue_full:>12,}{f.idle:>12,}{f.utilisation:>12.1%}")
        lines.append(f"  GEMM: {self.gemm_uops:,} micro-ops, {self.gemm_utilisation:.1%} of peak "
                     f"({self.gops:.1f} of {self.peak_gops:.1f} GOPS)")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<TimingReport {self.cycles} cycles, GEMM utilisation "
                f"{self.gemm_utilisation:.1%}>")
