"""Normalizing a schedule and inferring its bounds once for several readers of the same,
unchanged schedule.

AutoTVM measures a candidate by checking its schedule statically (VTA's fit check
normalizes it and infers its bounds) and then lowering it (which normalizes it and infers
its bounds again): two thirds of the check, an eighth of the whole build, done twice on a
schedule nothing changes in between. Inside `shared_bounds()` the second reader gets
what the first computed.

Keyed by: the schedule object for `Schedule.normalize()`, the normalized schedule for
`infer_bound`, both by identity (each entry keeps its key alive, so an identity is never
reused while stored). The store lives for the block only, and outside any block nothing
is stored. The caller promises not to change the schedule inside the block (no
primitive, no new stage): a normalized copy or ranges computed before a change would
be served after it.
"""
from __future__ import annotations

from contextlib import contextmanager

_STORES = []        # one dict per open block, innermost last


@contextmanager
def shared_bounds():
    """Inside the block, each schedule is normalized and each normalized schedule's bounds
    inferred once (see the module docstring)."""
    _STORES.append({})
    try:
        yield
    finally:
        _STORES.pop()


def computed_once(kind, obj, compute):
    """`compute(obj)`, or inside `shared_bounds()` what it gave for `obj` the first time."""
    if not _STORES:
        return compute(obj)
    store = _STORES[-1]
    key = (kind, id(obj))
    entry = store.get(key)
    if entry is None:
        entry = store[key] = (obj, compute(obj))
    return entry[1]
