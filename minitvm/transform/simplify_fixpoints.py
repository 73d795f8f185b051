"""The Simplify pass's one cache: statements and expressions it has returned, and where,
when simplifying them there again would return them as they are (its fixpoints).

A lowering runs Simplify three times (phase 1, inside HoistIfThenElse, phase 3), and
most of what one run returns reaches the next untouched. Simplify is a pure function
of a statement and of what its analyzer knows there, and inside a function that
knowledge is set by the enclosing scopes alone: the loops (variable, min, extent),
thread and virtual-thread attributes (variable, extent) and the `if`/assert conditions
entered. So a statement that Simplify returned as it was, in the same chain of scopes,
would be returned as it is again; so would an expression it returned as it was, or
whose simplification it found settled (`Analyzer.simplify_settled`: simplifying the
result again would keep it; simplification is not idempotent in general). An inlined
let names no scope: it vanishes from what Simplify returns, its variable replaced by
its value, so a later run meets that outside any let.

A fact is stored under

    (context, node)

* the statement or expression by identity (nodes are immutable);
* the context is a number for the chain of scopes entered from the function's body
  down to the node, each scope given by the objects that feed the analyzer (the
  same objects, by identity, in the same order, get the same number).

Both keep the objects they name alive, so an identity is never reused while stored.
Numbers are never reused either: `clear` (when the store is full) only forgets facts.
`memo.disabled()` around a lowering runs the plain pass; tests compare the two.
"""
from __future__ import annotations

import itertools


class Fixpoints:
    """(context, node) pairs Simplify has returned and would return unchanged."""

    # Entries (facts and contexts) kept before the store starts afresh. Measured on the
    # seed tutorial (tutorials/convolution_opt.py), each lowering from an empty store
    # makes 190 (listing 1), 322 (listing 2) and 371 (the VTA lowering of listing 3 and
    # of vta.build); its four lowerings together keep 1,187.
    LIMIT = 10_000

    def __init__(self):
        self._contexts = {}                 # (outer context, scope entry) -> number
        self._fixed = set()                 # (context, statement or expression)
        self._numbers = itertools.count(1)  # 0 is the function's body

    def enter(self, context, entry):
        """The number of the context `entry` (a tuple naming a scope) opens inside
        `context`."""
        key = (context, entry)
        number = self._contexts.get(key)
        if number is None:
            number = self._contexts[key] = next(self._numbers)
        return number

    def holds(self, context, node):
        return (context, node) in self._fixed

    def add(self, context, node):
        if len(self._fixed) + len(self._contexts) >= self.LIMIT:     # counts both
            self.clear()
        self._fixed.add((context, node))

    def clear(self):
        self._contexts.clear()
        self._fixed.clear()


FIXPOINTS = Fixpoints()
