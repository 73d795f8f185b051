"""Pausing Python's cyclic garbage collector while a VTA module runs.

Where it sits: `VTAModule` runs its host code, the runtime and the simulator inside
`paused()`. A run allocates thousands (a large tuning candidate: hundreds of thousands) of
small containers -- instruction records, prepared operations, index tuples -- and none of
them forms a reference cycle. With the collector on, every 700 of them start a collection
that traverses them, and the full collections this brings on traverse the whole heap (the
compiler's IR included) without freeing anything: about a fifth of the run of a large
tuning candidate, some 1 ms of the seed convolution's first run. Paused, reference counting
still frees everything as it goes; what outlives the run is examined by the collector's
first collection after it.

`enabled = False` (module attribute) leaves the collector alone, to compare with the plain
path; a collector the caller disabled stays disabled.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager

enabled = True


@contextmanager
def paused():
    """Run the body with the cyclic garbage collector off (if it was on)."""
    if not enabled or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
