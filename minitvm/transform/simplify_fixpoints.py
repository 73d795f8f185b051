"""The Simplify pass's one cache: statements it has returned unchanged, and where.

A lowering runs Simplify three times (phase 1, inside HoistIfThenElse, phase 3), and
most of what the second run returns reaches the third untouched. Simplify is a pure
function of a statement and of what its analyzer knows there, and inside a function
that knowledge is set by the enclosing scopes alone: the loops (variable, min, extent),
thread and virtual-thread attributes (variable, extent), inlined lets (variable, value)
and the `if`/assert conditions entered. So a statement that Simplify returned as it
was, in the same chain of scopes, would be returned as it is again.

A fact is stored under

    (context, statement)

* the statement by identity (nodes are immutable);
* the context is a number for the chain of scopes entered from the function's body
  down to the statement, each scope given by the objects that feed the analyzer (the
  same objects, by identity, in the same order, get the same number).

Both keep the objects they name alive, so an identity is never reused while stored.
Numbers are never reused either: `clear` (when the store is full) only forgets facts.
`memo.disabled()` around a lowering runs the plain pass; tests compare the two.
"""
from __future__ import annotations

import itertools


class Fixpoints:
    """(context, statement) pairs Simplify has returned unchanged."""

    LIMIT = 10_000          # entries kept before the store starts afresh (a lowering of
                            # the seed convolution makes about 200)

    def __init__(self):
        self._contexts = {}                 # (outer context, scope entry) -> number
        self._fixed = set()                 # (context, statement)
        self._numbers = itertools.count(1)  # 0 is the function's body

    def enter(self, context, entry):
        """The number of the context `entry` (a tuple naming a scope) opens inside
        `context`."""
        key = (context, entry)
        number = self._contexts.get(key)
        if number is None:
            number = self._contexts[key] = next(self._numbers)
        return number

    def holds(self, context, stmt):
        return (context, stmt) in self._fixed

    def add(self, context, stmt):
        if len(self._fixed) + len(self._contexts) >= self.LIMIT:     # counts both
            self.clear()
        self._fixed.add((context, stmt))

    def clear(self):
        self._contexts.clear()
        self._fixed.clear()


FIXPOINTS = Fixpoints()
