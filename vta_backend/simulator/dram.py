"""The modelled device DRAM: buffers of whole 4 KiB pages at physical addresses.

Where it sits: the runtime allocates data buffers and its instruction and micro-op staging
buffers here; LOAD and STORE instructions name DRAM by physical address (in element units) and
the simulator resolves each address range back to the one buffer that must contain it.

Like VTA's VirtualMemoryManager, an allocation takes ceil(n / 4096) contiguous pages, reusing the
smallest freed run of pages that is large enough or else appending to the page table, and the
physical address of page k is (k + 1) * 4096, so address 0 is never valid. A buffer's extent is
the size that was asked for; anything past it, or in a freed buffer, is outside DRAM buffers.
"""
from __future__ import annotations

import bisect
from typing import List, Optional, Tuple

import numpy as np

from ..environment import VTAError

PAGE_BYTES = 4096


class DramError(VTAError, ValueError):
    """Misuse of the device memory API (freeing twice, copying past a buffer's end)."""


class DramBuffer:
    """One allocation: `phys_addr`, `nbytes` and its bytes (`data`, host-visible)."""
    __slots__ = ("phys_addr", "nbytes", "data", "freed", "_rows")

    def __init__(self, phys_addr: int, nbytes: int, npages: int):
        self.phys_addr, self.nbytes, self.freed = phys_addr, nbytes, False
        self.data = np.zeros(npages * PAGE_BYTES, dtype=np.uint8)
        self._rows: dict = {}

    @property
    def end(self) -> int:
        return self.phys_addr + self.nbytes

    def rows(self, dtype, lanes: int) -> np.ndarray:
        """The bytes seen as (elements, lanes) of `dtype` (cached view)."""
        key = (np.dtype(dtype).str, lanes)
        view = self._rows.get(key)
        if view is None:
            elem = np.dtype(dtype).itemsize * lanes
            view = self.data[:len(self.data) // elem * elem].view(dtype).reshape(-1, lanes)
            self._rows[key] = view
        return view

    def write(self, offset: int, data) -> None:
        """Copy host bytes (anything numpy can view as bytes) into the buffer at `offset`."""
        raw = np.ascontiguousarray(data).reshape(-1).view(np.uint8)
        self._check(offset, len(raw), "write")
        self.data[offset:offset + len(raw)] = raw

    def read(self, offset: int, nbytes: int) -> np.ndarray:
        """A copy of `nbytes` bytes from `offset`."""
        self._check(offset, nbytes, "read")
        return self.data[offset:offset + nbytes].copy()

    def _check(self, offset: int, nbytes: int, what: str) -> None:
        if self.freed:
            raise DramError(f"{what} of DRAM buffer 0x{self.phys_addr:x}: it was freed")
        if offset < 0 or nbytes < 0 or offset + nbytes > self.nbytes:
            raise DramError(f"{what} of bytes [{offset}, {offset + nbytes}) of DRAM buffer "
                            f"0x{self.phys_addr:x}, which holds {self.nbytes} bytes")

    def __repr__(self) -> str:
        state = ", freed" if self.freed else ""
        return f"DramBuffer(0x{self.phys_addr:08x}, {self.nbytes} bytes{state})"


class DeviceMemory:
    """The page table and every live buffer; `generation` changes at each alloc and free."""

    def __init__(self):
        self._pages = 0                                    # page-table length
        self._free: List[Tuple[int, int]] = []             # (npages, first page) runs
        self._live: dict = {}                              # phys_addr -> DramBuffer
        self._starts: List[int] = []
        self.generation = 0

    @property
    def page_count(self) -> int:
        """Pages the page table has grown to (freed pages stay in it, for reuse)."""
        return self._pages

    def alloc(self, nbytes: int) -> DramBuffer:
        if nbytes < 0:
            raise DramError(f"cannot allocate {nbytes} bytes")
        npages = max(1, -(-nbytes // PAGE_BYTES))
        fits = [run for run in self._free if run[0] >= npages]
        if fits:
            run = min(fits)
            self._free.remove(run)
            npages, first = run
        else:
            first, self._pages = self._pages, self._pages + npages
        buf = DramBuffer((first + 1) * PAGE_BYTES, nbytes, npages)
        self._live[buf.phys_addr] = buf
        bisect.insort(self._starts, buf.phys_addr)
        self.generation += 1
        return buf

    def free(self, buf: DramBuffer) -> None:
        if self._live.get(buf.phys_addr) is not buf:
            raise DramError(f"free of {buf!r}: not a live buffer of this memory")
        del self._live[buf.phys_addr]
        self._starts.remove(buf.phys_addr)
        buf.freed = True
        self._free.append((len(buf.data) // PAGE_BYTES, buf.phys_addr // PAGE_BYTES - 1))
        self.generation += 1

    def find(self, start: int, end: int) -> Optional[DramBuffer]:
        """The live buffer that holds bytes [start, end), or None."""
        k = bisect.bisect_right(self._starts, start) - 1
        if k < 0:
            return None
        buf = self._live[self._starts[k]]
        return buf if end <= buf.end else None

    def locate(self, starts: np.ndarray, ends: np.ndarray):
        """Vectorised `find`: (buffer index or -1, buffers list) for byte ranges."""
        bases = np.array(self._starts, dtype=np.int64)
        buffers = [self._live[s] for s in self._starts]
        k = np.searchsorted(bases, starts, side="right") - 1
        limit = np.array([b.end for b in buffers] + [0], dtype=np.int64)
        ok = (k >= 0) & (ends <= limit[k])
        return np.where(ok, k, -1), buffers

    def describe(self, start: int, end: int) -> str:
        """Why bytes [start, end) are not inside one buffer (for fault messages)."""
        k = bisect.bisect_right(self._starts, start) - 1
        if k < 0 or start >= self._live[self._starts[k]].end:
            return f"DRAM bytes [0x{start:x}, 0x{end:x}) are not inside any allocated buffer"
        buf = self._live[self._starts[k]]
        return (f"DRAM bytes [0x{start:x}, 0x{end:x}) run past the end of {buf!r} "
                f"(it ends at 0x{buf.end:x})")
