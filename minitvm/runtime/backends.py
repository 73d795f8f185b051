"""Backends found through the `minitvm.backends` packaging entry point group.

The core never names a backend. A backend package declares an entry point in that group
(the VTA backend declares one in pyproject.toml); importing it registers what it
provides with the runtime (an array allocator for its device type, a loader for its saved
modules). The runtime calls `load_backends()` where it meets something only a backend can
provide: a saved module of an unknown kind, or a device without an allocator.
"""
from __future__ import annotations

import importlib

GROUP = "minitvm.backends"
_loaded = False


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
