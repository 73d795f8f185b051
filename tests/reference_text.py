"""The outside truths the tests compare against: where they are and how to read them.

tests/data/ holds copies of the project's outside truths (tests/data/README.md says where
each comes from), so a clone runs its tests with nothing beside it: the reference tutorial
text (three IR listings and the simulator statistics), the original VTA runtime's
instruction dump (gzipped), what TVM printed for its tutorials, and the two comparison tools.
Listings are cut as `tests/data/tools/seed_diff.py` cuts them, except that a new listing
header also ends the previous listing, because a script prints its listings back to back.
"""
from __future__ import annotations

import gzip
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = pathlib.Path(__file__).resolve().parent / "data"
SEED = DATA / "seeds" / "convolution_opt_tutorial.txt"
SEED_DIFF = DATA / "tools" / "seed_diff.py"
LISTING_DIFF = DATA / "tools" / "listing_diff.py"
TUTORIAL_OUTPUTS = DATA / "reference" / "tvm_tutorial_outputs"
_INSN_DUMP_GZ = DATA / "reference" / "convolution_opt_insn_dump.txt.gz"

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


def insn_dump_text() -> str:
    """The original VTA runtime's instruction dump of the reference convolution."""
    with gzip.open(_INSN_DUMP_GZ, "rt") as f:
        return f.read()


def tutorial_output(name: str) -> str:
    """What TVM printed for one of its tutorials (tests/data/reference/tvm_tutorial_outputs)."""
    return (TUTORIAL_OUTPUTS / f"{name}.txt").read_text()


def tutorial_listings(name: str):
    """The IR listings TVM printed for one of its tutorials, `global_symbol` dropped (a
    `### <statement>` line ends the output before it and is part of no listing)."""
    text = "\n".join("<next output>" if line.startswith("### ") else line
                     for line in tutorial_output(name).splitlines())
    return ir_listings(without_global_symbol(text))


def without_global_symbol(text: str) -> str:
    """`text` with the `"global_symbol"` entry dropped from `T.func_attr`, as TVM v0.16's
    printer drops it (minitvm prints it, as the seed's older printer does)."""
    return "\n".join(re.sub(r'"global_symbol": "[^"]*", ', "", line) if "T.func_attr" in line
                     else line for line in text.splitlines())
