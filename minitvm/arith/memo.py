"""The simplifier's one cache: what simplifying an expression gave, keyed by the
expression's structure and by everything the analyzer knew at the time.

Simplification is a pure function of the expression and of the analyzer's knowledge
(variable bindings, constraint scopes, the rewrite recursion depth). Without a cache
the simplifier repeats itself: entering a condition as a constraint re-simplifies it,
negating it re-simplifies it again, and comparison rules re-simplify `a - b` for
operands just simplified. Conditions that hold `if_then_else` or `Select` nest those
repeats, so the work grew exponentially with the nesting depth.

A result is stored under

    (simplifier, structure of the input, knowledge, recursion depth)

* the structure is the analyzer's `StructuralInterner` number, equal exactly when
  `expr_deep_equal` holds (variables by identity);
* the knowledge is `(scope, epoch)`: `scope` numbers the chain of constraint scopes
  entered (the same conditions entered in the same order under the same bindings
  get the same number, so sibling branches share results), and `epoch` counts the
  bindings made so far (`bind` and `update_bound` change what is known for good) of
  variables the cache has met: a result that depends on a variable met it, in its
  input, in a bound value or in a constraint, so binding a fresh loop variable keeps
  everything stored.

A hit whose result has the input's structure returns the input itself, so callers
that test `new is old` to see whether anything changed behave as without the cache.
`Analyzer(cache=False)`, or `disabled()` around a whole pipeline, runs the plain
simplifier; tests compare the two.
"""
from __future__ import annotations

from contextlib import contextmanager

from .canonical_form import SumExpr

_ENABLED = [True]


@contextmanager
def disabled():
    """Analyzers created inside the block simplify without a cache."""
    _ENABLED.append(False)
    try:
        yield
    finally:
        _ENABLED.pop()


def enabled():
    """Whether a new Analyzer gets a cache (see `disabled`)."""
    return _ENABLED[-1]


class SimplifyCache:
    """Simplification results of one Analyzer, valid for its current knowledge."""

    def __init__(self, interner):
        self.interner = interner
        self.results = {}     # (simplifier, structure, scope, epoch, depth) -> [result, same]
        self.scope = 0        # the constraint scopes entered, as one number
        self.epoch = 0        # bindings made so far
        self._scopes = {}     # (scope, epoch, condition structure, stage) -> number

    def forget_bindings(self):
        """A variable's binding or bound changed: nothing stored so far applies."""
        self.epoch += 1

    def enter(self, cond_key, stage):
        """Move into the scope where sub-analyzer number `stage` has taken in the
        condition with structure `cond_key` (only when that taught it something);
        the caller restores the outer `scope` on leaving."""
        self.scope = self._scopes.setdefault((self.scope, self.epoch, cond_key, stage),
                                             len(self._scopes) + 1)

    def key(self, simplifier, expr, depth):
        return (simplifier, self.interner.key(expr), self.scope, self.epoch, depth)

    def unpack(self, hit, expr):
        """The result a hit in `results` stands for (`expr` itself when that has its
        structure: found out on the first hit, as most results are never hit)."""
        result, same = hit
        if same is None:
            same = hit[1] = (not isinstance(result, SumExpr)
                             and self.interner.key(result) == self.interner.key(expr))
        if same:
            return expr
        return result.copy() if isinstance(result, SumExpr) else result

    def put(self, key, expr, result):
        if result is expr:
            self.results[key] = [result, True]
        else:
            # A SumExpr is built up in place by its caller: keep a copy of our own.
            self.results[key] = [result.copy() if isinstance(result, SumExpr) else result,
                                 None]
