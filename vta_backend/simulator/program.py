"""Prepares a fetched instruction stream for execution: decode, check, route, segment.

Where it sits: Device.run hands the 128-bit words it fetched from DRAM here; the scheduler
runs the resulting segments.

1. Decode every word (isa). Fetch stops at the first undecodable word: the instructions before
   it still run, then the run ends with that fault.
2. Route each instruction to its module's queue (spec §3.2): LOAD of INP or WGT -> load;
   GEMM, ALU, FINISH and the other LOADs -> compute; STORE -> store.
3. Check the SRAM and DRAM ranges of every LOAD and STORE at once; a bad one becomes an op
   that raises when its turn comes, so everything before it has run.
4. Cut each queue into segments: a segment starts at an instruction that pops a token and
   ends before the next one, so once its tokens are popped it runs to the end without waiting;
   within a segment, consecutive STOREs to one buffer are one batched op.
"""
from __future__ import annotations

from typing import Dict, List, Optional

import numpy as np

from ..isa import (DRAM_BASE, ITER_IN, ITER_OUT, MEM_ACC, MEM_ACC_8BIT, MEM_INP, MEM_OUT,
                   MEM_UOP, MEM_WGT, MEMORY_TYPE, OPCODE_ALU, OPCODE_FINISH, OPCODE_GEMM,
                   OPCODE_LOAD, RESET_REG, UOP_BGN, UOP_END, USE_IMM, IMM,
                   OPCODE_STORE, POP_NEXT, POP_PREV, PUSH_NEXT, PUSH_PREV, SRAM_BASE, X_PAD_0,
                   X_PAD_1, X_SIZE, X_STRIDE, Y_PAD_0, Y_PAD_1, Y_SIZE, ALU_OPCODE, MEM_NAMES,
                   disassemble)
from .dma import FlatLoad, Load2D, store_index
from .faults import (DramAccessFault, InvalidInstruction, SramAccessFault,
                     UndecodableInstruction)
from .gemm import as_slices

LOAD_CORE, COMPUTE_CORE, STORE_CORE = 0, 1, 2
L2G, G2L, G2S, S2G = 0, 1, 2, 3
QUEUE_NAMES = ("l2g (load->compute)", "g2l (compute->load)", "g2s (compute->store)",
               "s2g (store->compute)")
# (flag, queue) each module pops before and pushes after an instruction (spec §2.3).
POPS = {LOAD_CORE: ((POP_NEXT, G2L),), COMPUTE_CORE: ((POP_PREV, L2G), (POP_NEXT, S2G)),
        STORE_CORE: ((POP_PREV, G2S),)}
PUSHES = {LOAD_CORE: ((PUSH_NEXT, L2G),), COMPUTE_CORE: ((PUSH_PREV, G2L), (PUSH_NEXT, G2S)),
          STORE_CORE: ((PUSH_PREV, S2G),)}
QUEUES_OF = tuple(tuple(q for q in range(4) if mask >> q & 1) for mask in range(16))  # by mask


def memory_types(mem: np.ndarray) -> np.ndarray:
    """The memory type of each instruction's LOAD/STORE fields, clipped to the known ones."""
    return np.clip(mem[:, MEMORY_TYPE], 0, MEM_ACC_8BIT)


def modules(op: np.ndarray, mem: np.ndarray) -> np.ndarray:
    """The routing of spec §3.2: LOAD INP/WGT -> load, STORE -> store, the rest -> compute."""
    mtype = memory_types(mem)
    module = np.full(len(op), COMPUTE_CORE, dtype=np.int64)
    module[(op == OPCODE_LOAD) & ((mtype == MEM_INP) | (mtype == MEM_WGT))] = LOAD_CORE
    module[op == OPCODE_STORE] = STORE_CORE
    return module


def token_masks(mem: np.ndarray, module: np.ndarray, wiring: dict) -> np.ndarray:
    """Per instruction, the token queues (bit q: queue q) it pops (wiring POPS) or pushes
    (PUSHES) on its module."""
    mask = np.zeros(len(module), dtype=np.int64)
    for core, rules in wiring.items():
        on_core = module == core
        for flag, queue in rules:
            mask |= (on_core & (mem[:, flag] != 0)).astype(np.int64) << queue
    return mask


