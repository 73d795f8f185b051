"""A cycle estimate of VTA's pipeline: the timing model, its parameters and its switch.

Where it sits: after the functional simulator has run a stream (`Device.run`), the same
decoded instructions are handed here when the model is switched on
(`vta_backend.testing.simulator.timing_mode`). Nothing here touches data or statistics: the
model only replays the stream's order, its dependence tokens and a cost per instruction.

The model (spec §2.3, §3.2 and Appendix A):

* Three modules -- load (LOAD INP/WGT), compute (GEMM, ALU, FINISH, other LOADs) and store
  (STORE) -- each run their own instructions in order, concurrently with the others.
* An instruction first pops the tokens its flags ask for (waiting until each was pushed),
  then runs for its cost in cycles, then pushes its tokens. A token queue holds at most
  `token_queue_depth` tokens (the HLS FIFOs have depth 8): a push onto a full queue waits
  until the consumer pops the oldest token, and the module cannot start its next
  instruction meanwhile. A token pushed at cycle t can be popped at cycle t.
* Costs (`instruction_costs`, whole-stream numpy): every instruction pays
  `issue_cycles`; a LOAD or STORE moves its y_size rows as one DRAM burst each, paying
  `dram_latency` plus ceil(row bytes / bus bytes per cycle); a GEMM or ALU instruction pays
  its pipeline depth plus `*_cycles_per_uop` for each of iter_out * iter_in * micro-ops.
  NOPs (x_size 0) and FINISH pay the issue cost only. Padding is written on chip while the
  burst is in flight and costs nothing.
* Not modelled: the fetch module's own queues (each module is assumed to find its next
  instruction waiting), DRAM contention between modules, SRAM bank conflicts.

`TimingParams` holds every number, with defaults modelled on the Pynq design (spec §1.2:
64-bit AXI bus, 100 MHz; Appendix A: FIFO depth 8; HLS pipelines the GEMM micro-op loop at
one per cycle). The DRAM latency and pipeline depths are assumptions, not measurements.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Mapping, Optional, Sequence, Union

import numpy as np

from ..environment import VTAError, get_env
from ..isa import (ITER_IN, ITER_OUT, MEM_ACC, MEM_ACC_8BIT, MEM_INP, MEM_OUT, MEM_UOP, MEM_WGT,
                   OPCODE_ALU, OPCODE_FINISH, OPCODE_GEMM, OPCODE_LOAD, OPCODE_STORE,
                   RESET_REG, UOP_BGN, UOP_END, X_SIZE, Y_SIZE, disassemble, instruction_set)
from .program import POPS, PUSHES, memory_types, modules, token_masks
from .timing_replay import replay
from .timing_report import KIND_NAMES, TimingReport

_INT_FIELDS_POSITIVE = ("load_bytes_per_cycle", "store_bytes_per_cycle", "token_queue_depth")


@dataclass(frozen=True)
class TimingParams:
    """Every cost of the timing model, in cycles unless named otherwise."""
    clock_mhz: float = 100.0           # Pynq design clock (spec §1.2): converts cycles to s
    issue_cycles: int = 2              # per instruction: fetch moves 128 bits over a 64-bit bus
    dram_latency: int = 32             # per DRAM burst (one per row), before the first beat
    load_bytes_per_cycle: int = 8      # load bus: 64-bit AXI (fpga_log_axi_bus_width 6)
    store_bytes_per_cycle: int = 8     # store bus: the same 64-bit AXI port
    gemm_cycles_per_uop: int = 1       # HLS pipelines the GEMM micro-op loop at II 1
    gemm_pipeline_depth: int = 8       # per GEMM instruction: fill and drain
    alu_cycles_per_uop: int = 1        # one ALU micro-op per cycle (VTA's HLS ALU uses II 2)
    alu_pipeline_depth: int = 4        # per ALU instruction: fill and drain
    token_queue_depth: int = 8         # tokens each dependence FIFO holds (Appendix A)

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "clock_mhz":
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                    raise TimingParamError(f"timing parameter 'clock_mhz' must be a positive "
                                           f"number of MHz, not {value!r}")
                continue
            least = 1 if f.name in _INT_FIELDS_POSITIVE else 0
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
                    or value < least:
                kind = "a positive" if least else "a non-negative"
                raise TimingParamError(f"timing parameter {f.name!r} must be {kind} integer, "
                                       f"not {value!r}")

    @classmethod
    def of(cls, params: Union["TimingParams", Mapping, None]) -> "TimingParams":
        """`params` itself, the defaults (None), or the defaults with a mapping's overrides."""
        if params is None:
            return cls()
        if isinstance(params, cls):
            return params
        if not isinstance(params, Mapping):
            raise TimingParamError(f"timing parameters must be a TimingParams or a mapping of "
                                   f"overrides, not {type(params).__name__}")
        names = [f.name for f in fields(cls)]
        unknown = [k for k in params if k not in names]
        if unknown:
            raise TimingParamError(f"unknown timing parameter {unknown[0]!r}; the parameters "
                                   f"are: {', '.join(names)}")
        return replace(cls(), **params)


