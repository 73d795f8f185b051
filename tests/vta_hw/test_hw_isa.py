"""isa: bit layout, field round trips at the extremes, oversize values, the reference dump."""
import re

import numpy as np
import pytest

from vta_backend import isa
from vta_backend.environment import get_env

from hw_helpers import CONFIGS, make_env

from reference_text import insn_dump_text

# spec §2.2, default configuration: (field, lowest bit, width)
SPEC_LAYOUT = {
    "mem": [("opcode", 0, 3), ("pop_prev_dep", 3, 1), ("pop_next_dep", 4, 1),
            ("push_prev_dep", 5, 1), ("push_next_dep", 6, 1), ("memory_type", 7, 3),
            ("sram_base", 10, 16), ("dram_base", 26, 32), ("y_size", 64, 16),
            ("x_size", 80, 16), ("x_stride", 96, 16), ("y_pad_0", 112, 4), ("y_pad_1", 116, 4),
            ("x_pad_0", 120, 4), ("x_pad_1", 124, 4)],
    "gemm": [("reset_reg", 7, 1), ("uop_bgn", 8, 13), ("uop_end", 21, 14), ("iter_out", 35, 14),
             ("iter_in", 49, 14), ("dst_factor_out", 64, 11), ("dst_factor_in", 75, 11),
             ("src_factor_out", 86, 11), ("src_factor_in", 97, 11),
             ("wgt_factor_out", 108, 10), ("wgt_factor_in", 118, 10)],
    "alu": [("dst_factor_out", 64, 11), ("dst_factor_in", 75, 11), ("src_factor_out", 86, 11),
            ("src_factor_in", 97, 11), ("alu_opcode", 108, 3), ("use_imm", 111, 1),
            ("imm", 112, 16)],
    "uop": [("dst_idx", 0, 11), ("src_idx", 11, 11), ("wgt_idx", 22, 10)],
}


def test_default_layout_is_the_spec_layout():
    iset = isa.instruction_set(get_env())
    for name, expected in SPEC_LAYOUT.items():
        fields = {f.name: (f.name, f.lo, f.width) for f in getattr(iset, name).fields}
        assert [fields[n] for n, _, _ in expected] == expected
    assert iset.alu.fields[-1].signed and not iset.gemm.fields[-1].signed


def test_index_fields_follow_the_configuration():
    iset = isa.instruction_set(make_env("block32"))       # depths inp 1024, wgt 256, acc 1024
    assert [(f.name, f.width) for f in iset.uop.fields] == [("dst_idx", 10), ("src_idx", 10),
                                                            ("wgt_idx", 8)]
    assert iset.gemm.fields[iset.gemm.index["wgt_factor_in"]].width == 8


def test_a_format_that_overflows_its_word_is_refused():
    class Huge:
        LOG_UOP_BUFF_DEPTH, LOG_INP_BUFF_DEPTH = 13, 16
        LOG_WGT_BUFF_DEPTH, LOG_ACC_BUFF_DEPTH = 16, 16
    with pytest.raises(isa.EncodingError, match="GEMM fields need 160 bits"):
        isa.layout(Huge, "GEMM", isa.GEMM_FIELDS, 64, 128)


def _extreme_records(fmt, opcode):
    """For each field: a record with that field at its minimum and one at its maximum."""
    for f in fmt.fields[1:]:
        for value in (f.low, f.high):
            record = [opcode] + [0] * (len(fmt.fields) - 1)
            record[fmt.index[f.name]] = value
            yield record
    yield [opcode] + [f.high for f in fmt.fields[1:]]
    yield [opcode] + [f.low for f in fmt.fields[1:]]


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_every_field_round_trips_at_its_extremes(config):
    iset = isa.instruction_set(make_env(config))
    for fmt, opcodes in ((iset.mem, (0, 1)), (iset.gemm, (2, 3)), (iset.alu, (4,))):
        for opcode in opcodes:
            records = list(_extreme_records(fmt, opcode))
            for r in records:
                word = iset.encode(r)
                assert 0 <= word < 1 << 128 and iset.decode(word) == r
            words = iset.encode_stream(records)
            assert [iset.encode(r) for r in records] == [int(lo) | int(hi) << 64
                                                         for lo, hi in words]
            assert fmt.decode_rows(words).tolist() == records
    uops = [[f.high if f is g else 0 for f in iset.uop.fields] for g in iset.uop.fields]
    uops += [[f.high for f in iset.uop.fields], [0, 0, 0]]
    words = iset.uop.encode_rows(np.array(uops))
    assert words.dtype == np.uint32 and iset.uop.decode_rows(words).tolist() == uops
    assert [iset.uop.decode(iset.uop.encode(u)) for u in uops] == uops