class Segment:
    """Instructions of one queue that run back to back once `pops` are satisfied."""
    __slots__ = ("first", "pops", "ops", "pushes")

    def __init__(self, first: int, pops: tuple):
        self.first, self.pops, self.ops, self.pushes = first, pops, [], []


class Program:
    """A decoded stream: its segments per queue, and the fault that stopped fetch, if any."""

    def __init__(self, decoded: dict, count: int):
        self.decoded, self.count = decoded, count
        self.stop: Optional[UndecodableInstruction] = None
        self.segments: List[List[Segment]] = [[], [], []]
        self.has_finish = False
        self.loads = None          # the LOADs' copies, by index (`_Loads`)

    def record(self, i: int) -> list:
        op = int(self.decoded["opcode"][i])
        fmt = "mem" if op in (OPCODE_LOAD, OPCODE_STORE) else "alu" if op == OPCODE_ALU else "gemm"
        return self.decoded[fmt][i].tolist()

    def describe(self, i: int) -> str:
        return disassemble(self.record(i))


def _dram_formats(env) -> Dict[int, tuple]:
    """DRAM element (dtype, lanes) of each memory type."""
    b, k, o = env.BATCH, env.BLOCK_IN, env.BLOCK_OUT
    return {MEM_UOP: (np.uint32, 1), MEM_WGT: (env.wgt_dtype, o * k),
            MEM_INP: (env.inp_dtype, b * k), MEM_ACC: (env.acc_dtype, b * o),
            MEM_OUT: (env.out_dtype, b * o), MEM_ACC_8BIT: (np.int8, b * o)}


def _depths(env) -> Dict[int, int]:
    return {MEM_UOP: env.UOP_BUFF_DEPTH, MEM_WGT: env.WGT_BUFF_DEPTH, MEM_INP: env.INP_BUFF_DEPTH,
            MEM_ACC: env.ACC_BUFF_DEPTH, MEM_OUT: env.OUT_BUFF_DEPTH,
            MEM_ACC_8BIT: env.ACC_BUFF_DEPTH}


def _undecodable(dec: dict) -> np.ndarray:
    op, mtype = dec["opcode"], dec["mem"][:, MEMORY_TYPE]
    is_mem = (op == OPCODE_LOAD) | (op == OPCODE_STORE)
    return (op > OPCODE_ALU) | (is_mem & (mtype > MEM_ACC_8BIT)) | (
        (op == OPCODE_ALU) & (dec["alu"][:, ALU_OPCODE] > 4))


def _why_undecodable(dec: dict, i: int) -> str:
    op = int(dec["opcode"][i])
    if op > OPCODE_ALU:
        return f"opcode {op} is not an instruction (LOAD 0, STORE 1, GEMM 2, FINISH 3, ALU 4)"
    if op == OPCODE_ALU:
        return f"ALU opcode {int(dec['alu'][i, ALU_OPCODE])} does not exist (MIN..MUL are 0..4)"
    return f"memory type {int(dec['mem'][i, MEMORY_TYPE])} does not exist (0..5)"


