"""A slow, obviously correct interpreter of VTA instruction streams (element by element, lane by
lane, in Python integers) agrees with the fast simulator on random valid programs.

The programs are built through the runtime from random loads (all four kinds, padded and
strided), GEMMs (random and convolution-like micro-op kernels, with resets, one or two loops),
ALU operations (every opcode, with and without immediate, including ones that read what they
write) and stores, with dependence tokens that serialise every change of stage, so stream order
is the only possible order. The interpreter runs the encoded words the device ran, reads the
micro-ops from DRAM and checks that every GEMM and ALU finds its kernel in the micro-op buffer.
"""
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vta_backend import isa
from vta_backend import runtime as rt
from vta_backend.environment import get_env
from vta_backend.testing import simulator

from hw_helpers import handoff, new_queue

CONFIGS = {
    "default": {},
    "tiny": {"LOG_BATCH": 1, "LOG_BLOCK": 3, "LOG_UOP_BUFF_SIZE": 6, "LOG_INP_BUFF_SIZE": 8,
             "LOG_WGT_BUFF_SIZE": 10, "LOG_ACC_BUFF_SIZE": 10},
}
STAGE = {isa.MEM_INP: 1, isa.MEM_WGT: 1, isa.MEM_ACC: 2, isa.MEM_ACC_8BIT: 2}
ROUTE = {(1, 3): [(1, 2), (2, 3)], (3, 1): [(3, 2), (2, 1)]}


