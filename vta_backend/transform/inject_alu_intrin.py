"""InjectALUIntrin (phase 2, after InjectVirtualThread and StorageRewrite): rewrites each
`pragma_alu` loop nest into one ALU micro-op with hardware loops.

The nest must be loops around one accumulator update `dst[i] = dst[i] op src[j]` (or
`op imm`): the earlier in-place storage rewrite has made an element-wise stage such as
`res_shr = res_conv >> 8` read and write one SRAM region. The value gives the opcode:
`+` ADD, `*` MUL, `min` MIN, `max` MAX, `x >> k` SHR k, `x << k` SHR -k, a plain copy SHR 0;
an integer operand becomes the (signed) immediate. `x - k` is ADD with the immediate -k:
the simplifier turns the user's `x + -k` into it, and VTA has no subtraction opcode. The
store and source indices are affine in the loops (`detect_linear_equation`); the
innermost loop walks the 16 lanes of one element
(coefficient 1, element-aligned offsets), so it is dropped and everything else is divided
into element units. Adjacent loops that walk memory contiguously for both operands are
merged (`8 x 7 x 14` elements become one loop of 784), and the result is

    VTAUopLoopBegin(784, 1, 1, 0)
    uop_push(1, 0, dst_offset, src_offset, 0, opcode, use_imm, imm)
    VTAUopLoopEnd()

It runs after virtual threads are injected so that the thread's offset (`cthread_s*784`)
is part of the micro-op's base index, which makes one kernel per thread.
"""
from __future__ import annotations

from minitvm.tir import expr as E
from minitvm.tir import op
from minitvm.tir import stmt as S
from minitvm.tir.functor import Mutator
from minitvm.transform.pass_infra import FLATTENED, lowering_pass

from ..environment import VTAError, get_env
from ..isa import IMM_MAX, IMM_MIN
from .common import extern, match_pragma, strip_loops, uop_push
from .linear import detect_linear_equation


class ALUPatternError(VTAError, ValueError):
    """An `alu` stage that VTA's vector ALU cannot run."""


MAX_LOOP_LEVELS = 2                   # loop levels of one runtime micro-op kernel


def _error(stage, rule):
    return ALUPatternError(f"alu stage '{stage}': {rule}")


_BINARY = {E.Add: "ALU_OPCODE_ADD", E.Mul: "ALU_OPCODE_MUL", E.Min: "ALU_OPCODE_MIN",
           E.Max: "ALU_OPCODE_MAX"}


def alu_operation(dev, value, stage):
    """`(opcode, lhs, rhs)` of an ALU stage's stored value (shifts left become right
    shifts by a negated amount, a copy a shift by 0)."""
    name = _BINARY.get(type(value))
    if name is not None:
        return getattr(dev, name), value.a, value.b
    if isinstance(value, E.Call) and value.op == "tir.shift_right":
        return dev.ALU_OPCODE_SHR, value.args[0], value.args[1]
    if isinstance(value, E.Call) and value.op == "tir.shift_left":
        amount = value.args[1]
        if not isinstance(amount, E.IntImm):
            raise _error(stage, f"a left shift needs a constant amount, not {amount!r}")
        return dev.ALU_OPCODE_SHR, value.args[0], op.const(-amount.value, amount.dtype)
    if isinstance(value, E.BufferLoad):
        return dev.ALU_OPCODE_SHR, value, op.const(0)
    if isinstance(value, E.Sub) and isinstance(value.b, E.IntImm):
        return dev.ALU_OPCODE_ADD, value.a, op.const(-value.b.value, value.b.dtype)
    if isinstance(value, E.Sub):
        raise _error(stage, "VTA's ALU has no subtraction (it has min, max, add, shift "
                     "right and mul); only an integer can be subtracted, as an added negative "
                     "immediate: negate the tensor in its own alu stage (x * -1) and add it")
    raise _error(stage, f"VTA's ALU computes min, max, add, mul and shifts of accumulator "
                 f"elements, not {value!r}")


class _Operand:
    """An accumulator read: index coefficients per loop and the remaining offset."""

    def __init__(self, coeffs, base):
        self.coeffs, self.base = coeffs, base

    def same_as(self, other):
        return self.coeffs == other.coeffs and (self.base - other.base).is_const(0)


def _index(stage, index, loop_vars):
    found = detect_linear_equation(index, loop_vars)
    if found is None:
        raise _error(stage, f"index {index!r} is not affine in the stage's loops")
    return _Operand(*found)


def _read(stage, expr, dst_var, loop_vars):
    if not (isinstance(expr, E.BufferLoad) and expr.buffer.data is dst_var):
        raise _error(stage, f"operand {expr!r} must be read from the accumulator region the "
                     "stage writes: VTA's ALU updates dst = dst op src in place, so the stage "
                     "must be element-wise on its input")
    return _index(stage, expr.indices[0], loop_vars)


def _nest(attr):
    """`(stage name, loops, store)` of an alu pragma's loop nest."""
    loops, body = strip_loops(attr.body)
    if not isinstance(body, S.BufferStore) or len(body.indices) != 1:
        raise ALUPatternError(f"alu pragma: expected loops around one accumulator store, "
                              f"found {body!r}")
    return body.buffer.name, loops, body


def _check_immediate(stage, imm):
    if not IMM_MIN <= imm.value <= IMM_MAX:
        raise _error(stage, f"the immediate {imm.value} does not fit the ALU's signed "
                     f"immediate field ([{IMM_MIN}, {IMM_MAX}])")


