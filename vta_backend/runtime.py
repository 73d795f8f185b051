"""The VTA runtime: the command queue that lowered code (or a hand-written program) calls.

Where it sits: between the compiled host code and the device. It mirrors VTA's C runtime
(`vta/runtime/runtime.cc`, spec §4) with Pythonic names:

    VTABufferAlloc/Free/Copy/CPUPtr  buffer_alloc / buffer_free / buffer_copy / buffer_cpu_ptr
    VTATLSCommandHandle              command_handle()           VTARuntimeShutdown  shutdown()
    VTALoadBuffer2D / StoreBuffer2D  CommandQueue.load_buffer_2d / store_buffer_2d
    VTAUopLoopBegin / End / UopPush  CommandQueue.uop_loop_begin / uop_loop_end / uop_push
    VTAPushGEMMOp / VTAPushALUOp     CommandQueue.push_gemm_op / push_alu_op
    VTADepPush / VTADepPop           CommandQueue.dep_push / dep_pop
    VTASynchronize / VTASetDebugMode CommandQueue.synchronize / set_debug_mode
    VTAReadBarrier / WriteBarrier    CommandQueue.read_barrier / write_barrier (no-ops: coherent)

Each call appends instruction records (lists of field values in the order of `isa`'s field
tables: MEM_FIELDS, GEMM_FIELDS, ALU_FIELDS; the literal lists below follow them). Micro-op
kernels are recorded once per (call site, closure value) and stay resident in the micro-op
buffer until evicted or until `synchronize`, which uncaches them all (spec §4.3, the rule
behind uop_load_nbytes). `synchronize` closes the stream (spec §4.6), encodes it into 128-bit
words in a DRAM staging buffer and runs the device on them.
"""
from __future__ import annotations

import sys
from typing import Callable, Dict, List, NamedTuple, Optional

import numpy as np

from .environment import (DEBUG_DUMP_INSN, DEBUG_DUMP_UOP, DEBUG_FORCE_SERIAL, Environment,
                          VTAError, get_env)
from .isa import (IMM_MAX, IMM_MIN, MEM_ACC, MEM_ACC_8BIT, MEM_INP, MEM_OUT, MEM_UOP,
                  MEM_WGT, MEMORY_TYPE,
                  OPCODE_ALU, OPCODE_FINISH, OPCODE_GEMM, OPCODE_LOAD, OPCODE_STORE, POP_NEXT,
                  POP_PREV, PUSH_NEXT, PUSH_PREV, UOP_BGN, UOP_END, X_SIZE, dump_kernel,
                  dump_stream, instruction_set)
from .simulator import Device, DeviceMemory, DramBuffer

QID_LOAD, QID_COMPUTE, QID_STORE = 1, 2, 3
STAGING_BYTES = 1 << 25      # VTA_MAX_XFER: each staging buffer (instructions, micro-ops)
SYNC_WAIT_CYCLES = 1 << 31   # what lowered code passes to synchronize
MAX_KERNELS_PER_SITE = 100   # slot = closure value + 1 must stay below this
# The (from, to) stage pairs a dependence token may pass between: load and compute, compute
# and store, either way.
TOKEN_PAIRS = frozenset({(QID_LOAD, QID_COMPUTE), (QID_COMPUTE, QID_LOAD),
                         (QID_COMPUTE, QID_STORE), (QID_STORE, QID_COMPUTE)})
# The stage that issues a LOAD into each on-chip buffer (the micro-op and accumulator
# buffers are loaded by the compute stage).
_LOAD_STAGE = {MEM_UOP: QID_COMPUTE, MEM_WGT: QID_LOAD, MEM_INP: QID_LOAD, MEM_ACC: QID_COMPUTE,
               MEM_ACC_8BIT: QID_COMPUTE}


class RuntimeAPIError(VTAError, ValueError):
    """A call to the runtime that breaks its rules."""


class UopKernelTooLarge(RuntimeAPIError):
    """A micro-op kernel larger than the micro-op buffer."""