def wrap(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


class Reference:
    """VTA's functional semantics (spec §2.4-2.6, §3.3), one element and one lane at a time."""

    def __init__(self, env, dram: dict):
        self.env, self.dram = env, dram
        b, k, o = env.BATCH, env.BLOCK_IN, env.BLOCK_OUT
        self.shape = {isa.MEM_UOP: 1, isa.MEM_INP: b * k, isa.MEM_WGT: o * k,
                      isa.MEM_ACC: b * o, isa.MEM_ACC_8BIT: b * o}
        self.bits = {isa.MEM_UOP: 32, isa.MEM_INP: env.INP_WIDTH, isa.MEM_WGT: env.WGT_WIDTH,
                     isa.MEM_ACC: env.ACC_WIDTH, isa.MEM_ACC_8BIT: 8, isa.MEM_OUT: env.OUT_WIDTH}
        self.sram = {isa.MEM_UOP: [[0]] * env.UOP_BUFF_DEPTH,
                     isa.MEM_INP: [[0] * b * k] * env.INP_BUFF_DEPTH,
                     isa.MEM_WGT: [[0] * o * k] * env.WGT_BUFF_DEPTH,
                     isa.MEM_ACC: [[0] * b * o] * env.ACC_BUFF_DEPTH}
        self.stats = dict.fromkeys(simulator.stats(), 0)
        self.kernels_seen = []

    def read(self, byte_addr: int, lanes: int, bits: int, signed=True) -> list:
        base = max(a for a in self.dram if a <= byte_addr)
        raw = self.dram[base][byte_addr - base:byte_addr - base + lanes * bits // 8]
        return [int.from_bytes(raw[i * bits // 8:(i + 1) * bits // 8], "little", signed=signed)
                for i in range(lanes)]

    def write(self, byte_addr: int, values: list, bits: int) -> None:
        base = max(a for a in self.dram if a <= byte_addr)
        for i, v in enumerate(values):
            at = byte_addr - base + i * bits // 8
            self.dram[base][at:at + bits // 8] = (v & ((1 << bits) - 1)).to_bytes(bits // 8,
                                                                                   "little")

    def run(self, records) -> None:
        for r in records:
            {isa.OPCODE_LOAD: self.load, isa.OPCODE_STORE: self.store, isa.OPCODE_GEMM: self.gemm,
             isa.OPCODE_ALU: self.alu, isa.OPCODE_FINISH: lambda r: None}[r[0]](r)

    def load(self, r) -> None:
        _, _, _, _, _, mem, sram, dram, y, x, stride, yp0, yp1, xp0, xp1 = r
        if x == 0:
            return
        lanes, bits = self.shape[mem], self.bits[mem]
        stat = {isa.MEM_UOP: ("uop", 4), isa.MEM_INP: ("inp", self.env.INP_ELEM_BYTES),
                isa.MEM_WGT: ("wgt", self.env.WGT_ELEM_BYTES)}.get(mem, ("acc",
                                                                        self.env.ACC_ELEM_BYTES))
        self.stats[f"{stat[0]}_load_nbytes"] += x * y * stat[1]
        buffer = self.sram[isa.MEM_ACC if mem == isa.MEM_ACC_8BIT else mem]
        width = xp0 + x + xp1
        for row in range(yp0 + y + yp1):
            for col in range(width):
                inside = yp0 <= row < yp0 + y and xp0 <= col < xp0 + x
                elem = dram + (row - yp0) * stride + (col - xp0)
                buffer[sram + row * width + col] = (
                    self.read(elem * lanes * bits // 8, lanes, bits, mem != isa.MEM_UOP)
                    if inside else [0] * lanes)

    def store(self, r) -> None:
        _, _, _, _, _, mem, sram, dram, y, x, stride, *_ = r
        if x == 0:
            return
        self.stats["out_store_nbytes"] += x * y * self.env.OUT_ELEM_BYTES
        bits, lanes = self.env.OUT_WIDTH, self.shape[isa.MEM_ACC]
        for yy in range(y):
            for xx in range(x):
                values = [wrap(v, bits) for v in self.sram[isa.MEM_ACC][sram + yy * x + xx]]
                self.write((dram + yy * stride + xx) * lanes * bits // 8, values, bits)

    def micro_ops(self, r):
        """(dst, src, wgt) per micro-op execution, in order, from the micro-op buffer."""
        env = self.env
        d_bits, w_bits = env.LOG_ACC_BUFF_DEPTH, env.LOG_WGT_BUFF_DEPTH
        s_bits = max(env.LOG_ACC_BUFF_DEPTH, env.LOG_INP_BUFF_DEPTH)
        words = [self.sram[isa.MEM_UOP][u][0] for u in range(r[isa.UOP_BGN], r[isa.UOP_END])]
        uops = [(w & (1 << d_bits) - 1, w >> d_bits & (1 << s_bits) - 1,
                 w >> (d_bits + s_bits) & (1 << w_bits) - 1) for w in words]
        self.kernels_seen.append(uops)
        fo = [r[isa.DST_FACTOR_OUT], r[isa.SRC_FACTOR_OUT]]
        fi = [r[isa.DST_FACTOR_IN], r[isa.SRC_FACTOR_IN]]
        if r[0] == isa.OPCODE_GEMM:
            fo.append(r[isa.WGT_FACTOR_OUT])
            fi.append(r[isa.WGT_FACTOR_IN])
        for y in range(r[isa.ITER_OUT]):
            for x in range(r[isa.ITER_IN]):
                for uop in uops:
                    yield [u + y * o + x * i for u, o, i in zip(uop, fo, fi)]

    def gemm(self, r) -> None:
        b, k, o = self.env.BATCH, self.env.BLOCK_IN, self.env.BLOCK_OUT
        count = 0
        acc, inp, wgt = (self.sram[m] for m in (isa.MEM_ACC, isa.MEM_INP, isa.MEM_WGT))
        for a, i, w in self.micro_ops(r):
            count += 1
            if r[isa.RESET_REG]:
                acc[a] = [0] * (b * o)
                continue
            acc[a] = [wrap(acc[a][bb * o + oo] + sum(inp[i][bb * k + kk] * wgt[w][oo * k + kk]
                                                    for kk in range(k)), 32)
                      for bb in range(b) for oo in range(o)]
        self.stats["gemm_counter"] += 0 if r[isa.RESET_REG] else count

    def alu(self, r) -> None:
        acc, bits, imm = self.sram[isa.MEM_ACC], self.env.ACC_WIDTH, r[isa.IMM]
        op = r[isa.ALU_OPCODE]
        for d, s, _ in ((*m, 0) for m in self.micro_ops(r)):
            self.stats["alu_counter"] += 1
            rhs = [imm] * len(acc[d]) if r[isa.USE_IMM] else acc[s]
            acc[d] = [self.alu_lane(op, x, y, bits) for x, y in zip(acc[d], rhs)]

    @staticmethod
    def alu_lane(op: int, x: int, y: int, bits: int) -> int:
        if op == isa.ALU_MIN:
            return min(x, y)
        if op == isa.ALU_MAX:
            return max(x, y)
        if op == isa.ALU_ADD:
            return wrap(x + y, bits)
        if op == isa.ALU_MUL:
            return wrap(x * y, bits)
        return wrap(x >> (y % bits) if y >= 0 else x << (-y % bits), bits)


class ProgramMaker:
    """Draws a random valid program and issues it through the runtime."""

    def __init__(self, draw, env, cmd):
        self.draw, self.env, self.cmd, self.stage = draw, env, cmd, None
        rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
        b, k, o = env.BATCH, env.BLOCK_IN, env.BLOCK_OUT
        self.sources = {isa.MEM_INP: rng.integers(-128, 128, (40, b * k), dtype=np.int8),
                        isa.MEM_WGT: rng.integers(-128, 128, (40, o * k), dtype=np.int8),
                        isa.MEM_ACC: rng.integers(-2 ** 31, 2 ** 31, (40, b * o), dtype=np.int32),
                        isa.MEM_ACC_8BIT: rng.integers(-128, 128, (40, b * o), dtype=np.int8)}
        self.buffers = {m: cmd.memory.alloc(a.nbytes) for m, a in self.sources.items()}
        for m, a in self.sources.items():
            self.buffers[m].write(0, a)
        self.out = cmd.memory.alloc(40 * env.OUT_ELEM_BYTES)
        self.sites = []
        self.kernels = []           # expected micro-ops of every GEMM/ALU, in stream order

    def int(self, lo, hi):
        return self.draw(st.integers(lo, max(lo, hi)))

    def enter(self, stage: int) -> None:
        if self.stage is not None and self.stage != stage:
            for a, b in ROUTE.get((self.stage, stage), [(self.stage, stage)]):
                handoff(self.cmd, a, b)
        self.stage = stage

    def load(self) -> None:
        mem = self.draw(st.sampled_from(sorted(STAGE)))
        depth = {isa.MEM_INP: self.env.INP_BUFF_DEPTH, isa.MEM_WGT: self.env.WGT_BUFF_DEPTH}.get(
            mem, self.env.ACC_BUFF_DEPTH)
        y, x = self.int(0, 3), self.int(1, 4)
        stride = self.int(1, 6)
        pads = [self.int(0, 2) for _ in range(4)]                  # yp0, yp1, xp0, xp1
        if (pads[0] + y + pads[1]) * (pads[2] + x + pads[3]) > depth:
            pads = [0, 0, 0, 0]
        first = self.int(0, 40 - ((y - 1) * stride + x) if y else 40 - x)
        block = (pads[0] + y + pads[1]) * (pads[2] + x + pads[3])
        self.enter(STAGE[mem])
        self.cmd.load_buffer_2d(self.buffers[mem], first, x, y, stride, pads[2], pads[0],
                                pads[3], pads[1], self.int(0, depth - block), mem)

    def store(self) -> None:
        y, x, stride = self.int(1, 3), self.int(1, 4), self.int(1, 6)
        self.enter(3)
        self.cmd.store_buffer_2d(self.int(0, self.env.ACC_BUFF_DEPTH - x * y), isa.MEM_OUT,
                                 self.out, self.int(0, 40 - ((y - 1) * stride + x)), x, y, stride)

    def loops(self, depths, gemm: bool):
        """0-2 loops of (extent, factors) and the room they leave for base indices."""
        loops = [(self.int(1, 3), [self.int(0, 3), self.int(0, 3), self.int(0, 3) if gemm else 0])
                 for _ in range(self.int(0, 2))]
        room = [d - 1 - sum((e - 1) * f[j] for e, f in loops) for j, d in enumerate(depths)]
        if min(room) < 0:
            loops, room = [], [d - 1 for d in depths]
        return loops, room

    def kernel_uops(self, room, structured: bool):
        if structured:                      # convolution-like: rows x taps, rows innermost
            rows, taps = self.int(3, 4), self.int(1, 3)
            if rows > room[0] + 1 or taps > room[2] + 1 or rows + taps - 1 > room[1] + 1:
                return [(0, 0, 0)]
            return [(r, r + t, t) for t in range(taps) for r in range(rows)]
        uops = []
        for _ in range(self.int(1, 5)):
            uop = tuple(self.int(0, r) for r in room)
            if uop[0] not in [u[0] for u in uops[-2:]]:
                uops.append(uop)
        return uops

    def compute(self, gemm: bool) -> None:
        env = self.env
        if self.sites and self.draw(st.integers(0, 4)) == 0:
            site, record, push, expected = self.draw(st.sampled_from(self.sites))
        else:
            depths = [env.ACC_BUFF_DEPTH, env.INP_BUFF_DEPTH if gemm else env.ACC_BUFF_DEPTH,
                      env.WGT_BUFF_DEPTH if gemm else 1]
            loops, room = self.loops(depths, gemm)
            expected = self.kernel_uops(room, gemm and self.draw(st.booleans()))
            settings_ = (0, int(self.draw(st.integers(0, 4)) == 0), 0, 0, 0) if gemm else (
                1, 0, self.int(0, 4), self.int(0, 1),
                self.int(-40, 40) if self.draw(st.booleans()) else self.int(-2 ** 15, 2 ** 15 - 1))
            site, push = rt.UopKernelMap(), self.cmd.push_gemm_op if gemm else self.cmd.push_alu_op
            record = self.recorder(loops, expected, settings_)
            if not gemm:
                expected = [(d, s, 0) for d, s, _ in expected]
            self.sites.append((site, record, push, expected))
        self.enter(2)
        push(site, record)
        self.kernels.append(expected)

    def recorder(self, loops, uops, settings_):
        mode, reset, opcode, use_imm, imm = settings_

        def record(_):
            for extent, factors in loops:
                self.cmd.uop_loop_begin(extent, *factors)
            for d, s, w in uops:
                self.cmd.uop_push(mode, reset, d, s, w, opcode, use_imm, imm)
            for _ in loops:
                self.cmd.uop_loop_end()
        return record


def check_against_reference(draw, env):
    cmd = new_queue(env)
    maker = ProgramMaker(draw, env, cmd)
    for _ in range(draw(st.integers(1, 10))):
        kind = draw(st.sampled_from(["load", "load", "gemm", "alu", "store"]))
        maker.load() if kind == "load" else maker.store() if kind == "store" else \
            maker.compute(kind == "gemm")
    staged = cmd.uop_staging
    dram = {b.phys_addr: bytearray(b.data[:b.nbytes]) for b in [*maker.buffers.values(),
                                                                  maker.out]}
    dram[staged.phys_addr] = bytearray(staged.data[:cmd._staged * 4])
    simulator.clear_stats()
    cmd.synchronize()
    iset = cmd.isa
    words = cmd.insn_staging.data[:16 * len(cmd.last_records)].view(np.uint64).reshape(-1, 2)
    reference = Reference(env, dram)
    reference.run([iset.decode(int(lo) | int(hi) << 64) for lo, hi in words])
    assert reference.kernels_seen == [list(k) for k in maker.kernels]
    for kind, buf in [*maker.buffers.items(), ("out", maker.out)]:
        assert bytes(dram[buf.phys_addr]) == buf.read(0, buf.nbytes).tobytes(), kind
    sram = cmd.device.sram
    for mem, array in ((isa.MEM_ACC, sram.acc), (isa.MEM_INP, sram.inp), (isa.MEM_WGT, sram.wgt)):
        assert array.tolist() == reference.sram[mem], isa.MEM_NAMES[mem]
    assert simulator.stats() == reference.stats


SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SETTINGS
@given(st.data())
def test_simulator_agrees_with_the_reference_default_config(data):
    check_against_reference(data.draw, get_env())


@SETTINGS
@given(st.data())
def test_simulator_agrees_with_the_reference_tiny_config(data):
    check_against_reference(data.draw, get_env().replace(**CONFIGS["tiny"]))
