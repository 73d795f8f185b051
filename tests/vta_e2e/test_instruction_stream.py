"""The convolution tutorial's instruction stream and micro-op kernels equal, instruction by
instruction, what TVM v0.17's VTA runtime produced for it (tests/data/reference/).

The reference dump is parsed here into one record per instruction (kind, dependence
flags, every printed field) and one list per micro-op kernel; ours comes from the
command queue after the tutorial's run (its last stream and its micro-op staging
buffer). DRAM addresses are compared relative to the buffer they fall in, whose base
follows from the reference's allocation order (README: data, kernel, res, then the
runtime's staging buffers; whole 4 KiB pages from physical address 4096).
"""
import math
import re

import pytest

from reference_text import insn_dump_text
from vta_backend import device_api
from vta_backend.isa import ALU_FIELDS, GEMM_FIELDS, MEM_FIELDS

PAGE = 4096
ELEM_BYTES = {"INP": 16, "WGT": 256, "STORE": 16, "UOP": 4}   # DRAM units per target
BUFFER_OF = {"INP": "data", "WGT": "kernel", "STORE": "res", "UOP": "uop staging"}
ALU_NAMES = {0: "min", 1: "max", 2: "add", 3: "shr", 4: "mul"}
MEM_NAMES = {0: "UOP", 1: "WGT", 2: "INP", 3: "ACC", 5: "ACC_8BIT"}


# --------------------------------------------------------------------- the reference dump
def _numbers(line):
    return [int(n, 0) for n in re.findall(r"0x[0-9a-f]+|\d+", line)]


def parse_dump(text):
    """(kernels, instructions) of a DUMP_UOP | DUMP_INSN dump."""
    kernels, instructions, current = [], [], None
    for line in text.splitlines():
        if line.startswith("There are") and line.endswith("uops"):
            kernels.append([])
        elif line.startswith("["):
            acc, inp, wgt = map(int, re.findall(r"=(\d+)", line))
            kernels[-1].append((acc, inp, wgt))
        elif line.startswith("INSTRUCTION"):
            current = {"head": line.split(": ", 1)[1]}
            instructions.append(current)
        elif current is not None and line.startswith("\t") and "_queue" not in line:
            key = line.strip().split(" ")[0].rstrip(":")
            current[key] = tuple(_numbers(line.strip()))
    return kernels, instructions


def reference_bases():
    """Element base of each buffer in the reference run's DRAM, derived from the sizes."""
    sizes = [("data", 1 * 16 * 14 * 14 * 16), ("kernel", 16 * 16 * 3 * 3 * 16 * 16),
             ("res", 1 * 16 * 14 * 14 * 16), ("uop staging", 1 << 25)]
    bases, phys = {}, PAGE
    for name, nbytes in sizes:
        bases[name] = phys
        phys += math.ceil(nbytes / PAGE) * PAGE
    return bases