def test_immediate_is_signed_16_bits():
    iset = isa.instruction_set(get_env())
    record = [isa.OPCODE_ALU] + [0] * 16
    record[isa.IMM] = -1
    assert iset.encode(record) >> 112 == 0xFFFF and iset.decode(iset.encode(record)) == record


@pytest.mark.parametrize("field, value, bits", [
    ("x_size", 70000, "16 bits"), ("dram_base", 1 << 32, "32 bits"), ("y_pad_0", 16, "4 bits"),
    ("sram_base", -1, "16 bits")])
def test_oversize_memory_field_is_refused(field, value, bits):
    iset = isa.instruction_set(get_env())
    record = [isa.OPCODE_LOAD] + [0] * 14
    record[isa.X_SIZE] = 1
    record[iset.mem.index[field]] = value
    with pytest.raises(isa.EncodingError, match=f"field '{field}': value {value} does not fit in "
                                                f"{bits}"):
        iset.encode(record)
    stream = [[isa.OPCODE_FINISH] + [0] * 15, record]
    with pytest.raises(isa.EncodingError, match=rf"^instruction 1 \(LOAD UOP .*\): field "
                                                rf"'{field}'"):
        iset.encode_stream(stream)


def test_oversize_loop_and_alu_fields_are_refused():
    iset = isa.instruction_set(get_env())
    gemm = [isa.OPCODE_GEMM] + [0] * 15
    gemm[isa.WGT_FACTOR_IN] = 1024
    with pytest.raises(isa.EncodingError, match="field 'wgt_factor_in': value 1024 does not fit "
                                                "in 10 bits"):
        iset.encode(gemm)
    alu = [isa.OPCODE_ALU] + [0] * 16
    alu[isa.IMM] = 40000
    with pytest.raises(isa.EncodingError, match="'imm': value 40000 does not fit in 16 signed"):
        iset.encode_stream([alu])
    with pytest.raises(isa.EncodingError, match="'wgt_idx': value 1024 does not fit in 10 bits"):
        iset.uop.encode([0, 0, 1024])


def test_unknown_opcode_is_a_decode_error():
    with pytest.raises(isa.DecodeError, match="unknown opcode 6"):
        isa.instruction_set(get_env()).decode(6)


def test_disassembly_lines():
    load = [0, 0, 1, 0, 0, isa.MEM_INP, 0, 0x100, 8, 14, 14, 1, 0, 1, 1]
    assert isa.disassemble(load) == ("LOAD INP sram=0x0000 dram=0x00000100 y=8 x=14 stride=14 "
                                     "pad(y=1,0 x=1,1) [pop_next]")
    gemm = [2, 0, 0, 1, 0, 0, 28, 154, 8, 7, 98, 14, 0, 16, 9, 0]
    assert isa.disassemble(gemm) == ("GEMM uop=[28,154) out(iter=8 acc=98 inp=0 wgt=9) "
                                     "in(iter=7 acc=14 inp=16 wgt=0) [push_prev]")
    alu = [4, 1, 0, 0, 1, 0, 280, 281, 1, 784, 0, 1, 0, 1, isa.ALU_SHR, 1, -3]
    assert isa.disassemble(alu) == ("ALU shr imm=-3 uop=[280,281) out(iter=1 dst=0 src=0) "
                                    "in(iter=784 dst=1 src=1) [pop_prev push_next]")
    nops = [[1, 0, 0, 1, 0] + [0] * 10, [0, 0, 1, 0, 0, isa.MEM_INP] + [0] * 9,
            [0, 1, 1, 0, 0, isa.MEM_UOP] + [0] * 9, [3] + [0] * 15]
    assert isa.disassemble_stream(nops).splitlines() == [
        "0: NOP-STORE-STAGE [push_prev]", "1: NOP-MEMORY-STAGE [pop_next]",
        "2: NOP-COMPUTE-STAGE [pop_prev pop_next]", "3: FINISH"]


# ------------------------------------------------------------- the reference convolution's dump
_ALU_BY_NAME = {name: code for code, name in isa.ALU_NAMES.items()}
_MEM_BY_NAME = {name: code for code, name in isa.MEM_NAMES.items()}


def _ints(pattern, text):
    return [int(v, 0) for v in re.search(pattern, text).groups()]


