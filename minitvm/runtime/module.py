"""Runtime modules: the callable result of `tvm.build`, its saved form and loading.

`Module.save(path)` (and `export_library(path)`, TVM's name for writing a loadable
library) writes a JSON document naming the module kind; `load_module` dispatches on
that kind to a loader registered with `register_loader`, so backends (the host build,
VTA) can each restore their own modules. Documents hold data (the host build stores
the lowered IR and compiles it again on load), never code: there is no shared library
to link, so `export_library` takes no compiler (see `minitvm.contrib.cc`).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Tuple

FORMAT = "minitvm-module/1"
_LOADERS = {}


class Module:
    """Base of runtime modules: named functions, an entry function, source and save."""

    type_key = "module"
    entry_name = "default_function"

    def get_function(self, name):
        raise NotImplementedError(f"{type(self).__name__} does not define get_function")

    def __getitem__(self, name):
        return self.get_function(name)

    def __call__(self, *args):
        return self.get_function(self.entry_name)(*args)

    def get_source(self, fmt=""):
        raise NotImplementedError(f"{type(self).__name__} has no source")

    def serialize(self):
        """A JSON-able dict with at least "kind"; `load_module` passes it to the loader."""
        raise NotImplementedError(f"{type(self).__name__} cannot be saved")

    def save(self, file_name, fmt=""):
        """Write the module to `file_name` (any extension: the tutorials use .o)."""
        with open(file_name, "w") as out:
            json.dump({"format": FORMAT, **self.serialize()}, out)

    def export_library(self, file_name, fcompile=None, **kwargs):
        """Write the module to `file_name` for `tvm.runtime.load_module` (minitvm's own
        format, whatever the extension). `fcompile` may only be `tvm.contrib.cc`'s
        `create_shared`, TVM's default, which has nothing to do here."""
        from ..contrib import cc
        if fcompile is not None and fcompile is not cc.create_shared:
            raise ValueError(f"export_library({file_name!r}): minitvm modules are data, "
                             f"not native code, so there is nothing for fcompile="
                             f"{getattr(fcompile, '__name__', fcompile)!r} to compile; "
                             f"call export_library(path) without it")
        self.save(file_name)

    def time_evaluator(self, func_name, dev=None, number=10, repeat=1, min_repeat_ms=0):
        """TVM's timer: a callable running `func_name` and returning a ProfileResult.
        Like TVM's, it calls the function once untimed before measuring (a warm-up),
        so a call runs it `number * repeat + 1` times (or more, for `min_repeat_ms`)."""
        func = self.get_function(func_name)

        def evaluate(*args):
            func(*args)
            results = []
            for _ in range(repeat):
                start = time.perf_counter()
                count = 0
                while count < number or (time.perf_counter() - start) * 1e3 < min_repeat_ms:
                    func(*args)
                    count += 1
                results.append((time.perf_counter() - start) / count)
            return ProfileResult(sum(results) / len(results), tuple(results))

        return evaluate


@dataclass(frozen=True)
class ProfileResult:
    mean: float
    results: Tuple[float, ...]


def register_loader(kind, loader):
    """Make `load_module` restore saved modules of `kind` with `loader(document)`."""
    _LOADERS[kind] = loader


def load_module(path, fmt=""):
    """Load a module written by `Module.save` or `Module.export_library`."""
    try:
        with open(path) as src:
            document = json.load(src)
    except (OSError, ValueError) as err:
        raise ValueError(f"cannot load module {path!r}: {err}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"cannot load module {path!r}: not a module saved by minitvm")
    kind = document.get("kind")
    if kind not in _LOADERS:
        _import_known_loaders()
    if kind not in _LOADERS:
        raise ValueError(f"cannot load module {path!r}: no loader for module kind {kind!r} "
                         f"(known: {', '.join(sorted(_LOADERS))})")
    return _LOADERS[kind](document)


def _import_known_loaders():
    from . import host_module  # noqa: F401  (registers the "host" loader)
    from .backends import load_backends
    load_backends()