def relative(instruction, bases):
    """The instruction with its DRAM address replaced by (buffer, offset in elements)."""
    out = dict(instruction)
    if "DRAM" in out:
        kind = out["head"].split()[-1].rstrip(":")
        dram, sram = out.pop("DRAM")
        buffer = BUFFER_OF[kind]
        out["DRAM"] = (buffer, dram - bases[buffer] // ELEM_BYTES[kind], sram)
    return out


# --------------------------------------------------------------------- our stream, same form
def _fields(record, table):
    return dict(zip((name for name, _ in table), record))


def as_dump_record(record):
    """One of our instruction records in the reference dump's vocabulary (spec vta.md 4.7)."""
    opcode = record[0]
    if opcode == 3:
        return {"head": "FINISH"}
    table = {0: MEM_FIELDS, 1: MEM_FIELDS, 2: GEMM_FIELDS, 4: ALU_FIELDS}[opcode]
    f = _fields(record, table)
    out = {"dep": (f["pop_prev_dep"], f["pop_next_dep"], f["push_prev_dep"],
                   f["push_next_dep"])}
    if opcode in (0, 1):
        if f["x_size"] == 0:
            stage = "STORE" if opcode == 1 else (
                "MEMORY" if f["memory_type"] in (1, 2) else "COMPUTE")
            out["head"] = f"NOP-{stage}-STAGE"
            return out
        out["head"] = "STORE:" if opcode == 1 else f"LOAD {MEM_NAMES[f['memory_type']]}"
        out["DRAM"] = (f["dram_base"], f["sram_base"])
        out["y"] = (f["y_size"], f["y_pad_0"], f["y_pad_1"])
        out["x"] = (f["x_size"], f["x_stride"], f["x_pad_0"], f["x_pad_1"])
        return out
    out["reset_out"] = (f["reset_reg"],)
    out["range"] = (f["uop_bgn"], f["uop_end"])
    if opcode == 2:
        out["head"] = "GEMM"
        out["outer"] = (f["iter_out"], f["wgt_factor_out"], f["src_factor_out"],
                        f["dst_factor_out"])
        out["inner"] = (f["iter_in"], f["wgt_factor_in"], f["src_factor_in"],
                        f["dst_factor_in"])
    else:
        name = ALU_NAMES[f["alu_opcode"]]
        imm = " imm" if f["use_imm"] and name in ("min", "max", "add") else ""
        out["head"] = f"ALU - {name}{imm}"
        out["outer"] = (f["iter_out"], f["dst_factor_out"], f["src_factor_out"])
        out["inner"] = (f["iter_in"], f["dst_factor_in"], f["src_factor_in"])
    return out


def decode_uops(words):
    """(acc, inp, wgt) of 32-bit micro-ops: dst [10:0], src [21:11], wgt [31:22]."""
    return [(int(w) & 0x7FF, (int(w) >> 11) & 0x7FF, int(w) >> 22) for w in words]


# --------------------------------------------------------------------- the comparison
@pytest.fixture(scope="module")
def reference():
    return parse_dump(insn_dump_text())


@pytest.fixture(scope="module")
def ours(tutorial):
    run = tutorial("convolution_opt")
    arrays = {"data": "data_nd", "kernel": "kernel_nd", "res": "res_nd"}
    bases = {name: device_api.dram_buffer(run.namespace[var].storage).phys_addr
             for name, var in arrays.items()}
    bases["uop staging"] = run.uop_staging_phys
    return [as_dump_record(r) for r in run.records], bases, decode_uops(run.uops)


def test_instruction_count_and_kinds_derived_by_hand(ours):
    """Spec vta.md 7.4: per thread (2) and row block (2), 16 input-channel steps each load
    one input and one weight tile: 64 + 64 loads; 2 x 2 x (1 reset + 16) GEMMs; 3 ALU ops
    per thread and row block; 3136 single-element stores; 10 micro-op loads (5 call sites x
    2 thread keys); NOPs 5 + 3 + 3; one FINISH."""
    records, _, _ = ours
    heads = [r["head"] for r in records]
    count = {h: heads.count(h) for h in set(heads)}
    threads, row_blocks, ic_steps = 2, 2, 16
    assert count["LOAD INP"] == count["LOAD WGT"] == threads * row_blocks * ic_steps
    assert count["GEMM"] == threads * row_blocks * (1 + ic_steps)
    assert sum(v for h, v in count.items() if h.startswith("ALU")) == 3 * threads * row_blocks
    assert count["STORE:"] == 16 * 14 * 14
    assert count["LOAD UOP"] == 5 * threads
    assert (count["NOP-MEMORY-STAGE"], count["NOP-COMPUTE-STAGE"],
            count["NOP-STORE-STAGE"]) == (5, 3, 3)
    assert count["FINISH"] == 1 and len(records) == 3366


def test_every_instruction_equals_the_reference(reference, ours):
    _, want = reference
    records, bases, _ = ours
    want_bases = reference_bases()
    assert len(records) == len(want)
    for i, (got, exp) in enumerate(zip(records, want)):
        got_rel, exp_rel = relative(got, bases), relative(exp, want_bases)
        assert got_rel == exp_rel, f"instruction {i}: ours {got_rel}, reference {exp_rel}"


def test_micro_op_kernels_equal_the_reference(reference, ours):
    """The kernels staged for the run, in order, are the reference's recorded kernels."""
    kernels, _ = reference
    _, _, staged = ours
    assert [len(k) for k in kernels] == [14, 14, 126, 126, 1, 1, 1, 1, 1, 1]
    assert staged == [uop for kernel in kernels for uop in kernel]