class _MemoryOps:
    """Checked LOAD/STORE facts, vectorised: DRAM buffer, first element, faults."""

    def __init__(self, program: Program, device, op: np.ndarray, mem: np.ndarray):
        env, n = device.env, len(op)
        is_load, is_store = op == OPCODE_LOAD, op == OPCODE_STORE
        mtype = np.where(is_store, MEM_OUT, memory_types(mem))
        formats, depths = _dram_formats(env), _depths(env)
        elem = np.array([np.dtype(formats[m][0]).itemsize * formats[m][1] for m in range(6)])
        y, x, stride = mem[:, Y_SIZE], mem[:, X_SIZE], mem[:, X_STRIDE]
        yp0, yp1, xp0, xp1 = mem[:, Y_PAD_0], mem[:, Y_PAD_1], mem[:, X_PAD_0], mem[:, X_PAD_1]
        active = (is_load | is_store) & (x > 0)
        eb = elem[mtype]
        start = mem[:, DRAM_BASE] * eb
        end = start + ((y - 1) * stride + x) * eb
        self.buf, buffers = device.memory.locate(start, end)
        self.buffers, self.mtype, self.formats = buffers, mtype, formats
        bases = np.array([b.phys_addr for b in buffers] + [0], dtype=np.int64)
        self.first = (start - bases[self.buf]) // eb
        sram_end = mem[:, SRAM_BASE] + (yp0 + y + yp1) * (xp0 + x + xp1)
        checks = (
            (is_load & (mem[:, MEMORY_TYPE] == MEM_OUT), InvalidInstruction,
             lambda i: "LOAD cannot fill memory type OUT: there is no output buffer "
                       "(STORE reads the accumulator)"),
            (is_store & (mem[:, MEMORY_TYPE] != MEM_OUT), InvalidInstruction,
             lambda i: f"STORE reads memory type OUT (4) only, not {int(mem[i, MEMORY_TYPE])}"),
            (is_store & ((yp0 | yp1 | xp0 | xp1) != 0), InvalidInstruction,
             lambda i: "STORE cannot pad: its pad fields must be 0"),
            (sram_end > np.array([depths[m] for m in range(6)])[mtype], SramAccessFault,
             lambda i: f"{'writes' if is_load[i] else 'reads'} {MEM_NAMES[int(mtype[i])]} "
                       f"elements [{int(mem[i, SRAM_BASE])}, {int(sram_end[i])}), outside the "
                       f"buffer of {depths[int(mtype[i])]} elements"),
            ((y > 0) & (self.buf < 0), DramAccessFault,
             lambda i: f"{'reads' if is_load[i] else 'writes'} "
                       + device.memory.describe(int(start[i]), int(end[i]))),
        )
        self.faults: Dict[int, Exception] = {}
        pending = active.copy()
        for bad, cls, why in checks:
            for i in np.flatnonzero(pending & bad).tolist():
                self.faults[i] = cls(i, program.describe(i), why(i))
            pending &= ~bad
        self.valid = active & ~np.isin(np.arange(n), list(self.faults))

    def rows(self, i: int) -> Optional[np.ndarray]:
        """The DRAM elements instruction i reads or writes (None: it reads no rows)."""
        if self.buf[i] < 0:
            return None
        return self.buffers[self.buf[i]].rows(*self.formats[int(self.mtype[i])])


def prepare(words: np.ndarray, device) -> Program:
    dec = device.isa.decode_stream(words)
    bad = _undecodable(dec)
    n = int(np.argmax(bad)) if bad.any() else len(words)
    program = Program(dec, n)
    if n < len(words):
        program.stop = UndecodableInstruction(n, program.describe(n), _why_undecodable(dec, n))
    op, mem = dec["opcode"][:n], dec["mem"][:n]
    program.has_finish = bool(np.any(op == OPCODE_FINISH))
    core = modules(op, mem)
    memops = _MemoryOps(program, device, op, mem)
    pops, pushes = token_masks(mem, core, POPS), token_masks(mem, core, PUSHES)
    ops = _ops(program, device, op, memops, np.flatnonzero(core == COMPUTE_CORE))
    ops.update(_loads(program, device, op, mem, memops))
    for c in (LOAD_CORE, COMPUTE_CORE):
        idx = np.flatnonzero(core == c)
        program.segments[c] = _segments(idx.tolist(), pops[idx].tolist(), pushes[idx].tolist(),
                                        ops)
    program.segments[STORE_CORE] = _store_segments(
        device, mem, memops, np.flatnonzero(core == STORE_CORE))
    return program


