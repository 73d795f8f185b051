"""Normalizing a schedule and inferring its bounds once for several readers of the same,
unchanged schedule.

AutoTVM measures a candidate by checking its schedule statically (VTA's fit check
normalizes it and infers its bounds) and then lowering it (which normalizes it and infers
its bounds again): two thirds of the check, an eighth of the whole build, done twice on a
schedule nothing changes in between. Inside `shared_bounds()` the second reader gets
what the first computed.

Keyed by: the schedule object for `Schedule.normalize()`, the normalized schedule for
`infer_bound`, both by identity (each entry keeps its key alive, so an identity is never
reused while stored). The store lives for the block only, and belongs to the thread that
opened it; outside any block of its own thread nothing is stored. The caller promises not to change the schedule inside the block (no
primitive, no new stage): a normalized copy or ranges computed before a change would
be served after it.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager

_BLOCKS = threading.local()     # .stores: one dict per open block of the thread, innermost last


def _stores():
    stores = getattr(_BLOCKS, "stores", None)
    if stores is None:
        stores = _BLOCKS.stores = []
    return stores


@contextmanager
def shared_bounds():
    """Inside the block, each schedule is normalized and each normalized schedule's bounds
    inferred once (see the module docstring)."""
    stores = _stores()
    stores.append({})
    try:
        yield
    finally:
        stores.pop()


def computed_once(kind, obj, compute):
    """`compute(obj)`, or inside `shared_bounds()` what it gave for `obj` the first time."""
    stores = _stores()
    if not stores:
        return compute(obj)
    store = stores[-1]
    key = (kind, id(obj))
    entry = store.get(key)
    if entry is None:
        entry = store[key] = (obj, compute(obj))
    return entry[1]
