"""InjectALUIntrin (and the phase-1 check in AnnotateALUCoProcScope) on hand-built ALU
stages; expected micro-ops derived from spec vta.md 5.10 and listing 3."""
import pytest

from minitvm.tir import op
from vta_backend.environment import get_env
from vta_backend.transform import annotate_alu_coproc_scope, inject_alu_intrin
from vta_backend.transform.inject_alu_intrin import ALUPatternError

from vtair import (attrs, calls, extern_args, flat, func, load, loop, nest, pragma, same_values,
                   store, var)

ENV = get_env()
DEV = ENV.dev


def conv_alu(make_value):
    """One of listing 3's ALU stages after virtual-thread injection and the in-place
    rewrite: res_conv's 8x7x14 tile of 16-lane elements per thread, updated in place."""
    acc = flat("res_conv", "int32", 25088, ENV.acc_scope)
    t, i1, i2, i3, i5 = (var(n) for n in ("cthread_s", "i1", "i2", "i3", "i5"))
    index = t * 12544 + i1 * 1568 + i2 * 224 + i3 * 16 + i5
    stage = nest([(i1, 8), (i2, 7), (i3, 14), (i5, 16)],
                 # res_conv's buffer stands in for res_shr after the in-place rewrite
                 store(acc, index, make_value(load(acc, index))))
    return t, loop(t, 2, pragma("alu", stage))


@pytest.mark.parametrize("make_value, opcode, imm", [
    (lambda x: op.shift_right(x, 8), DEV.ALU_OPCODE_SHR, 8),
    (lambda x: op.max(x, 0), DEV.ALU_OPCODE_MAX, 0),
    (lambda x: op.min(x, 127), DEV.ALU_OPCODE_MIN, 127),
    (lambda x: op.shift_left(x, 2), DEV.ALU_OPCODE_SHR, -2),
    (lambda x: x + 5, DEV.ALU_OPCODE_ADD, 5),
    (lambda x: x * 3, DEV.ALU_OPCODE_MUL, 3),
    # `x + -5` reaches the pass as `x - 5`: VTA has no subtraction, the immediate is signed
    (lambda x: x - 5, DEV.ALU_OPCODE_ADD, -5),
    (lambda x: x - 32768, DEV.ALU_OPCODE_ADD, -32768),      # the most negative int16
])
def test_listing_3_alu_kernel(make_value, opcode, imm):
    t, stage = conv_alu(make_value)
    body = inject_alu_intrin(func(stage)).body
    begin, = calls(body, "VTAUopLoopBegin")
    assert [a.value for a in extern_args(begin)] == [784, 1, 1, 0]
    push, = calls(body, "tir.vta.uop_push")
    mode, reset, dst, src, wgt, got_opcode, use_imm, got_imm = push.args
    assert [mode.value, reset.value, wgt.value] == [1, 0, 0]
    assert same_values(dst, lambda v: v * 784, {t: range(2)})
    assert same_values(src, lambda v: v * 784, {t: range(2)})
    assert [got_opcode.value, use_imm.value, got_imm.value] == [opcode, 1, imm]
    assert len(calls(body, "VTAUopLoopEnd")) == 1 and not attrs(body, "pragma_alu")


def test_tensor_tensor_add_reads_the_other_operand():
    """vta_get_started: C_buf (in place on A_buf) = A_buf + B_buf, B_buf at element 64."""
    acc = flat("A_buf", "int32", 2048, ENV.acc_scope)
    i, j = var("i1"), var("i3")
    stage = nest([(i, 64), (j, 16)],
                 store(acc, i * 16 + j,
                                           load(acc, i * 16 + j) + load(acc, 1024 + i * 16 + j)))
    body = inject_alu_intrin(func(pragma("alu", stage))).body
    begin, = calls(body, "VTAUopLoopBegin")
    push, = calls(body, "tir.vta.uop_push")
    assert [a.value for a in extern_args(begin)] == [64, 1, 1, 0]
    assert [a.value for a in push.args] == [1, 0, 0, 64, 0, DEV.ALU_OPCODE_ADD, 0, 0]