def _ops(program, device, op, memops, indices) -> dict:
    """index -> (function, argument) for the faulty memory instructions and for every GEMM,
    ALU and FINISH among `indices` (LOADs: `_loads`). An argument is one flat tuple of what
    the device reads at each execution (a prepared stream stays cached, so every object
    per instruction is one more for the garbage collector to traverse): GEMM (index, uop_bgn,
    uop_end, micro-ops executed, reset, loop shape), ALU (index, uop_bgn, uop_end, micro-ops
    executed, loop shape, opcode, use_imm, imm). The loop shape (kind, reset and the loop
    fields) is what a plan depends on besides its micro-ops; equal shapes are one object."""
    ops = {i: (device.exec_fault, f) for i, f in memops.faults.items()}
    depth = device.env.UOP_BUFF_DEPTH
    shapes: dict = {}
    for opcode, fmt, fn in ((OPCODE_GEMM, "gemm", device.exec_gemm),
                            (OPCODE_ALU, "alu", device.exec_alu)):
        idx = indices[op[indices] == opcode]
        rows = program.decoded[fmt][idx]
        bgn, end = rows[:, UOP_BGN], rows[:, UOP_END]
        count = (rows[:, ITER_OUT] * rows[:, ITER_IN] * (end - bgn)).tolist()
        bad = (bgn > end) | (end > depth)
        for k, (i, row) in enumerate(zip(idx.tolist(), rows.tolist())):
            if bad[k]:
                ops[i] = (device.exec_fault, _uop_range_fault(program, i, row, depth))
                continue
            shape = (fmt, row[RESET_REG], tuple(row[ITER_OUT:]))
            shape = shapes.setdefault(shape, shape)
            if opcode == OPCODE_GEMM:
                ops[i] = (fn, (i, row[UOP_BGN], row[UOP_END], count[k], row[RESET_REG], shape))
            else:
                ops[i] = (fn, (i, row[UOP_BGN], row[UOP_END], count[k], shape, row[ALU_OPCODE],
                               row[USE_IMM], row[IMM]))
    for i in indices[op[indices] == OPCODE_FINISH].tolist():
        ops[i] = (device.exec_finish, i)
    return ops


def _uop_range_fault(program, i: int, row: list, depth: int) -> Exception:
    bgn, end = row[UOP_BGN], row[UOP_END]
    if bgn > end:
        return InvalidInstruction(i, program.describe(i), f"uop_bgn {bgn} is past uop_end {end}")
    return SramAccessFault(i, program.describe(i), (
        f"reads micro-ops [{bgn}, {end}), outside the micro-op buffer of {depth} elements"))


def _loads(program, device, op, mem, memops) -> dict:
    """index -> (exec_load, argument) for every valid LOAD: its statistic and bytes (counted
    for all at once); its copy is made by `Program.loads` the first time it moves data."""
    loads = np.flatnonzero((op == OPCODE_LOAD) & memops.valid)
    mtype = memops.mtype[loads]
    nbytes = mem[loads, Y_SIZE] * mem[loads, X_SIZE] * device.elem_bytes[mtype]
    program.loads = _Loads(device, mem, memops)
    return {i: (device.exec_load, device.load_op(m, i, b))
            for i, m, b in zip(loads.tolist(), mtype.tolist(), nbytes.tolist())}


class _Loads:
    """The copy of each checked LOAD of a stream, made at its first run: a run that skips
    execution (DEBUG_SKIP_EXEC, as a tuner's timing-only measurement does) never pays for
    them. An unpadded LOAD of contiguous DRAM rows first copies with a dma.FlatLoad, cheap
    to make (a stream run once, a tuning candidate, makes one per LOAD); run again, it gets
    its dma.Load2D, whose views are made once and the fastest to run again."""

    def __init__(self, device, mem, memops):
        self.device, self.mem, self.memops = device, mem, memops
        self.made: Dict[int, Load2D] = {}
        self.flat: Dict[int, FlatLoad] = {}

    def __getitem__(self, i: int):
        load = self.made.get(i)
        if load is None:
            mtype, base, src, first, y, x, stride, pads = self._fields(i)
            sram = self.device.sram
            if i not in self.flat and not any(pads) and (y == 1 or stride == x):
                load = self.flat[i] = FlatLoad(sram.by_memory_id[mtype], base, base + y * x,
                                               src, first, sram.refresher(mtype))
                return load
            self.flat.pop(i, None)
            end = base + (pads[0] + y + pads[1]) * (pads[2] + x + pads[3])
            load = self.made[i] = Load2D(sram.by_memory_id[mtype], base, src, first, y, x,
                                         stride, pads, sram.shadow(mtype, base, end))
        return load

    def _fields(self, i: int) -> tuple:
        """(memory type, SRAM base, DRAM rows, first element, y, x, stride, pads)."""
        r, memops = self.mem[i].tolist(), self.memops
        return (r[MEMORY_TYPE], r[SRAM_BASE], memops.rows(i), int(memops.first[i]), r[Y_SIZE],
                r[X_SIZE], r[X_STRIDE], (r[Y_PAD_0], r[Y_PAD_1], r[X_PAD_0], r[X_PAD_1]))