class SyncedStream(NamedTuple):
    """One stream as `synchronize` ran it: its records, their encoded words and the bytes of
    the micro-op kernels staged for it (the staging buffer's first bytes)."""
    records: List[list]
    words: np.ndarray
    uop_bytes: np.ndarray


class UopKernel:
    """A recorded micro-op kernel: its micro-ops, loops (<= 2), ALU settings and SRAM place."""
    __slots__ = ("uops", "loops", "mode", "reset_out", "opcode", "use_imm", "imm",
                 "sram_begin", "sram_end", "words", "insn")

    def __init__(self):
        self.uops: List[tuple] = []                 # (dst, src, wgt)
        self.loops: List[tuple] = []                # (extent, dst, src, wgt factors)
        self.mode = self.reset_out = self.opcode = None
        self.use_imm, self.imm = 0, 0
        self.sram_begin = self.sram_end = 0
        self.words: Optional[np.ndarray] = None
        self.insn: tuple = ()                       # its GEMM/ALU instruction, UOP_BGN/END 0

    @property
    def cached(self) -> bool:
        return self.sram_begin != self.sram_end


class UopKernelMap:
    """The kernels of one call site, by closure value. Create one per call site (VTA's static
    `uop_handle`) and keep it as long as the code that calls it: kernels are recorded once."""

    def __init__(self):
        self.kernels: Dict[int, UopKernel] = {}


def _stage_of(record) -> int:
    """Pipeline stage of an instruction for dep_push (0: a NOP load, which matches none)."""
    op = record[0]
    if op == OPCODE_STORE:
        return QID_STORE
    if op == OPCODE_LOAD:
        if record[X_SIZE] == 0:
            return 0
        return QID_LOAD if record[MEMORY_TYPE] in (MEM_INP, MEM_WGT) else QID_COMPUTE
    return QID_COMPUTE


def _instruction(kernel: UopKernel) -> tuple:
    """The GEMM or ALU instruction running `kernel`, its micro-op range left 0 (field order
    of isa's GEMM_FIELDS / ALU_FIELDS). A GEMM's one loop is its outer loop, an ALU's its
    inner loop."""
    pad = [(1, 0, 0, 0)] * (2 - len(kernel.loops))
    if kernel.mode == 0:
        (iter_out, dst_o, src_o, wgt_o), (iter_in, dst_i, src_i, wgt_i) = kernel.loops + pad
        return (OPCODE_GEMM, 0, 0, 0, 0, kernel.reset_out, 0, 0, iter_out, iter_in, dst_o,
                dst_i, src_o, src_i, wgt_o, wgt_i)
    (iter_out, dst_o, src_o, _), (iter_in, dst_i, src_i, _) = pad + kernel.loops
    return (OPCODE_ALU, 0, 0, 0, 0, kernel.reset_out, 0, 0, iter_out, iter_in, dst_o, dst_i,
            src_o, src_i, kernel.opcode, kernel.use_imm, kernel.imm)


