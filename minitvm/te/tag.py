"""Tag scopes (TVM's `te.tag_scope`): give every compute declared inside a tag.

    with te.tag_scope(tag="conv"):           @te.tag_scope(tag=topi.tag.ELEMWISE)
        C = te.compute(...)                  def relu(x): return te.compute(...)

`te.compute` asks `TagScope.current()` for the tag when it is given none; a scope whose
tag was never used warns on exit, as TVM's does. Scopes do not nest.
"""
from __future__ import annotations

import functools
import threading
import warnings

from .errors import TEError

_state = threading.local()


class TagScope:
    """A context manager (and decorator) making `tag` the tag of the computes inside."""

    def __init__(self, tag):
        if not isinstance(tag, str):
            raise TypeError(f"te.tag_scope: the tag must be a string, got {tag!r}")
        self.tag = tag
        self.accessed = False

    @staticmethod
    def current():
        """The innermost active scope (marking it used), or None."""
        scope = getattr(_state, "scope", None)
        if scope is not None:
            scope.accessed = True
        return scope

    def __enter__(self):
        outer = getattr(_state, "scope", None)
        if outer is not None:
            raise TEError(f"te.tag_scope('{self.tag}') opened inside "
                          f"te.tag_scope('{outer.tag}'); tag scopes do not nest")
        _state.scope = self
        return self

    def __exit__(self, *exc):
        _state.scope = None
        if not self.accessed and exc[0] is None:
            warnings.warn(f"te.tag_scope('{self.tag}') declared no te.compute", stacklevel=2)

    def __call__(self, fdecl):
        @functools.wraps(fdecl)
        def tagged(*args, **kwargs):
            with self:
                return fdecl(*args, **kwargs)
        return tagged


def tag_scope(tag):
    """TVM's `te.tag_scope(tag)`: usable as `with` block or as decorator."""
    return TagScope(tag)
