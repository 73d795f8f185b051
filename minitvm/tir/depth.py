"""Room for deep programs: the Python recursion limit minitvm runs with.

The IR's visitors, mutators and printer recurse over the tree, as TVM's C++ functors do,
and so do the checks of `te.compute` and the schedule's walks. Programs nest deeper
than Python's default limit of 1,000 frames allows in two common ways: an expression
built by a Python loop (a sum of a few hundred terms is a few hundred nested additions),
and fully unrolled loops after common-subexpression elimination has named what they
share (each `LetStmt` is the body of the one before) -- both of which TVM's C++ stack
holds. Loading the traversal base (`tir.functor`) therefore raises the interpreter's
limit to FRAMES (never lowers it), and each compiler step runs inside `deep_ir_step`, which raises it again if
something lowered it since and turns a program deeper still into a
`NestingTooDeepError` naming the step, not a RecursionError.

From CPython 3.11 a call between Python functions uses no C stack, so the limit can be
high; before that every frame also takes C stack, and the limit stays well inside the
8 MiB a main thread has.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager

from ..error import NestingTooDeepError

FRAMES = 20_000 if sys.version_info >= (3, 11) else 6_000


def make_room():
    """Raise the interpreter's recursion limit to FRAMES, if it is lower."""
    if sys.getrecursionlimit() < FRAMES:
        sys.setrecursionlimit(FRAMES)


@contextmanager
def deep_ir_step(step):
    """Run one compiler step (`step` names it in the error) with room for deep programs."""
    make_room()
    try:
        yield
    except RecursionError:
        raise NestingTooDeepError(
            f"{step}: the program nests deeper than {FRAMES} Python frames can follow "
            "(a very long expression, or fully unrolled loops, which nest a statement per "
            "shared subexpression); split the expression or unroll fewer iterations"
        ) from None