class TimingParamError(VTAError, ValueError):
    """A timing parameter of the wrong type or range, or an unknown one."""


# --------------------------------------------------------------------------- costs
_KIND = {name: k for k, name in enumerate(KIND_NAMES)}


@dataclass(frozen=True)
class StreamCosts:
    """Per instruction: module, kind (index into KIND_NAMES), cycles, token bit masks."""
    module: np.ndarray
    kind: np.ndarray
    cycles: np.ndarray
    pops: np.ndarray         # bit q set: pops token queue q (program.L2G ... S2G)
    pushes: np.ndarray
    gemm_uops: int           # micro-ops of non-reset GEMMs (the work that counts as MACs)


def _dram_elem_bytes(env) -> np.ndarray:
    table = np.zeros(6, dtype=np.int64)
    table[[MEM_UOP, MEM_WGT, MEM_INP, MEM_ACC, MEM_OUT, MEM_ACC_8BIT]] = (
        4, env.WGT_ELEM_BYTES, env.INP_ELEM_BYTES, env.ACC_ELEM_BYTES, env.OUT_ELEM_BYTES,
        env.BATCH * env.BLOCK_OUT)
    return table


def instruction_costs(decoded: dict, count: int, env, params: TimingParams) -> StreamCosts:
    """Module, kind, cost and tokens of the first `count` decoded instructions (isa's
    `decode_stream` columns), computed over the whole stream at once."""
    op, mem = decoded["opcode"][:count], decoded["mem"][:count]
    loop = decoded["gemm"][:count]      # GEMM and ALU share the loop fields' layout
    micro_ops = np.maximum(loop[:, UOP_END] - loop[:, UOP_BGN], 0)
    uops = loop[:, ITER_OUT] * loop[:, ITER_IN] * micro_ops
    reset = loop[:, RESET_REG] != 0
    module = modules(op, mem)
    return StreamCosts(module, _kinds(op, mem, reset), _cycles(op, mem, uops, env, params),
                       token_masks(mem, module, POPS), token_masks(mem, module, PUSHES),
                       int(uops[(op == OPCODE_GEMM) & ~reset].sum()))


