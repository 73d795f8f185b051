"""One simulated VTA device: fetch, prepare and run an instruction stream (VTADeviceRun).

Where it sits: the runtime's `synchronize` writes the encoded stream into DRAM and calls
`Device.run(insn_phys_addr, count)`. The device fetches the words from DRAM, prepares them
(program.py), lets the scheduler run them and executes each instruction kind with one method
here: `exec_load`, `exec_store_batch`, `exec_gemm`, `exec_alu`, `exec_finish`. Statistics are
counted per spec §3.3 before the skip-exec check, so DEBUG_SKIP_EXEC still counts everything;
it also still checks every access (only data stays where it is), so a timing-only run fails
where a real run would.

The on-chip buffers persist across runs, like the hardware's. GEMM and ALU plans are cached by
micro-op kernel contents and loop shape, prepared programs by stream bytes and DRAM layout.
"""
from __future__ import annotations

import numpy as np

from ..environment import VTAError
from ..isa import (DST_FACTOR_IN, DST_FACTOR_OUT, ITER_IN, ITER_OUT, MEM_ACC, MEM_INP, MEM_UOP,
                   MEM_WGT, RESET_REG, SRC_FACTOR_IN, SRC_FACTOR_OUT, UOP_BGN, UOP_END,
                   USE_IMM, WGT_FACTOR_IN, WGT_FACTOR_OUT, instruction_set)
from .alu import plan_alu
from .dma import store_elements
from .faults import SramAccessFault
from .gemm import ChunkedPlan, plan_gemm
from .loopnest import MAX_CONTRIBUTIONS, LoopNest
from .program import prepare
from .scheduler import execute, new_token_queues
from .sram import OnChipBuffers
from .stats import DEBUG_SKIP_EXEC, PROFILER
from .timing import observe as observe_timing

_LOAD_STAT = {MEM_UOP: "uop_load_nbytes", MEM_WGT: "wgt_load_nbytes",
              MEM_INP: "inp_load_nbytes", MEM_ACC: "acc_load_nbytes", 5: "acc_load_nbytes"}
_CACHE_LIMIT = 4096


