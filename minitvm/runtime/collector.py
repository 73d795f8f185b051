"""The garbage-collection policy of the hot paths: pause Python's cyclic collector while
the body runs, and only there.

Where it is used: `VTAModule` runs its host code, the runtime and the simulator inside
`paused()`, and AutoTVM's `build_candidate` instantiates, checks, lowers and builds a
candidate inside it. Both allocate tens to hundreds of thousands of small containers (IR
nodes, analyzer scopes, instruction records, prepared operations, index tuples), nearly
all freed by reference counting as they go. With the collector on, every 700 net
allocations start a young collection that traverses whatever is alive at that moment, and
every hundredth of those a full collection that traverses the whole heap. A tuner's heap
is large (the simulator's prepared programs alone hold millions of objects), so a full
collection falling inside a build costs 100-500 ms, several times the build itself, and
frees nothing the build made.

The policy:
- inside `paused()` the collector is off; reference counting still frees everything that
  forms no cycle. What outlives the body, cycles included, is examined by the first young
  collection after it: cheap after a build (a candidate's schedule and its normalized
  copies are cycles of about a thousand objects: stages and the schedule refer to each
  other), proportional to what a run leaves behind after a run (a module keeps its
  recorded streams, the simulator its prepared programs: about 50,000 objects for a C5
  candidate of 7,000 instructions, 3 ms).
- nothing outlives the call: the collector is on again when the body ends (also by an
  exception), its thresholds and generations untouched, no `gc.freeze`.
- the hot paths avoid making cycles of their own (no class or self-referencing closure
  made per call), so that the pause only defers the little work the collector has.

`enabled = False` (module attribute) leaves the collector alone everywhere, to compare with
the plain path; a collector the caller disabled stays disabled.
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
