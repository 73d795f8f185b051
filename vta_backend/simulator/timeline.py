"""The timing model's picture: a Gantt chart of the load, compute and store modules.

Where it sits: after a timed run, `save_timeline(simulator.timing(), "run.svg")` draws the
report's trace -- one row per module, one bar per instruction coloured by its kind, and a
thin bar under the cycles a module spent waiting for a token (grey) or for room in a full
token queue (red) -- and saves it as SVG, PNG or PDF (by the file's extension).

matplotlib is optional (`pip install matplotlib`, or the project's `plot` extra): it is
imported only here, only when a picture is drawn; without it `save_timeline` raises
TimelineUnavailable saying so, and `report.summary()` still gives the figures as text.
"""
from __future__ import annotations

import os
from typing import Optional

import numpy as np

from ..environment import VTAError
from .timing_replay import MODULE_NAMES
from .timing_report import KIND_NAMES

COLOURS = {"load inp": "#4c78a8", "load wgt": "#72b7b2", "load uop": "#9ecae9",
           "load acc": "#54a24b", "gemm": "#e45756", "gemm reset": "#ff9d98",
           "alu": "#f58518", "store": "#b279a2", "nop": "#bab0ac", "finish": "#000000"}
WAIT_COLOUR, FULL_COLOUR = "#8c8c8c", "#d62728"
_ROW = {"load": 2, "compute": 1, "store": 0}      # top to bottom: load, compute, store


class TimelineUnavailable(VTAError, ImportError):
    """Drawing was asked for but matplotlib is not installed."""


def _matplotlib():
    try:
        from matplotlib.figure import Figure
        from matplotlib.patches import Patch
    except ImportError as error:
        raise TimelineUnavailable(
            "drawing a timeline needs matplotlib, which is not installed: pip install "
            "matplotlib (or the project's extra: pip install -e '.[plot]'); the figures "
            "are available as text without it: print(report.summary())") from error
    return Figure, Patch


def save_timeline(report, path, *, title: Optional[str] = None, start: int = 0,
                  end: Optional[int] = None, width: float = 12.0) -> str:
    """Draw `report` (a TimingReport) between cycles `start` and `end` (default: the whole
    run) and save it to `path`; the format follows its extension. Returns the path."""
    end = report.cycles if end is None else end
    if not 0 <= start < end:
        raise ValueError(f"save_timeline: the window [{start}, {end}) holds no cycle (the run "
                         f"has {report.cycles})")
    Figure, Patch = _matplotlib()
    figure = Figure(figsize=(width, 2.8))
    axes = figure.add_subplot()
    kinds = _draw_bars(axes, report.trace, start, end)
    waits = _draw_waits(axes, report.trace, start, end)
    axes.set_xlim(start, end)
    axes.set_ylim(-0.6, 2.6)
    axes.set_yticks([_ROW[m] for m in MODULE_NAMES], MODULE_NAMES)
    axes.set_xlabel(f"cycle ({report.params.clock_mhz:g} MHz: "
                    f"{report.params.clock_mhz:g} cycles per µs)")
    axes.set_title(title or f"{report.cycles:,} cycles, GEMM {report.gemm_utilisation:.0%} of "
                            f"peak", fontsize=10)
    handles = [Patch(color=COLOURS[k], label=k) for k in KIND_NAMES if k in kinds]
    handles += [Patch(color=colour, label=label) for colour, label in waits]
    axes.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7,
                frameon=False)
    figure.tight_layout()
    figure.savefig(os.fspath(path))
    return os.fspath(path)


def _visible(lo: np.ndarray, hi: np.ndarray, start: int, end: int) -> np.ndarray:
    return (hi > start) & (lo < end) | ((hi == lo) & (lo >= start) & (lo < end))


def _draw_bars(axes, trace, start: int, end: int) -> set:
    """One bar per instruction, by module row and kind; the kinds drawn."""
    drawn = set()
    shown = _visible(trace.start, trace.end, start, end)
    for m, name in enumerate(MODULE_NAMES):
        for k, kind in enumerate(KIND_NAMES):
            pick = shown & (trace.module == m) & (trace.kind == k)
            if not pick.any():
                continue
            bars = np.stack([trace.start[pick], trace.end[pick] - trace.start[pick]], axis=1)
            axes.broken_barh(bars.tolist(), (_ROW[name] - 0.35, 0.7), facecolors=COLOURS[kind],
                             linewidth=0)
            drawn.add(kind)
    return drawn


def _draw_waits(axes, trace, start: int, end: int) -> list:
    """Token waits end where an instruction starts; queue-full stalls start where it ends.
    The (colour, label) of each kind of wait drawn."""
    drawn = []
    for lo, hi, colour, label in (
            (trace.start - trace.wait, trace.start, WAIT_COLOUR, "waits for a token"),
            (trace.end, trace.end + trace.stall, FULL_COLOUR, "waits: token queue full")):
        for m, name in enumerate(MODULE_NAMES):
            pick = (hi > lo) & (trace.module == m) & _visible(lo, hi, start, end)
            if pick.any():
                bars = np.stack([lo[pick], hi[pick] - lo[pick]], axis=1)
                axes.broken_barh(bars.tolist(), (_ROW[name] - 0.45, 0.1), facecolors=colour,
                                 linewidth=0)
                drawn.append((colour, label))
    return list(dict.fromkeys(drawn))