def test_loops_that_do_not_walk_memory_contiguously_stay_separate():
    """Every other element of 4 rows 10 elements apart: two loop levels, steps 10 and 2
    (the row step is not 4 x 2, so the rows cannot merge into one loop)."""
    acc = flat("acc", "int32", 1024, ENV.acc_scope)
    i, j, k = var("i"), var("j"), var("k")
    index = i * 160 + j * 32 + k
    stage = nest([(i, 4), (j, 4), (k, 16)],
                 store(acc, index, op.max(load(acc, index), 0)))
    body = inject_alu_intrin(func(pragma("alu", stage))).body
    assert [[a.value for a in extern_args(c)] for c in calls(body, "VTAUopLoopBegin")] == [
        [4, 10, 10, 0], [4, 2, 2, 0]]


def phase1(stage_name, make_value):
    """An ALU stage as AnnotateALUCoProcScope sees it: res_shr reading res_conv."""
    src = flat("res_conv", "int32", 1024, ENV.acc_scope)
    dst = flat(stage_name, "int32", 1024, ENV.acc_scope)
    i, j = var("i1"), var("i5")
    return func(pragma("alu", nest([(i, 64), (j, 16)],
                                   store(dst, i * 16 + j,
                                                             make_value(src, i, j)))))


def test_annotation_wraps_the_stage_in_compute_scopes():
    body = annotate_alu_coproc_scope(phase1("res_shr", lambda s, i, j: op.shift_right(
        load(s, i * 16 + j), 8))).body
    assert body.attr_key == "coproc_scope" and body.value.value == 2
    assert body.body.attr_key == "coproc_uop_scope" and body.body.value.value == "VTAPushALUOp"


def test_stage_not_elementwise_in_place_is_refused_with_its_name():
    """res_shr reads res_conv transposed: no operand at the written index."""
    transposed = lambda s, i, j: op.shift_right(load(s, j * 64 + i), 8)  # noqa: E731
    with pytest.raises(ALUPatternError, match="alu stage 'res_shr': it is not element-wise in place"):
        annotate_alu_coproc_scope(phase1("res_shr", transposed))


def test_subtracting_a_tensor_is_refused_with_the_stage_name():
    minus = lambda s, i, j: load(s, i * 16 + j) - load(s, i * 16 + j)  # noqa: E731
    with pytest.raises(ALUPatternError, match="alu stage 'res_sub': VTA's ALU has no subtraction"
                                              r".*negate the tensor in its own alu stage"):
        annotate_alu_coproc_scope(phase1("res_sub", minus))


@pytest.mark.parametrize("make_value, imm", [
    (lambda x: op.min(x, 40000), 40000),
    (lambda x: x + 32768, 32768),
    (lambda x: x - 32769, -32769),          # ADD -32769: one below the int16 range
])
def test_immediate_outside_the_signed_16_bit_field_is_refused(make_value, imm):
    _, stage = conv_alu(make_value)
    with pytest.raises(ALUPatternError, match=f"alu stage 'res_conv': the immediate {imm} does "
                                              r"not fit the ALU's signed immediate field "
                                              r"\(\[-32768, 32767\]\)"):
        inject_alu_intrin(func(stage))


def test_more_than_two_loop_levels_is_refused():
    """Three strided levels (steps 50, 10, 2 elements over 4 iterations each) cannot merge."""
    acc = flat("acc", "int32", 8192, ENV.acc_scope)
    i, j, k, lane = var("i"), var("j"), var("k"), var("lane")
    index = i * 800 + j * 160 + k * 32 + lane
    stage = nest([(i, 4), (j, 4), (k, 4), (lane, 16)],
                 store(acc, index, op.max(load(acc, index), 0)))
    with pytest.raises(ALUPatternError, match="alu stage 'acc': its loops need 3 micro-op loop levels"):
        inject_alu_intrin(func(pragma("alu", stage)))
