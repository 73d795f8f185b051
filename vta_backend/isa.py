"""The VTA instruction set: field tables, bit layout, encoding, decoding and disassembly.

Where it sits: the runtime (`runtime.py`) builds each instruction as a *record* -- a plain
list of field values in the order of its field table below -- and encodes the whole stream
into 128-bit words when it hands it to the device; the simulator decodes those words back
into field columns before running them. Micro-ops are 32-bit words built the same way.

Everything derives from one declarative table per format: (field name, width). A width is
a number of bits or the name(s) of Environment depth fields (several names: the widest),
because the C structs in `hw_spec.h` size the SRAM indices from the configuration. Bit
positions follow GCC's bit-field packing: fields fill a 64-bit unit (32-bit for micro-ops)
from bit 0 upward and a field that would straddle a unit boundary starts the next unit.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Dict, Sequence, Tuple

import numpy as np

from .environment import VTAError

OPCODE_LOAD, OPCODE_STORE, OPCODE_GEMM, OPCODE_FINISH, OPCODE_ALU = 0, 1, 2, 3, 4
MEM_UOP, MEM_WGT, MEM_INP, MEM_ACC, MEM_OUT, MEM_ACC_8BIT = 0, 1, 2, 3, 4, 5
ALU_MIN, ALU_MAX, ALU_ADD, ALU_SHR, ALU_MUL = 0, 1, 2, 3, 4

MEM_NAMES = {MEM_UOP: "UOP", MEM_WGT: "WGT", MEM_INP: "INP", MEM_ACC: "ACC", MEM_OUT: "OUT",
             MEM_ACC_8BIT: "ACC_8BIT"}
ALU_NAMES = {ALU_MIN: "min", ALU_MAX: "max", ALU_ADD: "add", ALU_SHR: "shr", ALU_MUL: "mul"}

_HEAD = (("opcode", 3), ("pop_prev_dep", 1), ("pop_next_dep", 1), ("push_prev_dep", 1),
         ("push_next_dep", 1))
_UOP_BITS, _INP_BITS = "LOG_UOP_BUFF_DEPTH", "LOG_INP_BUFF_DEPTH"
_WGT_BITS, _ACC_BITS = "LOG_WGT_BUFF_DEPTH", "LOG_ACC_BUFF_DEPTH"
_LOOP_HEAD = (("reset_reg", 1), ("uop_bgn", _UOP_BITS), ("uop_end", (_UOP_BITS, 1)),
              ("iter_out", 14), ("iter_in", 14))

# VTAMemInsn (LOAD, STORE), VTAGemInsn (GEMM, FINISH), VTAAluInsn (ALU), VTAUop.
MEM_FIELDS = _HEAD + (
    ("memory_type", 3), ("sram_base", 16), ("dram_base", 32), ("y_size", 16), ("x_size", 16),
    ("x_stride", 16), ("y_pad_0", 4), ("y_pad_1", 4), ("x_pad_0", 4), ("x_pad_1", 4))
GEMM_FIELDS = _HEAD + _LOOP_HEAD + (
    ("dst_factor_out", _ACC_BITS), ("dst_factor_in", _ACC_BITS),
    ("src_factor_out", _INP_BITS), ("src_factor_in", _INP_BITS),
    ("wgt_factor_out", _WGT_BITS), ("wgt_factor_in", _WGT_BITS))
ALU_FIELDS = _HEAD + _LOOP_HEAD + (
    ("dst_factor_out", _ACC_BITS), ("dst_factor_in", _ACC_BITS),
    ("src_factor_out", _ACC_BITS), ("src_factor_in", _ACC_BITS),
    ("alu_opcode", 3), ("use_imm", 1), ("imm", -16))          # negative width: signed
UOP_FIELDS = (("dst_idx", _ACC_BITS), ("src_idx", (_ACC_BITS, _INP_BITS)), ("wgt_idx", _WGT_BITS))


def _positions(table, names):
    order = [name for name, _ in table]
    return tuple(order.index(n) for n in names)


# Record positions (a record lists its fields in table order), derived from the tables.
OPCODE, POP_PREV, POP_NEXT, PUSH_PREV, PUSH_NEXT = _positions(_HEAD, [n for n, _ in _HEAD])
(MEMORY_TYPE, SRAM_BASE, DRAM_BASE, Y_SIZE, X_SIZE, X_STRIDE, Y_PAD_0, Y_PAD_1, X_PAD_0,
 X_PAD_1) = _positions(MEM_FIELDS, [n for n, _ in MEM_FIELDS[5:]])
(RESET_REG, UOP_BGN, UOP_END, ITER_OUT, ITER_IN, DST_FACTOR_OUT, DST_FACTOR_IN, SRC_FACTOR_OUT,
 SRC_FACTOR_IN, WGT_FACTOR_OUT, WGT_FACTOR_IN) = _positions(GEMM_FIELDS,
                                                           [n for n, _ in GEMM_FIELDS[5:]])
ALU_OPCODE, USE_IMM, IMM = _positions(ALU_FIELDS, ("alu_opcode", "use_imm", "imm"))
_IMM_BITS = -dict(ALU_FIELDS)["imm"]
IMM_MIN, IMM_MAX = -(1 << (_IMM_BITS - 1)), (1 << (_IMM_BITS - 1)) - 1   # the ALU immediate


class EncodingError(VTAError, ValueError):
    """A field value that does not fit its bits, or a format that does not fit its word."""


class DecodeError(VTAError, ValueError):
    """A word that is not a valid instruction (unknown opcode, memory type or ALU opcode)."""


@dataclass(frozen=True)
class Field:
    """One bit field: its name, lowest bit, width and signedness."""
    name: str
    lo: int
    width: int
    signed: bool

    @property
    def low(self) -> int:
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def high(self) -> int:
        return (1 << (self.width - 1)) - 1 if self.signed else (1 << self.width) - 1

    def fits(self, value: int) -> bool:
        return self.low <= value <= self.high


class Format:
    """A laid-out field table: scalar and vectorised encode/decode of one word format."""

    def __init__(self, name: str, fields: Tuple[Field, ...], word_bits: int):
        self.name, self.fields, self.word_bits = name, fields, word_bits
        self.index: Dict[str, int] = {f.name: i for i, f in enumerate(fields)}

    def check(self, record: Sequence[int], where: str = "") -> None:
        for f, v in zip(self.fields, record):
            if not f.fits(v):
                raise EncodingError(f"{where}field '{f.name}': value {v} does not fit in "
                                    f"{f.width} {'signed ' if f.signed else ''}bits")

    def encode(self, record: Sequence[int]) -> int:
        """One record -> one word (a Python int of `word_bits` bits)."""
        if len(record) != len(self.fields):
            raise EncodingError(f"{self.name} record has {len(record)} fields, "
                                f"expected {len(self.fields)}")
        self.check(record)
        word = 0
        for f, v in zip(self.fields, record):
            word |= (v & ((1 << f.width) - 1)) << f.lo
        return word

    def decode(self, word: int) -> list:
        """One word -> one record."""
        out = []
        for f in self.fields:
            v = (word >> f.lo) & ((1 << f.width) - 1)
            out.append(v - (1 << f.width) if f.signed and v >> (f.width - 1) else v)
        return out

    def encode_rows(self, rows: np.ndarray) -> np.ndarray:
        """(n, fields) int64 -> (n, word_bits // 64 or 1) uint words; rows must fit."""
        units = max(1, self.word_bits // 64)
        dtype = np.uint64 if self.word_bits >= 64 else np.uint32
        out = np.zeros((len(rows), units), dtype=dtype)
        for col, f in enumerate(self.fields):
            unit, shift = divmod(f.lo, 64)
            vals = rows[:, col].astype(np.int64) & ((1 << f.width) - 1)
            out[:, unit] |= vals.astype(dtype) << dtype(shift)
        return out if self.word_bits >= 64 else out[:, 0]

    def decode_rows(self, words: np.ndarray) -> np.ndarray:
        """(n, units) or (n,) uint words -> (n, fields) int64 columns."""
        words = words if words.ndim == 2 else words.reshape(-1, 1)
        units = [np.ascontiguousarray(words[:, u]) for u in range(words.shape[1])]
        kind = words.dtype.type
        out = np.empty((len(self.fields), len(words)), dtype=np.int64)   # a field per row
        for col, f in enumerate(self.fields):
            unit, shift = divmod(f.lo, 64)
            vals = out[col]
            np.bitwise_and(units[unit] >> kind(shift), kind((1 << f.width) - 1), out=vals,
                           casting="unsafe")
            if f.signed:
                vals -= (vals >> (f.width - 1)) << f.width
        return out.T

    def first_misfit(self, rows: np.ndarray):
        """(row, field) of the first value that does not fit, or None."""
        bad = np.zeros(rows.shape, dtype=bool)
        for col, f in enumerate(self.fields):
            bad[:, col] = (rows[:, col] < f.low) | (rows[:, col] > f.high)
        if not bad.any():
            return None
        row = int(np.flatnonzero(bad.any(axis=1))[0])
        return row, self.fields[int(np.flatnonzero(bad[row])[0])]


def _width(env, spec) -> Tuple[int, bool]:
    if isinstance(spec, int):
        return abs(spec), spec < 0
    names, extra = (spec, 0) if isinstance(spec, str) else (
        (spec[0], spec[1]) if isinstance(spec[1], int) else (spec, 0))
    names = (names,) if isinstance(names, str) else names
    return max(getattr(env, n) for n in names) + extra, False


def layout(env, name: str, table, unit_bits: int, word_bits: int) -> Format:
    """Place a field table with GCC's bit-field packing rule; refuse a format that overflows."""
    fields, pos = [], 0
    for fname, spec in table:
        width, signed = _width(env, spec)
        if width <= 0 or width > unit_bits:
            raise EncodingError(f"{name} field '{fname}' would be {width} bits wide")
        if pos % unit_bits + width > unit_bits:
            pos += unit_bits - pos % unit_bits
        fields.append(Field(fname, pos, width, signed))
        pos += width
    if pos > word_bits:
        raise EncodingError(f"the {name} fields need {pos} bits, more than the {word_bits}-bit "
                            f"word (the buffer depths make its index fields too wide)")
    return Format(name, tuple(fields), word_bits)


@dataclass(frozen=True)
class InstructionSet:
    """The four laid-out formats of one configuration."""
    mem: Format
    gemm: Format
    alu: Format
    uop: Format

    def format_of(self, opcode: int) -> Format:
        if opcode in (OPCODE_LOAD, OPCODE_STORE):
            return self.mem
        if opcode in (OPCODE_GEMM, OPCODE_FINISH):
            return self.gemm
        if opcode == OPCODE_ALU:
            return self.alu
        raise DecodeError(f"unknown opcode {opcode}")

    def encode(self, record: Sequence[int]) -> int:
        return self.format_of(record[OPCODE]).encode(record)

    def decode(self, word: int) -> list:
        return self.format_of(word & 7).decode(word)

    def encode_stream(self, records: Sequence[list]) -> np.ndarray:
        """Records -> (n, 2) uint64 words (low half first, as they sit in DRAM)."""
        words = np.zeros((len(records), 2), dtype=np.uint64)
        opcodes = np.fromiter((r[OPCODE] for r in records), dtype=np.int64, count=len(records))
        for fmt, ops in ((self.mem, (0, 1)), (self.gemm, (2, 3)), (self.alu, (4,))):
            idx = np.flatnonzero(np.isin(opcodes, ops))
            if len(idx) == 0:
                continue
            rows = np.array([records[i] for i in idx.tolist()], dtype=np.int64)
            misfit = fmt.first_misfit(rows)
            if misfit is not None:
                i = int(idx[misfit[0]])
                f, value = misfit[1], records[i][fmt.index[misfit[1].name]]
                raise EncodingError(
                    f"instruction {i} ({disassemble(records[i])}): field '{f.name}': value "
                    f"{value} does not fit in {f.width} {'signed ' if f.signed else ''}bits")
            words[idx] = fmt.encode_rows(rows)
        return words

    def decode_stream(self, words: np.ndarray) -> Dict[str, np.ndarray]:
        """(n, 2) uint64 words -> the field columns of every format (each for every word)."""
        return {"opcode": (words[:, 0] & np.uint64(7)).astype(np.int64),
                "mem": self.mem.decode_rows(words), "gemm": self.gemm.decode_rows(words),
                "alu": self.alu.decode_rows(words)}


@lru_cache(maxsize=None)
def _instruction_set(depths: Tuple[int, int, int, int]) -> InstructionSet:
    env = _Depths(*depths)
    return InstructionSet(layout(env, "LOAD/STORE", MEM_FIELDS, 64, 128),
                          layout(env, "GEMM", GEMM_FIELDS, 64, 128),
                          layout(env, "ALU", ALU_FIELDS, 64, 128),
                          layout(env, "micro-op", UOP_FIELDS, 32, 32))


@dataclass(frozen=True)
class _Depths:
    LOG_UOP_BUFF_DEPTH: int
    LOG_INP_BUFF_DEPTH: int
    LOG_WGT_BUFF_DEPTH: int
    LOG_ACC_BUFF_DEPTH: int


def instruction_set(env) -> InstructionSet:
    """The instruction formats of `env`'s configuration (cached per set of buffer depths)."""
    return _instruction_set((env.LOG_UOP_BUFF_DEPTH, env.LOG_INP_BUFF_DEPTH,
                             env.LOG_WGT_BUFF_DEPTH, env.LOG_ACC_BUFF_DEPTH))


# ----------------------------------------------------------------------------- disassembly
_STAGE_OF_MEM = {MEM_UOP: "COMPUTE", MEM_ACC: "COMPUTE", MEM_ACC_8BIT: "COMPUTE"}


def _nop_name(r) -> str:
    if r[OPCODE] == OPCODE_STORE:
        return "NOP-STORE-STAGE"
    return f"NOP-{_STAGE_OF_MEM.get(r[MEMORY_TYPE], 'MEMORY')}-STAGE"


def _flags(r) -> str:
    names = [n for n, pos in (("pop_prev", POP_PREV), ("pop_next", POP_NEXT),
                              ("push_prev", PUSH_PREV), ("push_next", PUSH_NEXT)) if r[pos]]
    return f" [{' '.join(names)}]" if names else ""


def _dis_mem(r) -> str:
    if r[X_SIZE] == 0:
        return _nop_name(r)
    kind = "LOAD" if r[OPCODE] == OPCODE_LOAD else "STORE"
    pads = (r[Y_PAD_0], r[Y_PAD_1], r[X_PAD_0], r[X_PAD_1])
    pad = " pad(y={},{} x={},{})".format(*pads) if any(pads) else ""
    mem = MEM_NAMES.get(r[MEMORY_TYPE], f"memory_type={r[MEMORY_TYPE]}")
    return (f"{kind} {mem} sram=0x{r[SRAM_BASE]:04x} dram=0x{r[DRAM_BASE]:08x} "
            f"y={r[Y_SIZE]} x={r[X_SIZE]} stride={r[X_STRIDE]}{pad}")


def _dis_loops(r, names) -> str:
    outer = " ".join(f"{n}={r[DST_FACTOR_OUT + 2 * i]}" for i, n in enumerate(names))
    inner = " ".join(f"{n}={r[DST_FACTOR_IN + 2 * i]}" for i, n in enumerate(names))
    return (f"uop=[{r[UOP_BGN]},{r[UOP_END]}) out(iter={r[ITER_OUT]} {outer}) "
            f"in(iter={r[ITER_IN]} {inner})")


def _dis_gemm(r) -> str:
    return f"GEMM{' reset' if r[RESET_REG] else ''} {_dis_loops(r, ('acc', 'inp', 'wgt'))}"


def _dis_alu(r) -> str:
    op = ALU_NAMES.get(r[ALU_OPCODE], f"alu_opcode={r[ALU_OPCODE]}")
    imm = f" imm={r[IMM]}" if r[USE_IMM] else ""
    return f"ALU {op}{imm} {_dis_loops(r, ('dst', 'src'))}"


_DISASSEMBLERS = {OPCODE_LOAD: _dis_mem, OPCODE_STORE: _dis_mem, OPCODE_GEMM: _dis_gemm,
                  OPCODE_ALU: _dis_alu, OPCODE_FINISH: lambda r: "FINISH"}


def disassemble(record: Sequence[int]) -> str:
    """One readable line for one instruction record, dependence flags last."""
    dis = _DISASSEMBLERS.get(record[OPCODE])
    text = dis(record) if dis else f"<undecodable opcode {record[OPCODE]}>"
    return text + _flags(record)


def disassemble_stream(records: Sequence[Sequence[int]]) -> str:
    """The whole stream, one numbered line per instruction."""
    width = len(str(max(len(records) - 1, 0)))
    return "\n".join(f"{i:>{width}}: {disassemble(r)}" for i, r in enumerate(records))


# ------------------------------------------------ the runtime's debug dump (DUMP_INSN/DUMP_UOP)
_QUEUE_RULES = {  # stage -> what each flag does to (l2g, g2l, s2g, g2s), as VTA's DumpInsn counts
    "load": {POP_NEXT: (1, -1), PUSH_NEXT: (0, 1)},
    "compute": {POP_PREV: (0, -1), PUSH_PREV: (1, 1), POP_NEXT: (2, -1), PUSH_NEXT: (3, 1)},
    "store": {POP_PREV: (3, -1), PUSH_PREV: (2, 1)},
}


def _dump_stage(r) -> str:
    if r[OPCODE] == OPCODE_STORE:
        return "store"
    if r[OPCODE] == OPCODE_LOAD and r[MEMORY_TYPE] in (MEM_INP, MEM_WGT):
        return "load"
    return "compute"


def _dump_body(r) -> list:
    op = r[OPCODE]
    if op in (OPCODE_LOAD, OPCODE_STORE):
        if r[X_SIZE] == 0:
            return [_nop_name(r)]
        head = "STORE:" if op == OPCODE_STORE else f"LOAD {MEM_NAMES.get(r[MEMORY_TYPE], '')}"
        return [head, f"\tDRAM: 0x{r[DRAM_BASE]:08x}, SRAM:0x{r[SRAM_BASE]:04x}",
                f"\ty: size={r[Y_SIZE]}, pad=[{r[Y_PAD_0]}, {r[Y_PAD_1]}]",
                f"\tx: size={r[X_SIZE]}, stride={r[X_STRIDE]}, pad=[{r[X_PAD_0]}, {r[X_PAD_1]}]"]
    if op == OPCODE_FINISH:
        return ["FINISH"]
    if op == OPCODE_GEMM:
        head, names = "GEMM", ("wgt", "inp", "acc")
        outer = [r[WGT_FACTOR_OUT], r[SRC_FACTOR_OUT], r[DST_FACTOR_OUT]]
        inner = [r[WGT_FACTOR_IN], r[SRC_FACTOR_IN], r[DST_FACTOR_IN]]
    else:
        name = ALU_NAMES.get(r[ALU_OPCODE], "unknown op")
        imm = " imm" if r[USE_IMM] and r[ALU_OPCODE] in (ALU_MIN, ALU_MAX, ALU_ADD) else ""
        head, names = f"ALU - {name}{imm}", ("dst", "src")
        outer = [r[DST_FACTOR_OUT], r[SRC_FACTOR_OUT]]
        inner = [r[DST_FACTOR_IN], r[SRC_FACTOR_IN]]
    loops = [f"\t{which} loop - iter: {it}, " + ", ".join(f"{n}: {v}" for n, v in zip(names, vals))
             for which, it, vals in (("outer", r[ITER_OUT], outer), ("inner", r[ITER_IN], inner))]
    return [head, f"\treset_out: {r[RESET_REG]}", f"\trange ({r[UOP_BGN]}, {r[UOP_END]})"] + loops


def dump_stream(records: Sequence[Sequence[int]]) -> str:
    """The stream in the text format of VTA's runtime debug dump (`DUMP_INSN`), including its
    running count of tokens in each dependence queue."""
    lines, queues = [f"There are {len(records)} instructions"], [0, 0, 0, 0]
    for i, r in enumerate(records):
        body = _dump_body(r)
        lines.append(f"INSTRUCTION {i}: {body[0]}")
        if r[OPCODE] != OPCODE_FINISH:
            lines.append(f"\tdep - pop prev: {r[POP_PREV]}, pop next: {r[POP_NEXT]}, "
                         f"push prev: {r[PUSH_PREV]}, push next: {r[PUSH_NEXT]}")
            for flag, (queue, step) in _QUEUE_RULES[_dump_stage(r)].items():
                queues[queue] += step if r[flag] else 0
        lines += body[1:]
        lines.append(f"\tl2g_queue = {queues[0]}, g2l_queue = {queues[1]}")
        lines.append(f"\ts2g_queue = {queues[2]}, g2s_queue = {queues[3]}")
    return "\n".join(lines) + "\n"


def dump_kernel(uops: Sequence[Sequence[int]]) -> str:
    """A micro-op kernel in the text format of VTA's runtime debug dump (`DUMP_UOP`)."""
    lines = [f"There are {len(uops)} uops"]
    lines += [f"[{i:04d}]\t acc={d}, inp={s}, wgt={w}" for i, (d, s, w) in enumerate(uops)]
    return "\n".join(lines) + "\n\n"
