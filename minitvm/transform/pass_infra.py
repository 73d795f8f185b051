"""What the pass pipeline needs besides the passes: the pass context and phase bookkeeping.

`PassContext` is TVM's `tvm.transform.PassContext`: a `with` block that carries a config
dictionary (`"tir.add_lower_pass": [(phase, pass_fn), ...]` adds user passes to
`driver.lower`'s pipeline, as `vta.build_config` does) and the names of passes to skip
(`disabled_pass={"tir.CommonSubexprElimTIR"}`).

`lowering_pass` marks a `PrimFunc -> PrimFunc` function as a named pipeline step: the
function records its name in `PrimFunc.phases` when it has run, and refuses to run before
the steps it needs (loopy's rule: a stage that cannot run out of order).
"""
from __future__ import annotations

import functools
import threading

from ..error import TVMError


class PassOrderError(TVMError):
    """A pass was asked to run on IR that an earlier pass has not prepared yet."""


class PassContext:
    """The options lowering runs under; `with PassContext(...):` makes them current."""

    _local = threading.local()

    def __init__(self, opt_level=2, required_pass=None, disabled_pass=None, instruments=None,
                 config=None):
        self.opt_level = opt_level
        self.required_pass = frozenset(required_pass or ())
        self.disabled_pass = frozenset(disabled_pass or ())
        self.instruments = tuple(instruments or ())
        self.config = dict(config or {})
        _check_user_passes(self.config.get("tir.add_lower_pass", ()))

    @classmethod
    def current(cls):
        """The innermost active context (a default one when no `with` block is open)."""
        stack = getattr(cls._local, "stack", None)
        if not stack:
            return _DEFAULT
        return stack[-1]

    def __enter__(self):
        stack = getattr(PassContext._local, "stack", None)
        if stack is None:
            stack = PassContext._local.stack = []
        stack.append(self)
        return self

    def __exit__(self, *exc):
        PassContext._local.stack.pop()
        return False

    def with_config(self, changes):
        """A copy of this context with the `changes` config entries added or replaced."""
        return PassContext(self.opt_level, self.required_pass, self.disabled_pass,
                           self.instruments, {**self.config, **changes})

    def pass_enabled(self, name):
        return name not in self.disabled_pass

    def user_passes(self, phase):
        """The `tir.add_lower_pass` functions registered for `phase`, in the given order."""
        return [fn for p, fn in self.config.get("tir.add_lower_pass", ()) if p == phase]

    def __repr__(self):
        return (f"PassContext(opt_level={self.opt_level}, "
                f"disabled_pass={sorted(self.disabled_pass)}, config keys={sorted(self.config)})")


def _check_user_passes(entries):
    for entry in entries:
        if not (isinstance(entry, (tuple, list)) and len(entry) == 2):
            raise TypeError(f"tir.add_lower_pass entries are (phase, pass_fn) pairs, got {entry!r}")
        phase, fn = entry
        if phase not in (0, 1, 2, 3):
            raise ValueError(f"tir.add_lower_pass: phase {phase!r} of {pass_name(fn)} "
                             "must be 0, 1, 2 or 3")
        if not callable(fn):
            raise TypeError(f"tir.add_lower_pass: {fn!r} (phase {phase}) is not callable")


_DEFAULT = PassContext()


def pass_name(fn):
    """The name a pipeline step is known by (for dumps, phases and `disabled_pass`)."""
    return getattr(fn, "pass_name", None) or getattr(fn, "__name__", None) or repr(fn)


def lowering_pass(name, requires=(), once=False):
    """Decorator: `fn(func)` becomes a named step that checks its prerequisites first.

    `requires` lists step names that must appear in `func.phases`; `once` refuses a second
    run (flattening twice would flatten flat buffers). The step's name is appended to
    `func.phases` afterwards.
    """
    def wrap(fn):
        @functools.wraps(fn)
        def run(func, *args, **kwargs):
            missing = [r for r in requires if r not in func.phases]
            if missing:
                raise PassOrderError(
                    f"{name} needs {', '.join(missing)} to have run first "
                    f"(phases run so far: {', '.join(func.phases) or 'none'})")
            if once and name in func.phases:
                raise PassOrderError(f"{name} has already run on this function")
            return fn(func, *args, **kwargs).with_phase(name)
        run.pass_name = name
        return run
    return wrap


FLATTENED = "tir.StorageFlatten"
"""The phase after which buffers are 1-D and stages are allocations."""