def _cycles(op, mem, uops, env, params: TimingParams) -> np.ndarray:
    is_store = op == OPCODE_STORE
    moves = ((op == OPCODE_LOAD) | is_store) & (mem[:, X_SIZE] > 0)
    mtype = np.where(is_store, MEM_OUT, memory_types(mem))
    row_bytes = mem[:, X_SIZE] * _dram_elem_bytes(env)[mtype]
    bus = np.where(is_store, params.store_bytes_per_cycle, params.load_bytes_per_cycle)
    dma = mem[:, Y_SIZE] * (params.dram_latency + -(-row_bytes // bus))
    work = np.select(
        [moves, op == OPCODE_GEMM, op == OPCODE_ALU],
        [dma, params.gemm_pipeline_depth + uops * params.gemm_cycles_per_uop,
         params.alu_pipeline_depth + uops * params.alu_cycles_per_uop], 0)
    return (params.issue_cycles + work).astype(np.int64)


_LOAD_KIND = np.array([_KIND["load uop"], _KIND["load wgt"], _KIND["load inp"],
                       _KIND["load acc"], _KIND["load acc"], _KIND["load acc"]])


def _kinds(op, mem, reset) -> np.ndarray:
    is_gemm = op == OPCODE_GEMM
    is_nop = ((op == OPCODE_LOAD) | (op == OPCODE_STORE)) & (mem[:, X_SIZE] == 0)
    return np.select(
        [is_nop, op == OPCODE_LOAD, op == OPCODE_STORE, is_gemm & reset, is_gemm,
         op == OPCODE_ALU, op == OPCODE_FINISH],
        [_KIND["nop"], _LOAD_KIND[memory_types(mem)], _KIND["store"], _KIND["gemm reset"],
         _KIND["gemm"], _KIND["alu"], _KIND["finish"]], _KIND["nop"])


# --------------------------------------------------------------------------- entry points
def time_stream(decoded: dict, count: int, describe, env, params: TimingParams,
                initial_tokens: Sequence[int] = (0, 0, 0, 0)) -> TimingReport:
    """The timing of a decoded stream; `describe(i)` disassembles instruction i (for the
    trace and the deadlock message); `initial_tokens` are in the queues at cycle 0."""
    return _report(instruction_costs(decoded, count, env, params), describe, env, params,
                   initial_tokens)


def _report(costs: StreamCosts, describe, env, params: TimingParams,
            initial_tokens: Sequence[int]) -> TimingReport:
    timeline = replay(costs, params.token_queue_depth, describe, tuple(initial_tokens))
    return TimingReport(params, costs, timeline, describe,
                        env.BATCH * env.BLOCK_IN * env.BLOCK_OUT)


def estimate(records: Sequence[Sequence[int]], env=None,
             params: Union[TimingParams, Mapping, None] = None) -> TimingReport:
    """The timing of a stream of instruction records (such as `CommandQueue.last_records`),
    without running it. Raises TimingDeadlock if its tokens can never all be satisfied."""
    env = env or get_env()
    records = [list(r) for r in records]
    return time_stream(_decode(instruction_set(env), records), len(records),
                       lambda i: disassemble(records[i]), env, TimingParams.of(params))


def _decode(isa, records: list) -> dict:
    """Records -> the field columns the simulator decodes from the encoded words (which
    also checks that every field fits)."""
    if records:
        return isa.decode_stream(isa.encode_stream(records))
    return {"opcode": np.zeros(0, np.int64),
            **{name: np.zeros((0, len(getattr(isa, name).fields)), np.int64)
               for name in ("mem", "gemm", "alu")}}


class _Switch:
    """Whether the device hands its runs to the model, with which parameters, and the last
    report."""

    def __init__(self):
        self.on = False
        self.params = TimingParams()
        self.last: Optional[TimingReport] = None


SWITCH = _Switch()


def switch(on: bool, params: Union[TimingParams, Mapping, None] = None) -> None:
    """Turn the model on (with `params`, default TimingParams()) or off; forget the last
    report either way."""
    SWITCH.params = TimingParams.of(params)
    SWITCH.on, SWITCH.last = bool(on), None


def observe(program, env, tokens_after: Sequence) -> None:
    """Device.run's hook: time the stream it has just run, if the model is on. The device's
    token FIFOs outlive a run (`tokens_after`: their contents now), so the tokens queued
    when the run began are those left now, less those it pushed, plus those it popped."""
    if not SWITCH.on:
        return
    SWITCH.last, params = None, SWITCH.params      # no stale report if this one deadlocks
    costs = instruction_costs(program.decoded, program.count, env, params)
    initial = [len(queue) - _count(costs.pushes, q) + _count(costs.pops, q)
               for q, queue in enumerate(tokens_after)]
    SWITCH.last = _report(costs, program.describe, env, params, initial)


def _count(masks: np.ndarray, queue: int) -> int:
    return int(np.count_nonzero(masks & (1 << queue)))
