"""LiftAttrScope(key) (TVM's `tir.transform.LiftAttrScope`; phase 1 of the VTA pipeline,
run for `coproc_uop_scope` and for `coproc_scope`): pulls every `AttrStmt` with that key
outward as far as it can go.

The attribute moves up through loops, lets and other attributes; in a sequence, runs of
consecutive children carrying the same attribute (same node, and the same value: integer
constants by value, anything else only if it is the same object) are grouped under one
copy, and when every child agrees the attribute moves above the sequence. It stops at an
`Allocate` (re-inserted just inside it) and crosses an if/else only when both branches
agree. On VTA this makes a GEMM kernel's `coproc_uop_scope` cover the loop nest around
the tensorized call (so FoldUopLoop can turn loops into micro-op loops), and merges
neighbouring scopes of one queue, such as the input and weight loads of one tile, so
CoProcSync puts one token pair around both.
"""
from __future__ import annotations

from dataclasses import replace

from minitvm.tir import expr as E
from minitvm.tir import stmt as S
from minitvm.tir.functor import Mutator
from minitvm.transform.pass_infra import FLATTENED, lowering_pass


def _same_value(a, b):
    if a is b:
        return True
    return (isinstance(a, E.IntImm) and isinstance(b, E.IntImm) and a.dtype == b.dtype
            and a.value == b.value)


def _same_attr(a, b):
    """Two lifted attributes `(node, value)` (or None) that may share one scope."""
    if a is None or b is None:
        return a is b
    return a[0] is b[0] and _same_value(a[1], b[1])


class _Lifter(Mutator):
    """Rewrites a statement; `self.lifted` is the `(node, value)` pulled out of it."""

    def __init__(self, key):
        self.key = key
        self.lifted = None

    def wrap(self, attr, body):
        return body if attr is None else S.AttrStmt(attr[0], self.key, attr[1], body)

    def visit_AttrStmt(self, node):
        if node.attr_key == self.key:
            self.lifted = (node.node, node.value)
            return node.body
        return self.generic_visit(node)

    def visit_Allocate(self, node):
        node = self.generic_visit(node)
        if self.lifted is None:
            return node
        body, self.lifted = self.wrap(self.lifted, node.body), None
        return replace(node, body=body)

    def visit_SeqStmt(self, node):
        children, attrs = [], []
        for child in node.seq:
            self.lifted = None
            children.append(self.visit(child))
            attrs.append(self.lifted)
        groups = []
        for child, attr in zip(children, attrs):
            if groups and _same_attr(groups[-1][0], attr):
                groups[-1][1].append(child)
            else:
                groups.append((attr, [child]))
        if len(groups) == 1:
            self.lifted = groups[0][0]
            return S.seq(*children)
        self.lifted = None
        return S.seq(*(self.wrap(attr, S.seq(*stmts)) for attr, stmts in groups))

    def visit_IfThenElse(self, node):
        if node.else_case is None:
            return self.generic_visit(node)
        self.lifted = None
        then_case = self.visit(node.then_case)
        then_attr, self.lifted = self.lifted, None
        else_case = self.visit(node.else_case)
        else_attr = self.lifted
        if then_attr is not None and _same_attr(then_attr, else_attr):
            self.lifted = then_attr
        else:
            then_case, else_case = self.wrap(then_attr, then_case), self.wrap(else_attr, else_case)
            self.lifted = None
        if then_case is node.then_case and else_case is node.else_case:
            return node
        return S.IfThenElse(node.condition, then_case, else_case)

    def visit_Evaluate(self, node):       # leaves: no statement inside to lift
        return node

    visit_BufferStore = visit_Evaluate


def lift_attr_scope(attr_key):
    """The pass lifting `attr_key` attributes outward (see the module docstring)."""

    @lowering_pass("tir.LiftAttrScope", requires=(FLATTENED,))
    def run(func):
        lifter = _Lifter(attr_key)
        body = lifter.visit(func.body)
        return func.with_body(lifter.wrap(lifter.lifted, body))

    return run