class CommandQueue:
    """The instruction stream being built, the micro-op cache and the device it runs on."""

    def __init__(self, env: Optional[Environment] = None, memory: Optional[DeviceMemory] = None):
        self.env = env or get_env()
        if self.env.TARGET != "sim":
            raise RuntimeAPIError(f"CommandQueue: TARGET {self.env.TARGET!r} has no device here; "
                                  f"only the bundled simulator ('sim') runs")
        self.memory = memory if memory is not None else device_memory()
        self.isa = instruction_set(self.env)
        self.uop_staging = self.memory.alloc(STAGING_BYTES)
        self.insn_staging = self.memory.alloc(STAGING_BYTES)
        self._max_records = STAGING_BYTES // 16 - 6   # room for a call's NOPs and FINISH
        self.device = Device(self.env, self.memory)
        env = self.env
        self._elem_bytes = {MEM_UOP: 4, MEM_INP: env.INP_ELEM_BYTES, MEM_WGT: env.WGT_ELEM_BYTES,
                            MEM_ACC: env.ACC_ELEM_BYTES, MEM_OUT: env.OUT_ELEM_BYTES,
                            MEM_ACC_8BIT: env.BATCH * env.BLOCK_OUT}   # int8 lanes
        self.debug_flag = 0
        self.last_records: List[list] = []           # the stream of the last synchronize
        self.recorder: Optional[List[SyncedStream]] = None   # if a list: each stream run
        self._recording: Optional[UopKernel] = None
        self._loop_depth = 0
        self._reset_queues()

    def _reset_queues(self) -> None:
        self.records: List[list] = []
        self._pending_prev = [0, 0, 0, 0]            # per stage: pop_prev / pop_next waiting
        self._pending_next = [0, 0, 0, 0]
        self._cache: List[UopKernel] = []            # resident kernels, in ring order
        self._cache_idx = 0
        self._sram_end = 0
        self._staged = 0                             # micro-ops staged in DRAM this run

    def set_debug_mode(self, flag: int) -> None:
        """VTASetDebugMode: DEBUG_DUMP_INSN (2) prints the stream at synchronize,
        DEBUG_DUMP_UOP (4) prints each kernel when it is recorded (VTA's text formats)."""
        if flag & DEBUG_FORCE_SERIAL:
            raise RuntimeAPIError("set_debug_mode: DEBUG_FORCE_SERIAL (32) is not modelled")
        self.debug_flag = flag

    def read_barrier(self, buf: DramBuffer, elem_bits: int, start: int, extent: int) -> None:
        """VTAReadBarrier: nothing to do, host and device accesses are coherent."""

    def write_barrier(self, buf: DramBuffer, elem_bits: int, start: int, extent: int) -> None:
        """VTAWriteBarrier: nothing to do, host and device accesses are coherent."""

    # ------------------------------------------------------------------------- DMA
    def load_buffer_2d(self, src: DramBuffer, src_elem_offset: int, x_size: int, y_size: int,
                       x_stride: int, x_pad_before: int, y_pad_before: int, x_pad_after: int,
                       y_pad_after: int, dst_sram_index: int, dst_memory_type: int) -> None:
        """Load y_size rows of x_size elements, rows x_stride elements apart, from DRAM element
        `src_elem_offset` of `src` (elements of the destination's type), into the on-chip
        buffer `dst_memory_type` (isa.MEM_*) at element `dst_sram_index`, zero-padded by
        y_pad_before rows above, y_pad_after below, x_pad_before/after elements each side."""
        stage = _LOAD_STAGE.get(dst_memory_type)
        if stage is None:
            raise RuntimeAPIError(f"load_buffer_2d: dst_memory_type {dst_memory_type} cannot be "
                                  f"loaded (UOP 0, WGT 1, INP 2, ACC 3, ACC_8BIT 5)")
        dram_base = self._dram_base(src, dst_memory_type, "load_buffer_2d") + src_elem_offset
        self._append(stage, [OPCODE_LOAD, 0, 0, 0, 0, dst_memory_type, dst_sram_index, dram_base,
                             y_size, x_size, x_stride, y_pad_before, y_pad_after, x_pad_before,
                             x_pad_after])
        self._check_overflow()

    def store_buffer_2d(self, src_sram_index: int, src_memory_type: int, dst: DramBuffer,
                        dst_elem_offset: int, x_size: int, y_size: int, x_stride: int) -> None:
        """Store y_size x x_size accumulator elements from `src_sram_index` (truncated to the
        output width; `src_memory_type` is isa.MEM_OUT) to DRAM element `dst_elem_offset` of
        `dst` and on, rows x_stride output elements apart."""
        dram_base = self._dram_base(dst, src_memory_type, "store_buffer_2d") + dst_elem_offset
        self._append(QID_STORE, [OPCODE_STORE, 0, 0, 0, 0, src_memory_type, src_sram_index,
                                 dram_base, y_size, x_size, x_stride, 0, 0, 0, 0])
        self._check_overflow()

    def elem_bytes(self, memory_type: int) -> int:
        """Bytes of one element of on-chip buffer `memory_type` (the unit of DRAM addresses
        in LOAD and STORE instructions)."""
        return self._elem_bytes[memory_type]

    def _dram_base(self, buf: DramBuffer, memory_type: int, who: str) -> int:
        elem_bytes = self._elem_bytes.get(memory_type)
        if elem_bytes is None or not isinstance(buf, DramBuffer) or buf.freed:
            self._refuse_transfer(buf, memory_type, who)
        return buf.phys_addr // elem_bytes

    def _refuse_transfer(self, buf, memory_type: int, who: str) -> None:
        if not isinstance(buf, DramBuffer) or buf.freed:
            raise RuntimeAPIError(f"{who}: {buf!r} is not a live device buffer (buffer_alloc)")
        if memory_type not in self._elem_bytes:
            raise RuntimeAPIError(f"{who}: unknown memory type {memory_type}")

    # ------------------------------------------------------------------------- micro-op kernels
    def uop_loop_begin(self, extent: int, dst_factor: int, src_factor: int,
                       wgt_factor: int) -> None:
        """Open a loop level of the kernel being recorded (at most 2, before any uop_push):
        each iteration adds the factors to the micro-ops' dst/src/wgt indices."""
        kernel = self._kernel("uop_loop_begin")
        if kernel.uops or len(kernel.loops) >= 2:
            raise RuntimeAPIError("uop_loop_begin: a kernel has at most 2 loops, all opened "
                                  "before its first uop_push")
        kernel.loops.append((extent, dst_factor, src_factor, wgt_factor))
        self._loop_depth += 1

    def uop_loop_end(self) -> None:
        """Close the innermost open loop level."""
        self._kernel("uop_loop_end")
        if self._loop_depth == 0:
            raise RuntimeAPIError("uop_loop_end without uop_loop_begin")
        self._loop_depth -= 1

    def uop_push(self, mode: int, reset_out: int, dst_index: int, src_index: int,
                 wgt_index: int, opcode: int, use_imm: int, imm: int) -> None:
        """Append a micro-op to the kernel being recorded. mode 0 = GEMM (acc[dst] +=
        inp[src] . wgt[wgt]^T, or = 0 with reset_out), 1 = ALU (acc[dst] = opcode(acc[dst],
        imm if use_imm else acc[src])). Mode, reset and the ALU settings are per kernel."""
        kernel = self._kernel("uop_push")
        settings = (mode, reset_out) + ((opcode, use_imm, imm) if mode == 1 else ())
        if kernel.mode is None:
            if mode not in (0, 1):
                raise RuntimeAPIError(f"uop_push: mode {mode} is neither GEMM (0) nor ALU (1)")
            if mode == 1 and not IMM_MIN <= imm <= IMM_MAX:
                raise RuntimeAPIError(f"uop_push: immediate {imm} is outside the ALU's "
                                      f"immediate range [{IMM_MIN}, {IMM_MAX}]")
            kernel.mode, kernel.reset_out = mode, reset_out
            kernel.opcode, kernel.use_imm, kernel.imm = settings[2:] if mode else (0, 0, 0)
        elif settings != (kernel.mode, kernel.reset_out) + (
                (kernel.opcode, kernel.use_imm, kernel.imm) if kernel.mode == 1 else ()):
            raise RuntimeAPIError("uop_push: mode, reset_out, opcode, use_imm and imm must be the "
                                  "same for every micro-op of a kernel")
        for k, (prev_dst, _, _) in enumerate(kernel.uops[-2:]):
            if prev_dst == dst_index:
                raise RuntimeAPIError(
                    f"uop_push: micro-op {len(kernel.uops)} writes acc element {dst_index} like "
                    f"micro-op {len(kernel.uops) - len(kernel.uops[-2:]) + k}: two micro-ops "
                    f"within a distance of 2 must not share a destination")
        self.isa.uop.check((dst_index, src_index, wgt_index if mode == 0 else 0),
                           f"uop_push: micro-op {len(kernel.uops)}: ")
        kernel.uops.append((dst_index, src_index, wgt_index if mode == 0 else 0))

    def _kernel(self, who: str) -> UopKernel:
        if self._recording is None:
            raise RuntimeAPIError(f"{who}: no kernel is being recorded (call it from the record "
                                  f"function given to push_gemm_op/push_alu_op)")
        return self._recording

    def push_gemm_op(self, site: UopKernelMap, record: Callable, signature: Optional[int] = None):
        """Emit a GEMM over the kernel of call site `site` for closure value `signature`
        (None: no closure). The first time, `record(signature)` is called to record the
        kernel with uop_loop_begin/uop_push/uop_loop_end. loop 0 is the outer loop."""
        self._push_kernel(self._lookup(site, record, signature, 0, "push_gemm_op"))

    def push_alu_op(self, site: UopKernelMap, record: Callable, signature: Optional[int] = None):
        """Emit an ALU instruction over the kernel of `site` (as push_gemm_op). A single loop
        becomes the inner loop of the instruction."""
        self._push_kernel(self._lookup(site, record, signature, 1, "push_alu_op"))

    def _lookup(self, site: UopKernelMap, record, signature, mode: int, who: str) -> UopKernel:
        slot = 0 if signature is None else signature + 1
        kernel = site.kernels.get(slot)
        if kernel is None:      # only valid slots are ever stored
            if not 0 <= slot < MAX_KERNELS_PER_SITE:
                raise RuntimeAPIError(f"{who}: closure value {signature}: a call site holds "
                                      f"kernels for closure values -1..{MAX_KERNELS_PER_SITE - 2} "
                                      f"only")
            kernel = self._record(record, signature, who)
            site.kernels[slot] = kernel
        if kernel.mode != mode:
            raise RuntimeAPIError(f"{who}: the kernel holds {'ALU' if kernel.mode else 'GEMM'} "
                                  f"micro-ops")
        return kernel

    def _record(self, record, signature, who: str) -> UopKernel:
        if self._recording is not None:
            raise RuntimeAPIError(f"{who}: called while another kernel is being recorded")
        kernel = self._recording = UopKernel()
        self._loop_depth = 0
        try:
            record(signature)
        finally:
            self._recording = None
        if not kernel.uops or self._loop_depth:
            raise RuntimeAPIError(f"{who}: the record function must push at least one micro-op "
                                  f"and close every loop it opens")
        kernel.words = self.isa.uop.encode_rows(np.array(kernel.uops, dtype=np.int64))
        kernel.insn = _instruction(kernel)
        if self.debug_flag & DEBUG_DUMP_UOP:
            sys.stdout.write(dump_kernel(kernel.uops))
        return kernel

    def _push_kernel(self, kernel: UopKernel) -> None:
        if not kernel.cached:
            self._place(kernel)
        insn = list(kernel.insn)
        insn[UOP_BGN], insn[UOP_END] = kernel.sram_begin, kernel.sram_end
        self._append(QID_COMPUTE, insn)
        self._check_overflow()

    def _place(self, kernel: UopKernel) -> None:
        """Put a kernel in the micro-op ring (evicting what it overlaps) and emit its LOAD."""
        size, depth = len(kernel.uops), self.env.UOP_BUFF_DEPTH
        if size > depth:
            raise UopKernelTooLarge(
                f"instruction {len(self.records)} (LOAD UOP of a {size}-micro-op kernel): the "
                f"kernel is larger than the micro-op buffer ({depth} micro-ops)")
        if (self._staged + size) * 4 > STAGING_BYTES:
            self.synchronize(SYNC_WAIT_CYCLES)
        wraps = self._sram_end + size > depth
        begin = 0 if wraps else self._sram_end
        if wraps:
            self._cache_idx = 0
        evict_from = self._cache_idx
        while (self._cache_idx < len(self._cache)
               and self._cache[self._cache_idx].sram_begin < begin + size):
            self._cache[self._cache_idx].sram_begin = self._cache[self._cache_idx].sram_end = 0
            self._cache_idx += 1
        self._cache[evict_from:self._cache_idx] = [kernel]
        self._cache_idx = evict_from + 1
        kernel.sram_begin, kernel.sram_end = begin, begin + size
        self._sram_end = begin + size
        self.uop_staging.data[self._staged * 4:(self._staged + size) * 4] = \
            kernel.words.view(np.uint8)
        dram_base = self.uop_staging.phys_addr // 4 + self._staged
        self._staged += size
        self._append(QID_COMPUTE, [OPCODE_LOAD, 0, 0, 0, 0, MEM_UOP, begin, dram_base, 1, size,
                                   size, 0, 0, 0, 0])

    # ------------------------------------------------------------------------- dependences
    def _append(self, stage: int, record: list) -> None:
        # Most instructions carry no pop; this runs once per instruction issued.
        prev, nxt = self._pending_prev, self._pending_next
        if prev[stage] or nxt[stage]:
            record[POP_PREV], record[POP_NEXT] = prev[stage], nxt[stage]
            prev[stage] = nxt[stage] = 0
        self.records.append(record)

    def _check_overflow(self) -> None:
        """Run what is queued when the staging buffer could not take another call's worth
        (at most 6 instructions: NOPs and FINISH). Called at the end of a call, never between
        a kernel's LOAD UOP and the instruction that runs the kernel."""
        if len(self.records) > self._max_records:
            self.synchronize(SYNC_WAIT_CYCLES)

    def _nop(self, stage: int, push_prev=0, push_next=0, pop_prev=0, pop_next=0) -> None:
        opcode = OPCODE_STORE if stage == QID_STORE else OPCODE_LOAD
        memory_type = MEM_INP if stage == QID_LOAD else MEM_UOP
        self.records.append([opcode, pop_prev, pop_next, push_prev, push_next, memory_type,
                             0, 0, 0, 0, 0, 0, 0, 0, 0])

    def _commit_pending_pop(self, stage: int) -> None:
        if self._pending_prev[stage] or self._pending_next[stage]:
            self._nop(stage, pop_prev=self._pending_prev[stage],
                      pop_next=self._pending_next[stage])
            self._pending_prev[stage] = self._pending_next[stage] = 0

    @staticmethod
    def _refuse_token(who: str, from_qid: int, to_qid: int) -> None:
        raise RuntimeAPIError(f"{who}({from_qid}, {to_qid}): tokens go between load (1) and "
                              f"compute (2) or compute and store (3)")

    def dep_push(self, from_qid: int, to_qid: int) -> None:
        """Stage `from_qid` signals stage `to_qid` (1 load, 2 compute, 3 store): the push
        flag of `from`'s last instruction if it is the queue's last one, else a NOP's."""
        if (from_qid, to_qid) not in TOKEN_PAIRS:
            self._refuse_token("dep_push", from_qid, to_qid)
        if self._pending_prev[from_qid] or self._pending_next[from_qid]:
            self._commit_pending_pop(from_qid)
        flag = PUSH_NEXT if from_qid < to_qid else PUSH_PREV
        last = self.records[-1] if self.records else None
        if last is not None and _stage_of(last) == from_qid and not last[flag]:
            last[flag] = 1
        else:
            self._nop(from_qid, push_prev=int(flag == PUSH_PREV), push_next=int(flag == PUSH_NEXT))

    def dep_pop(self, from_qid: int, to_qid: int) -> None:
        """Stage `to_qid` waits for a signal from `from_qid`: the pop flag of `to`'s next
        instruction (a NOP first if a pop of that direction is already waiting)."""
        if (from_qid, to_qid) not in TOKEN_PAIRS:
            self._refuse_token("dep_pop", from_qid, to_qid)
        pending = self._pending_prev if from_qid < to_qid else self._pending_next
        if pending[to_qid]:
            self._commit_pending_pop(to_qid)
        pending[to_qid] = 1

    # ------------------------------------------------------------------------- run
    def synchronize(self, wait_cycles: int = SYNC_WAIT_CYCLES) -> None:
        """Close the stream (the compute stage waits for the last store and load, then
        FINISH), run it on the device and start a new stream with an empty micro-op cache."""
        self.dep_push(QID_STORE, QID_COMPUTE)
        self.dep_push(QID_LOAD, QID_COMPUTE)
        self.dep_pop(QID_STORE, QID_COMPUTE)
        self.dep_pop(QID_LOAD, QID_COMPUTE)
        self._commit_pending_pop(QID_COMPUTE)
        self.records.append([OPCODE_FINISH] + [0] * 15)
        records = self.records
        try:
            words = self.isa.encode_stream(records)
            if self.debug_flag & DEBUG_DUMP_INSN:
                sys.stdout.write(dump_stream(records))
            if self.recorder is not None:
                uop_bytes = self.uop_staging.data[:self._staged * 4].copy()
                self.recorder.append(SyncedStream(records, words, uop_bytes))
            self._run_staged(records, words)      # its micro-ops are staged already
        finally:
            for kernel in self._cache:
                kernel.sram_begin = kernel.sram_end = 0
            self._reset_queues()

    def run_stream(self, stream: "SyncedStream") -> None:
        """Stage a recorded stream's micro-ops in DRAM and run it: how a stream is run again
        without rebuilding it (host.replay)."""
        self.uop_staging.data[:len(stream.uop_bytes)] = stream.uop_bytes
        self._run_staged(stream.records, stream.words)

    def _run_staged(self, records: List[list], words: np.ndarray) -> None:
        """Write the instruction words to their staging buffer and run the device on them."""
        self.last_records = records
        self.insn_staging.data[:words.nbytes] = words.reshape(-1).view(np.uint8)
        self.device.run(self.insn_staging.phys_addr, len(records))

    @property
    def idle(self) -> bool:
        """Nothing queued, staged, pending or being recorded: a new stream starts here."""
        return not (self.records or self._staged or self._recording is not None
                    or any(self._pending_prev) or any(self._pending_next))

    def words(self) -> np.ndarray:
        """The current (unfinished) stream as (n, 2) uint64 words, low half first."""
        return self.isa.encode_stream(self.records)


