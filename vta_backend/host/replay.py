"""Running a VTA module's instruction streams again without re-running its host code.

Where it sits: `VTAModule` calls its compiled host code (host.compile) on the first call;
the code drives the command queue instruction by instruction, which costs far more in
Python than the device's own run. Nothing in that code depends on the arrays' contents: it
is straight-line loops of runtime calls whose arguments are constants, loop variables and
the arguments' DRAM addresses. So the streams one call synchronizes (records, encoded
words, staged micro-ops) are recorded once, and a later call with the arguments at the
same addresses runs exactly those streams; with the arguments elsewhere, the DRAM address
of each LOAD and STORE that points into an argument is moved by as much as that argument
moved, and only those rows are encoded again. The queue's micro-op staging buffer counts as
one more argument: a queue made anew (after `runtime.shutdown`) stages its micro-ops
elsewhere, and the recorded micro-op LOADs follow it.

A recording is made only where replaying it is exact:
- the host code touches no data itself and allocates nothing (no VTABufferCPUPtr, no
  VTABufferAlloc: `replayable_host_code`);
- the queue is idle when the call starts (no half-built stream of someone else's), no
  debug dump is asked for (a replay prints nothing) and every argument is live (the host
  code's runtime calls report a freed one);
- the streams are moved to other addresses only if every LOAD and STORE addresses an
  argument or the queue's micro-op staging buffer (otherwise arguments elsewhere run the
  host code again, which records the streams for them). No two of these share DRAM bytes,
  so a row addresses at most one: the module's signature refuses arguments that share
  memory (tir.noalias) before anything runs, and the staging buffer is the queue's own
  allocation.

Keyed by: the module (one `StreamReplay` each), then the DRAM byte addresses of the
arguments and of the micro-op staging buffer.
`enabled = False` (module attribute) turns replay off, to compare with the plain path.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..isa import (DRAM_BASE, MEM_NAMES, MEMORY_TYPE, OPCODE, OPCODE_LOAD, OPCODE_STORE,
                   X_SIZE)
from ..runtime import CommandQueue, SyncedStream

enabled = True
HOST_SIDE_EXTERNS = frozenset({"VTABufferCPUPtr", "VTABufferAlloc"})
_MAX_LAYOUTS = 8
MEMORY_TYPES = tuple(sorted(MEM_NAMES))


def replayable_host_code(used_externs) -> bool:
    """Host code whose only effect is the stream it queues (see the module docstring)."""
    return not HOST_SIDE_EXTERNS & set(used_externs)


class _Template:
    """The recorded streams and the DRAM spans (address, bytes) of the arguments and the
    staging buffer they were recorded with. Which of them each LOAD and STORE addresses is
    worked out when the streams first move (a first call pays nothing for it)."""

    def __init__(self, streams: List[SyncedStream], spans: List[Tuple[int, int]]):
        self.streams, self.spans = streams, spans
        self._moves: Optional[list] = None
        self._checked = False

    def moves(self, queue) -> Optional[List[List[Tuple[int, int, int]]]]:
        """Per stream, (row, target, byte offset) of each LOAD and STORE; None if a row
        addresses none of the spans (the streams cannot move)."""
        if not self._checked:
            moves = [_argument_rows(queue, stream, self.spans) for stream in self.streams]
            self._moves = None if None in moves else moves
            self._checked = True
        return self._moves


class StreamReplay:
    """The recorded streams of one module, by argument addresses."""

    def __init__(self):
        self._template: Optional[_Template] = None
        self._by_layout: Dict[tuple, List[SyncedStream]] = {}
        self._refused = False

    def call(self, queue: CommandQueue, buffers: Sequence, host_function) -> None:
        """Run `host_function(queue, *buffers)`, or replay what it queued before."""
        if (not enabled or self._refused or queue.debug_flag or not queue.idle
                or any(b.freed for b in buffers)):       # the host code says what is wrong
            host_function(queue, *buffers)
            return
        targets = [*buffers, queue.uop_staging]     # what the streams' DRAM addresses name
        layout = tuple(b.phys_addr for b in targets)
        streams = self._by_layout.get(layout)
        if streams is None and self._template is not None:
            streams = self._moved(queue, targets)
        if streams is not None:
            for stream in streams:
                queue.run_stream(stream)
            return
        self._record(queue, buffers, host_function, targets)

    def _record(self, queue, buffers, host_function, targets) -> None:
        queue.recorder = recorded = []
        try:
            host_function(queue, *buffers)
        finally:
            queue.recorder = None
        if not recorded or not queue.idle:
            self._refused = True
            return
        self._template = _Template(recorded, [(b.phys_addr, b.nbytes) for b in targets])
        self._remember(tuple(b.phys_addr for b in targets), recorded)

    def _moved(self, queue, targets) -> Optional[List[SyncedStream]]:
        """The template's streams with every address moved to the one in `targets` (the
        arguments, then the micro-op staging buffer) it addresses now."""
        recorded_moves = self._template.moves(queue)
        if recorded_moves is None:
            return None
        streams = []
        for stream, moves in zip(self._template.streams, recorded_moves):
            records = list(stream.records)      # only the rows that move are copied
            for row, arg, offset in moves:
                elem_bytes = queue.elem_bytes(records[row][MEMORY_TYPE])
                address = targets[arg].phys_addr + offset
                if address % elem_bytes or offset >= targets[arg].nbytes:
                    return None
                records[row] = list(records[row])
                records[row][DRAM_BASE] = address // elem_bytes
            words = stream.words.copy()
            rows = sorted({row for row, _, _ in moves})
            if rows:
                words[rows] = queue.isa.encode_stream([records[r] for r in rows])
            streams.append(SyncedStream(records, words, stream.uop_bytes))
        self._remember(tuple(b.phys_addr for b in targets), streams)
        return streams

    def _remember(self, layout, streams) -> None:
        if len(self._by_layout) >= _MAX_LAYOUTS:
            self._by_layout.pop(next(iter(self._by_layout)))
        self._by_layout[layout] = streams


def _argument_rows(queue, stream, spans):
    """(row, index into `spans`, byte offset into it) of each LOAD and STORE of `stream`;
    None if one addresses none of the DRAM spans (address, bytes)."""
    fields = queue.isa.mem.decode_rows(stream.words)     # the words, not the records: faster
    opcode = fields[:, OPCODE]
    memory, x_size, base = fields[:, MEMORY_TYPE], fields[:, X_SIZE], fields[:, DRAM_BASE]
    rows = np.flatnonzero(((opcode == OPCODE_STORE) | (opcode == OPCODE_LOAD)) & (x_size != 0))
    elem_bytes = np.array([queue.elem_bytes(m) for m in MEMORY_TYPES], dtype=np.int64)
    address = base[rows] * elem_bytes[memory[rows]]
    starts, ends = np.array([(start, start + nbytes) for start, nbytes in spans],
                            dtype=np.int64).reshape(-1, 2).T
    inside = (starts[None, :] <= address[:, None]) & (address[:, None] < ends[None, :])
    if not inside.any(axis=1).all():
        return None
    arg = inside.argmax(axis=1)
    return list(zip(rows.tolist(), arg.tolist(), (address - starts[arg]).tolist()))