def parse_instruction(block: str) -> list:
    """One `INSTRUCTION i: ...` block of the dump back into a record."""
    head = block.split("\n", 1)[0].split(": ", 1)[1]
    flags = _ints(r"pop prev: (\d), pop next: (\d), push prev: (\d), push next: (\d)", block) \
        if "dep -" in block else [0, 0, 0, 0]
    if head == "FINISH":
        return [isa.OPCODE_FINISH] + [0] * 15
    if head.startswith("NOP-"):
        opcode, mem = {"NOP-STORE-STAGE": (1, 0), "NOP-MEMORY-STAGE": (0, isa.MEM_INP),
                       "NOP-COMPUTE-STAGE": (0, isa.MEM_UOP)}[head]
        return [opcode] + flags + [mem] + [0] * 9
    if head.startswith(("LOAD", "STORE")):
        opcode, mem = (1, isa.MEM_OUT) if head == "STORE:" else (0, _MEM_BY_NAME[head[5:]])
        dram, sram = _ints(r"DRAM: (0x[0-9a-f]+), SRAM:(0x[0-9a-f]+)", block)
        y, yp0, yp1 = _ints(r"y: size=(\d+), pad=\[(\d+), (\d+)\]", block)
        x, stride, xp0, xp1 = _ints(r"x: size=(\d+), stride=(\d+), pad=\[(\d+), (\d+)\]", block)
        return [opcode] + flags + [mem, sram, dram, y, x, stride, yp0, yp1, xp0, xp1]
    reset = _ints(r"reset_out: (\d+)", block)
    bgn_end = _ints(r"range \((\d+), (\d+)\)", block)
    if head == "GEMM":
        out_it, wo, so, do = _ints(r"outer loop - iter: (\d+), wgt: (\d+), inp: (\d+), "
                                   r"acc: (\d+)", block)
        in_it, wi, si, di = _ints(r"inner loop - iter: (\d+), wgt: (\d+), inp: (\d+), "
                                  r"acc: (\d+)", block)
        return [2] + flags + reset + bgn_end + [out_it, in_it, do, di, so, si, wo, wi]
    name = head[len("ALU - "):]
    out_it, do, so = _ints(r"outer loop - iter: (\d+), dst: (\d+), src: (\d+)", block)
    in_it, di, si = _ints(r"inner loop - iter: (\d+), dst: (\d+), src: (\d+)", block)
    # the dump shows no immediate; take use_imm from "imm" where it says so
    return [4] + flags + reset + bgn_end + [out_it, in_it, do, di, so, si,
                                            _ALU_BY_NAME[name.split()[0]],
                                            int(name.endswith("imm") or name in ("shr", "mul")), 0]


def reference_dump():
    text = insn_dump_text()
    kernels_text, insn_text = text.split("There are 3366 instructions\n")
    blocks = ["INSTRUCTION " + b for b in insn_text.split("INSTRUCTION ")[1:]]
    kernels = [[tuple(int(v) for v in re.findall(r"=(\d+)", line)) for line in k.splitlines()[1:]
                if line] for k in kernels_text.split("There are ")[1:]]
    return text, kernels_text, kernels, [parse_instruction(b) for b in blocks]


def test_reference_instructions_round_trip_through_the_encoder():
    _, _, _, records = reference_dump()
    assert len(records) == 3366
    iset = isa.instruction_set(get_env())
    words = iset.encode_stream(records)
    assert [iset.decode(int(lo) | int(hi) << 64) for lo, hi in words] == records
    decoded = iset.decode_stream(words)
    for fmt, ops in (("mem", (0, 1)), ("gemm", (2, 3)), ("alu", (4,))):
        rows = np.flatnonzero(np.isin(decoded["opcode"], ops))
        assert decoded[fmt][rows].tolist() == [records[i] for i in rows]


def test_reference_dump_text_is_reproduced_by_the_disassembler():
    text, kernels_text, kernels, records = reference_dump()
    assert isa.dump_stream(records) == text[len(kernels_text):]
    assert "".join(isa.dump_kernel(k) for k in kernels) == kernels_text
    iset = isa.instruction_set(get_env())
    for kernel in kernels:
        words = iset.uop.encode_rows(np.array(kernel))
        assert [tuple(r) for r in iset.uop.decode_rows(words).tolist()] == kernel


def test_decoding_an_empty_stream_gives_no_records():
    from vta_backend.isa import instruction_set
    from vta_backend.environment import get_env
    iset = instruction_set(get_env())
    columns = iset.decode_stream(np.zeros((0, 2), np.uint64))
    assert all(len(column) == 0 for column in columns.values())