def _segments(indices: list, pops: list, pushes: list, ops: dict) -> List[Segment]:
    """The segments of one module's instructions `indices`, given their token masks."""
    segments: List[Segment] = []
    for i, popped, pushed in zip(indices, pops, pushes):
        if popped or not segments:
            segments.append(Segment(i, QUEUES_OF[popped]))
        seg = segments[-1]
        op = ops.get(i)
        if op is not None:
            seg.ops.append(op)
        if pushed:
            seg.pushes.extend((q, i) for q in QUEUES_OF[pushed])
    return segments


def _store_segments(device, mem, memops, idx: np.ndarray) -> List[Segment]:
    """Store-queue segments, each run of valid stores to one buffer as one batched op."""
    if len(idx) == 0:
        return []
    pop, push = mem[idx, POP_PREV] != 0, mem[idx, PUSH_PREV] != 0
    valid = memops.valid[idx]
    faulty = np.isin(idx, list(memops.faults))
    buf = np.where(valid, memops.buf[idx], -1)
    where_valid = np.flatnonzero(valid)
    new_buffer = np.zeros(len(idx), dtype=bool)
    new_buffer[where_valid] = np.r_[True, buf[where_valid][1:] != buf[where_valid][:-1]]
    starts_segment = pop.copy()
    starts_segment[0] = True
    breaks = np.flatnonzero(starts_segment | faulty | new_buffer)
    v = idx[valid]
    acc_rows, dst_rows = store_index(mem[v, SRAM_BASE], memops.first[v], mem[v, Y_SIZE],
                                     mem[v, X_SIZE], mem[v, X_STRIDE])
    count = np.where(valid, mem[idx, Y_SIZE] * mem[idx, X_SIZE], 0)
    offset = np.r_[0, np.cumsum(count)]
    elem_bytes = device.env.OUT_ELEM_BYTES
    ends = breaks[1:].tolist() + [len(idx)]
    e0s, e1s = offset[breaks], offset[ends]
    dsts, srcs = as_slices(dst_rows, e0s, e1s), as_slices(acc_rows, e0s, e1s)
    # the buffer of a piece's first valid store (a piece stores to one buffer)
    first_valid = np.minimum(np.r_[where_valid, len(idx)][np.searchsorted(where_valid, breaks)],
                             len(idx) - 1)
    pushed = np.flatnonzero(push)
    pushes = np.split(pushed, np.searchsorted(pushed, breaks[1:]))
    segments: List[Segment] = []
    for p0, e0, e1, dst, src, b, start, popped, fault, pushers in zip(
            breaks.tolist(), e0s.tolist(), e1s.tolist(), dsts, srcs, buf[first_valid].tolist(),
            starts_segment[breaks].tolist(), pop[breaks].tolist(), faulty[breaks].tolist(),
            pushes):
        i = int(idx[p0])
        if start:
            segments.append(Segment(i, (G2S,) if popped else ()))
        seg = segments[-1]
        if fault:
            seg.ops.append((device.exec_fault, memops.faults[i]))
        elif e1 > e0:
            rows = memops.buffers[b].rows(*memops.formats[MEM_OUT])
            seg.ops.append((device.exec_store_batch, (rows, dst, src, (e1 - e0) * elem_bytes)))
        seg.pushes.extend((S2G, q) for q in idx[pushers].tolist())
    return segments