# ----------------------------------------------------------------------------- process state
_MEMORY: Optional[DeviceMemory] = None
_QUEUES: Dict[Environment, CommandQueue] = {}


def device_memory() -> DeviceMemory:
    """The process-wide device DRAM (VTA's VirtualMemoryManager)."""
    global _MEMORY
    if _MEMORY is None:
        _MEMORY = DeviceMemory()
    return _MEMORY


def command_handle(env: Optional[Environment] = None) -> CommandQueue:
    """VTATLSCommandHandle: the process-wide command queue of `env` (default: the current
    Environment), created on first use."""
    env = env or get_env()
    if env not in _QUEUES:
        _QUEUES[env] = CommandQueue(env)
    return _QUEUES[env]


def shutdown() -> None:
    """VTARuntimeShutdown: drop every command queue (their staging buffers are freed)."""
    for queue in _QUEUES.values():
        queue.memory.free(queue.uop_staging)
        queue.memory.free(queue.insn_staging)
    _QUEUES.clear()


def buffer_alloc(nbytes: int) -> DramBuffer:
    """VTABufferAlloc: a device buffer of `nbytes` bytes."""
    return device_memory().alloc(nbytes)


def buffer_free(buf: DramBuffer) -> None:
    """VTABufferFree."""
    device_memory().free(buf)


