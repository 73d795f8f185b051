"""ext_dev arrays live in the simulator's DRAM (VTA's `device_api.ext_dev`, spec vta.md 4.1).

Where it sits: `minitvm.nd.array(x, ext_dev)` / `nd.empty(..., device=ext_dev)` ask the
runtime for storage through its per-device-type allocator registry; `register()` puts
`allocate` there for ext_dev. The storage is a numpy view of a `DramBuffer` allocated
through VTA's runtime (`buffer_alloc`), so the DRAM addresses in LOAD and STORE
instructions reach the array's bytes, and host reads (`.numpy()`) see what the device
stored. `dram_buffer(storage)` gives the buffer back when a module is called; the buffer
is freed when its array is garbage collected, so repeated runs do not grow DRAM.
"""
from __future__ import annotations

import math
import weakref
from typing import Dict, Optional

import numpy as np

from minitvm.runtime import register_allocator
from minitvm.runtime.device import EXT_DEV

from .runtime import buffer_alloc, buffer_free
from .simulator import DramBuffer

_BUFFERS: Dict[int, DramBuffer] = {}    # id(storage array) -> its DRAM buffer


def allocate(shape, dtype) -> np.ndarray:
    """Zero-filled storage of `shape` and `dtype` in a new DRAM buffer."""
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    buffer = buffer_alloc(nbytes)
    storage = buffer.data[:nbytes].view(dtype).reshape(shape)
    key = id(storage)
    _BUFFERS[key] = buffer
    weakref.finalize(storage, _release, key, buffer)
    return storage


def _release(key: int, buffer: DramBuffer) -> None:
    _BUFFERS.pop(key, None)
    if not buffer.freed:
        buffer_free(buffer)


def dram_buffer(storage: np.ndarray) -> Optional[DramBuffer]:
    """The DRAM buffer behind an ext_dev array's storage, or None if it has none."""
    buffer = _BUFFERS.get(id(storage))
    if buffer is None or storage.base is not buffer.data:
        return None
    return buffer


def live_buffers() -> int:
    """How many ext_dev arrays currently hold DRAM (for tests of memory growth)."""
    return len(_BUFFERS)


def register() -> None:
    """Make ext_dev arrays allocate their storage here."""
    register_allocator(EXT_DEV, allocate)


register()