class Device:
    def __init__(self, env, memory, profiler=PROFILER):
        self.env, self.memory, self.profiler = env, memory, profiler
        self.isa = instruction_set(env)
        self.sram = OnChipBuffers(env)
        # bytes a LOAD of each memory type counts per element (spec §3.3; OUT is never loaded)
        self.elem_bytes = np.array([4, env.WGT_ELEM_BYTES, env.INP_ELEM_BYTES, env.ACC_ELEM_BYTES,
                                    0, env.ACC_ELEM_BYTES], dtype=np.int64)
        self._plans: dict = {}
        self._checked: set = set()      # keys whose accesses were checked without a plan
        self._programs: dict = {}
        self._program = None
        self._tokens = new_token_queues()
        self._runs = 0

    def run(self, insn_phys: int, count: int) -> None:
        """Fetch `count` instructions from DRAM address `insn_phys` and run them to FINISH."""
        buf = self.memory.find(insn_phys, insn_phys + 16 * count)
        if buf is None:
            raise VTAError(f"Device.run: the {count} instructions at DRAM 0x{insn_phys:x} are "
                           f"not inside an allocated buffer")
        offset = insn_phys - buf.phys_addr
        words = buf.data[offset:offset + 16 * count].view(np.uint64).reshape(count, 2)
        key = (words.tobytes(), self.memory.generation)
        program = self._programs.get(key)
        if program is None:
            program = prepare(words, self)
            if len(self._programs) >= 8:
                self._programs.pop(next(iter(self._programs)))
            self._programs[key] = program
        self._program = program
        self._runs += 1
        try:
            execute(program, self._tokens, self._runs)
        except VTAError:
            self._tokens = new_token_queues()     # a failed run leaves no tokens behind
            raise
        observe_timing(program, self.env, self._tokens)    # the timing model, if on (timing.py)

    # ------------------------------------------------------------------ one method per kind
    @staticmethod
    def load_op(mem: int, index: int, nbytes: int) -> tuple:
        """The argument of `exec_load` for checked LOAD `index` of memory type `mem`: its
        statistic, bytes counted, index, and whether it runs under DEBUG_SKIP_EXEC."""
        return _LOAD_STAT[mem], nbytes, index, mem == MEM_UOP

    def exec_load(self, args) -> None:
        stat, nbytes, i, always = args     # micro-op loads run even with DEBUG_SKIP_EXEC
        prof = self.profiler
        setattr(prof, stat, getattr(prof, stat) + nbytes)
        if always or not prof.debug_flag & DEBUG_SKIP_EXEC:
            self._program.loads[i].run()

    def exec_store_batch(self, args) -> None:
        rows, dst, acc_rows, nbytes = args
        self.profiler.out_store_nbytes += nbytes
        if not self.profiler.debug_flag & DEBUG_SKIP_EXEC:
            store_elements(rows, dst, self.sram.acc, acc_rows)

    def exec_gemm(self, args) -> None:
        i, bgn, end, count, reset, shape = args
        if not reset:
            self.profiler.gemm_counter += count
        if count:
            plan = self._plan(i, bgn, end, shape)
            if plan is not None:
                plan.run(self.sram)

    def exec_alu(self, args) -> None:
        i, bgn, end, count, shape, opcode, use_imm, imm = args
        self.profiler.alu_counter += count
        if count:
            plan = self._plan(i, bgn, end, shape)
            if plan is not None:
                plan.run(self.sram.acc, opcode, use_imm, imm, self.env.ACC_WIDTH)

    def exec_finish(self, i: int) -> None:
        """FINISH only signals completion; the scheduler ends when every queue is empty."""

    def exec_fault(self, fault: Exception) -> None:
        raise fault

    # ------------------------------------------------------------------ micro-op loop nests
    def _plan(self, i: int, bgn: int, end: int, shape: tuple):
        """The plan of GEMM/ALU instruction i (micro-ops [bgn, end)), or None under
        DEBUG_SKIP_EXEC, which still checks its accesses (a timing-only run refuses what a
        real run would). `shape` (kind, reset, loop fields) with the micro-op words is the
        cache key of both."""
        uops = self.sram.uop[bgn:end]
        key = (shape, uops.tobytes())
        if self.profiler.debug_flag & DEBUG_SKIP_EXEC:
            if key not in self._plans and key not in self._checked:
                self._nest(i, self._program.record(i), uops, shape[0])
                if len(self._checked) >= _CACHE_LIMIT:
                    self._checked.clear()
                self._checked.add(key)
            return None
        plan = self._plans.get(key)
        if plan is None:
            kind, row = shape[0], self._program.record(i)
            plan = self._build(self._nest(i, row, uops, kind), row, kind)
            if len(self._plans) >= _CACHE_LIMIT:
                self._plans.clear()
            self._plans[key] = plan
        return plan

    def _nest(self, i: int, row, uops: np.ndarray, kind: str) -> LoopNest:
        dst, src, wgt = self.isa.uop.decode_rows(uops).T
        factors = {"dst": (row[DST_FACTOR_OUT], row[DST_FACTOR_IN]),
                   "src": (row[SRC_FACTOR_OUT], row[SRC_FACTOR_IN])}
        bases = {"dst": dst, "src": src}
        env = self.env
        if kind == "gemm":
            factors["wgt"] = (row[WGT_FACTOR_OUT], row[WGT_FACTOR_IN])
            bases["wgt"] = wgt
            limits = {"dst": ("accumulator", env.ACC_BUFF_DEPTH)}
            if not row[RESET_REG]:
                limits.update(src=("input", env.INP_BUFF_DEPTH), wgt=("weight", env.WGT_BUFF_DEPTH))
        else:
            limits = {"dst": ("accumulator", env.ACC_BUFF_DEPTH)}
            if not row[USE_IMM]:
                limits["src"] = ("accumulator", env.ACC_BUFF_DEPTH)
        nest = LoopNest(row[ITER_OUT], row[ITER_IN], bases, factors)
        for which, (name, depth) in limits.items():
            top, u = nest.largest(which)
            if top >= depth:
                raise SramAccessFault(i, self._program.describe(i), (
                    f"micro-op {row[UOP_BGN] + u} ({which} index {int(nest.bases[which][u])}) "
                    f"reaches {name} element {top} at iteration ({nest.iter_out - 1}, "
                    f"{nest.iter_in - 1}); the {name} buffer has {depth} elements"))
        return nest

    def _build(self, nest: LoopNest, row, kind: str):
        if kind == "gemm":
            if nest.size > MAX_CONTRIBUTIONS:
                return ChunkedPlan(nest, row[RESET_REG], self.env)
            return plan_gemm(row[RESET_REG], nest.indices("dst"), nest.indices("src"),
                             nest.indices("wgt"), self.env)
        if nest.size > MAX_CONTRIBUTIONS:
            return _ChunkedAlu(nest, row[USE_IMM], self.env.ACC_BUFF_DEPTH)
        return plan_alu(nest.indices("dst"), nest.indices("src"), row[USE_IMM],
                        self.env.ACC_BUFF_DEPTH)


class _ChunkedAlu:
    """An ALU nest too large for one plan: consecutive chunks, in order."""

    def __init__(self, nest: LoopNest, use_imm: int, depth: int):
        self.nest, self.use_imm, self.depth = nest, use_imm, depth

    def run(self, acc, *args) -> None:
        for n0, n1 in self.nest.chunks():
            plan_alu(self.nest.indices("dst", n0, n1), self.nest.indices("src", n0, n1),
                     self.use_imm, self.depth).run(acc, *args)
