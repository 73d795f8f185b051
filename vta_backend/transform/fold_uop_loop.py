"""FoldUopLoop (phase 3, after access pointers became SRAM indices): turns up to two outer
loops of each GEMM micro-op kernel into the kernel's hardware loop levels.

A `coproc_uop_scope("VTAPushGEMMOp")` body of the form

    for co in range(8):            # dst index += 98, src += 0, wgt += 9 per iteration
        for i in range(7):
            ... uop_push(0, 0, dst, src, wgt, ...) ...

becomes `VTAUopLoopBegin(8, 98, 0, 9); VTAUopLoopBegin(7, ...); <body with the loop
variables removed from the pushes>; VTAUopLoopEnd(); VTAUopLoopEnd()`, provided every
push's dst/src/wgt index is affine in the loop variable with the same coefficients in
all pushes, and the variable is used nowhere else. A loop that cannot be folded stays:
its iterations each record micro-ops when the kernel is built. Folding shrinks the kernel
(126 micro-ops instead of 7056 for the convolution), which is what `uop_load_nbytes`
counts. ALU scopes are left alone: InjectALUIntrin already emitted their loops.
"""
from __future__ import annotations

from dataclasses import replace

from minitvm.tir import expr as E
from minitvm.tir import stmt as S
from minitvm.tir.functor import Mutator
from minitvm.transform.pass_infra import FLATTENED, lowering_pass

from .common import (COMMAND_HANDLE, PUSH_GEMM, THREAD_CONTEXT, UOP_PUSH, UOP_SCOPE, extern,
                     uses_var)
from .linear import detect_linear_equation

ADDRESS_ARGS = (2, 3, 4)         # dst, src, wgt of tir.vta.uop_push


class _StripLoopVar(Mutator):
    """Moves `loop_var` out of every micro-op push, collecting its coefficients."""

    def __init__(self, loop_var):
        self.loop_var = loop_var
        self.factors = [None, None, None]
        self.ok = True

    def visit_Call(self, node):
        node = self.generic_visit(node)
        if node.op == UOP_PUSH:
            return self.strip(node)
        if node.op not in (COMMAND_HANDLE, THREAD_CONTEXT):
            self.ok = False
        return node

    def strip(self, push):
        args = list(push.args)
        for slot, i in enumerate(ADDRESS_ARGS):
            found = detect_linear_equation(args[i], [self.loop_var])
            if found is None:
                self.ok = False
                return push
            (coeff,), base = found
            if self.factors[slot] not in (None, coeff):
                self.ok = False
                return push
            self.factors[slot] = coeff
            args[i] = base.to_expr(args[i].dtype)
        return replace(push, args=tuple(args))


def _fold_outermost(body):
    """`(begin, new_body, end)` folding the loop `body`, or None when it cannot."""
    if not isinstance(body, S.For):
        return None
    stripper = _StripLoopVar(body.loop_var)
    inner = stripper.visit(body.body)
    if not stripper.ok or None in stripper.factors or uses_var(inner, body.loop_var):
        return None
    return extern("VTAUopLoopBegin", body.extent, *stripper.factors), inner, extern("VTAUopLoopEnd")


class _FoldGEMMKernels(Mutator):
    def visit_AttrStmt(self, node):
        if not (node.attr_key == UOP_SCOPE and isinstance(node.value, E.StringImm)
                and node.value.value == PUSH_GEMM.value):
            return self.generic_visit(node)
        begins, body, ends = [], node.body, []
        for _ in range(2):          # a runtime micro-op kernel has at most two loop levels
            folded = _fold_outermost(body)
            if folded is None:
                break
            begin, body, end = folded
            begins.append(begin)
            ends.append(end)
        if not begins:
            return node
        return replace(node, body=S.seq(*begins, body, *ends))


@lowering_pass("tir.vta.FoldUopLoop", requires=(FLATTENED,))
def fold_uop_loop(func):
    """Fold the outer loops of GEMM micro-op kernels into VTAUopLoopBegin/End levels."""
    return func.with_body(_FoldGEMMKernels().visit(func.body))