def check_elementwise(env, attr):
    """Check, while stage names are still intact (phase 1, before the storage rewrite
    renames buffers), that an alu stage is an ALU operation reading one operand at the
    index it writes: only then can it run in place."""
    stage, loops, body = _nest(attr)
    loop_vars = [f.loop_var for f in loops]
    _, lhs, rhs = alu_operation(env.dev, body.value, stage)
    for imm in (x for x in (lhs, rhs) if isinstance(x, E.IntImm)):
        _check_immediate(stage, imm)
    dst = _index(stage, body.indices[0], loop_vars)
    reads = [x for x in (lhs, rhs) if not isinstance(x, E.IntImm)]
    if not all(isinstance(x, E.BufferLoad) and len(x.indices) == 1 for x in reads):
        raise _error(stage, "its operands must be accumulator reads or integer constants")
    if not any(_index(stage, x.indices[0], loop_vars).same_as(dst) for x in reads):
        raise _error(stage, "it is not element-wise in place: no operand is read at the "
                     "index it writes, but VTA's ALU computes dst = dst op src on the "
                     "accumulator, so one input must be the output's own element")


def _operands(stage, lhs, rhs, dst, dst_var, loop_vars):
    """`(src, use_imm, imm)`: the operand that is not the destination itself."""
    if isinstance(rhs, E.IntImm):
        return _read(stage, lhs, dst_var, loop_vars), 1, rhs
    if isinstance(lhs, E.IntImm):
        return _read(stage, rhs, dst_var, loop_vars), 1, lhs
    a = _read(stage, lhs, dst_var, loop_vars)
    b = _read(stage, rhs, dst_var, loop_vars)
    if a.same_as(dst):
        return b, 0, op.const(0)
    if b.same_as(dst):
        return a, 0, op.const(0)
    raise _error(stage, "neither operand is read at the index the stage writes, so it is "
                 "not element-wise in place (dst = dst op src)")


def _elements(stage, operand, extents, lanes, batch, block_out):
    """Coefficients and offset in whole accumulator elements, lane loops dropped."""
    lane_loops = 1 if batch == 1 else 2
    if len(extents) < lane_loops:
        raise _error(stage, "the nest must end in the loop over the lanes of an element")
    if operand.coeffs[-1] != 1 or (batch > 1 and operand.coeffs[-2] != block_out):
        raise _error(stage, "the innermost loop must walk the lanes of one element "
                     "(index coefficient 1)")
    coeffs = operand.coeffs[:-lane_loops]
    if any(c < 0 for c in coeffs):
        raise _error(stage, f"its index steps backwards (coefficients {operand.coeffs}); "
                     "VTA's micro-op loops only step forward")
    offset = operand.base.exact_div(lanes)
    if offset is None or any(c % lanes for c in coeffs):
        raise _error(stage, f"it must access whole elements of {lanes} lanes, but its index "
                     f"has coefficients {operand.coeffs} and offset {operand.base.to_expr()!r}")
    return [c // lanes for c in coeffs], offset


def _flatten_loops(extents, dst, src):
    """Merge neighbouring loops that step contiguously in both operands (innermost
    first): `[(extent, dst_coeff, src_coeff)]`, outermost first."""
    merged = []
    for ext, d, s in reversed(list(zip(extents, dst, src))):
        if merged:
            inner_ext, inner_d, inner_s = merged[-1]
            if d == inner_d * inner_ext and s == inner_s * inner_ext:
                merged[-1] = (inner_ext * ext, inner_d, inner_s)
                continue
        merged.append((ext, d, s))
    return list(reversed(merged))


def _alu_kernel(env, attr):
    stage, loops, body = _nest(attr)
    extents = [f.extent.value if isinstance(f.extent, E.IntImm) else None for f in loops]
    if None in extents:
        raise _error(stage, "VTA's micro-op loops need constant extents")
    loop_vars = [f.loop_var for f in loops]
    opcode, lhs, rhs = alu_operation(env.dev, body.value, stage)
    dst = _index(stage, body.indices[0], loop_vars)
    src, use_imm, imm = _operands(stage, lhs, rhs, dst, body.buffer.data, loop_vars)
    lanes = env.BATCH * env.BLOCK_OUT
    dst_units, dst_offset = _elements(stage, dst, extents, lanes, env.BATCH, env.BLOCK_OUT)
    src_units, src_offset = _elements(stage, src, extents, lanes, env.BATCH, env.BLOCK_OUT)
    outer = extents[:len(dst_units)]
    levels = _flatten_loops(outer, dst_units, src_units) if outer else []
    if len(levels) > MAX_LOOP_LEVELS:
        raise _error(stage, f"its loops need {len(levels)} micro-op loop levels after merging "
                     f"contiguous ones; a VTA kernel has at most {MAX_LOOP_LEVELS}")
    if use_imm:
        _check_immediate(stage, imm)
    return S.seq(
        *(extern("VTAUopLoopBegin", ext, d, s, 0) for ext, d, s in levels),
        uop_push(1, 0, dst_offset.to_expr(), src_offset.to_expr(), 0, opcode, use_imm, imm),
        *(extern("VTAUopLoopEnd") for _ in levels))


class _InjectALU(Mutator):
    def __init__(self, env):
        self.env = env

    def visit_AttrStmt(self, node):
        if match_pragma(node, "alu"):
            return _alu_kernel(self.env, node)
        return self.generic_visit(node)


@lowering_pass("tir.vta.InjectALUIntrin", requires=(FLATTENED,))
def inject_alu_intrin(func):
    """Rewrite `alu` stages into VTA ALU micro-op kernels."""
    return func.with_body(_InjectALU(get_env()).visit(func.body))

