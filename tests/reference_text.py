"""The outside truths the tests compare against: where they are and how to read them.

The `shared/` folder beside the checkout holds the reference tutorial text (three IR
listings and the simulator statistics) and the original VTA runtime's instruction dump.
Listings are cut as `shared/tools/seed_diff.py` cuts them, except that a new listing
header also ends the previous listing, because a script prints its listings back to back.
"""
from __future__ import annotations

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "convolution_opt_tutorial.txt"
SEED_DIFF = SHARED / "tools" / "seed_diff.py"
INSN_DUMP = SHARED / "reference" / "convolution_opt_insn_dump.txt"

IR_START = "# from tvm.script import ir as I"
STATS_START = "Execution statistics:"
_CONTINUES = (" ", "\t", "@", "#", "class ")


def ir_listings(text: str):
    """Each IR listing of `text`, as a list of lines (trailing white space removed)."""
    lines = [line.rstrip() for line in text.splitlines()]
    listings, i = [], 0
    while i < len(lines):
        if lines[i].strip() != IR_START:
            i += 1
            continue
        block = [lines[i]]
        i += 1
        while i < len(lines) and lines[i].strip() != IR_START:
            line = lines[i]
            if line == "":
                following = next((x for x in lines[i + 1:] if x.strip()), "")
                if not following.startswith(_CONTINUES) or following.strip() == IR_START:
                    break
            elif not line.startswith(_CONTINUES):
                break
            block.append(line)
            i += 1
        listings.append(block)
    return listings


def statistics(text: str):
    """The counters printed after the last 'Execution statistics:' line, in order."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.strip() == STATS_START]
    assert starts, "no statistics printed"
    stats = {}
    for line in lines[starts[-1] + 1:]:
        match = re.match(r"^\s+(\w+)\s*:\s*(-?\d+)\s*$", line)
        if not match:
            break
        stats[match.group(1)] = int(match.group(2))
    return stats