def buffer_cpu_ptr(buf: DramBuffer) -> np.ndarray:
    """VTABufferCPUPtr: the host view of a buffer's bytes (accesses are coherent)."""
    return buf.data[:buf.nbytes]


def buffer_copy(src, src_offset: int, dst, dst_offset: int, nbytes: int, kind_mask: int) -> None:
    """VTABufferCopy: copy `nbytes` bytes; kind_mask bit 1 (2) says `src` is a device buffer,
    bit 0 (1) says `dst` is; the host side is a numpy array (byte offsets)."""
    if kind_mask & 2:
        data = src.read(src_offset, nbytes)
    else:
        data = np.ascontiguousarray(src).reshape(-1).view(np.uint8)[src_offset:src_offset + nbytes]
    if len(data) != nbytes:
        raise RuntimeAPIError(f"buffer_copy: the host source holds fewer than "
                              f"{src_offset + nbytes} bytes")
    if kind_mask & 1:
        dst.write(dst_offset, data)
    else:
        view = dst.reshape(-1).view(np.uint8)
        if dst_offset + nbytes > len(view):
            raise RuntimeAPIError(f"buffer_copy: the host destination holds fewer than "
                                  f"{dst_offset + nbytes} bytes")
        view[dst_offset:dst_offset + nbytes] = data
