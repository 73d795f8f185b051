"""Backends found through the `minitvm.backends` packaging entry point group.

The core never names a backend. A backend package declares an entry point in that group
(the VTA backend declares one in pyproject.toml); importing it registers what it
provides with the runtime (an array allocator for its device type, a loader for its saved
modules). The runtime calls `load_backends()` where it meets something only a backend can
provide: a saved module of an unknown kind, or a device without an allocator.

A backend can also keep a part few processes need off its own import: `import_with(package,
module)` imports `module` once the core package `package` has been imported (at once if it
already has). The VTA backend's operator library registers autotvm tasks, so it loads with
`minitvm.autotvm`, which calls `load_deferred(__name__)` as its last step.
"""
from __future__ import annotations

import importlib
import sys
from typing import Dict, List

GROUP = "minitvm.backends"
_loaded = False
_DEFERRED: Dict[str, List[str]] = {}     # core package -> modules to import after it


def load_backends() -> None:
    """Import every installed backend once (a backend that fails to import is skipped)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    # Imported here, not at the top: importlib.metadata (email, zipfile, csv...) costs
    # about 10 ms, and most processes never need a backend found this way.
    from importlib import metadata
    for entry in metadata.entry_points(group=GROUP):
        try:
            importlib.import_module(entry.value)
        except ImportError:
            continue


def import_with(package: str, module: str) -> None:
    """Import `module` when `package` is imported (now, if it is already)."""
    if package in sys.modules:
        importlib.import_module(module)
    else:
        _DEFERRED.setdefault(package, []).append(module)


def load_deferred(package: str) -> None:
    """Import the modules backends asked to load with `package` (once)."""
    for module in _DEFERRED.pop(package, []):
        importlib.import_module(module)
