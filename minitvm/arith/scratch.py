"""One Analyzer shared by the questions a lowering asks without telling anything.

Bound inference and loop-nest building (minitvm/schedule) ask many questions of
analyzers they never teach: no variable bound, no constraint entered ("can this read go
below 0?", "does this split divide its axis?"). Each asked a new Analyzer, so the same
question (`0 >= cthread * 8`, once per stage reading a virtually threaded tensor) was
simplified anew every time. Inside `shared_scratch()`, `scratch_analyzer()` returns one
analyzer for the whole block: its cache (memo.py) is then keyed by the question's
structure alone, as what it knows does not change between questions (the constraints
the simplifiers enter inside one question are left on return; a `Let` inside a question
binds its variable, which only questions inside that let mention). Callers must not
bind variables on it: its `bind` and `update_bound` raise InternalError (outside any
block too, so a caller breaking the rule fails in every test). Under `memo.disabled()`
it has no cache and answers as a new Analyzer would. The blocks nest, per thread.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager

from ..error import InternalError
from .analyzer import Analyzer

_BLOCKS = threading.local()     # .stack: the analyzers of the enclosing blocks


@contextmanager
def shared_scratch():
    """Within the block, `scratch_analyzer()` returns one Analyzer."""
    stack = _stack()
    stack.append(_ScratchAnalyzer())
    try:
        yield
    finally:
        stack.pop()


def scratch_analyzer():
    """The innermost `shared_scratch` block's analyzer, or a new Analyzer outside any;
    for questions only (bind nothing on it)."""
    stack = _stack()
    return stack[-1] if stack else _ScratchAnalyzer()


def _stack():
    stack = getattr(_BLOCKS, "stack", None)
    if stack is None:
        stack = _BLOCKS.stack = []
    return stack


class _ScratchAnalyzer(Analyzer):
    """An Analyzer that answers questions and refuses to be taught."""

    def bind(self, var, value, allow_override=False):
        raise InternalError(_REFUSAL.format(method="bind", var=var.name))

    def update_bound(self, var, bound, allow_override=False):
        raise InternalError(_REFUSAL.format(method="update_bound", var=var.name))


_REFUSAL = ("{method}({var}) on the scratch analyzer: it is shared by every question of "
            "a lowering and must never be taught (minitvm/arith/scratch.py); bind on an "
            "Analyzer of your own")
