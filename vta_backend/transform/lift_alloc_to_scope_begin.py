"""LiftAllocToScopeBegin (phase 1, between the two LiftAttrScope runs): hoists every
`Allocate` to the start of the innermost enclosing loop body, `virtual_thread` body or
function body.

ScheduleOps nests each stage's allocation around the rest of its attach point
(`alloc res_shr { shr; alloc res_max { max; ... } }`), which would stop LiftAttrScope from
grouping the stages' coprocessor scopes. With the allocations gathered at the top, the
three ALU stages of the convolution sit side by side in one sequence and share one
`coproc_scope(2)`, and EarlyRewrite sees all on-chip tiles of a scope together.
"""
from __future__ import annotations

from dataclasses import replace

from minitvm.tir.functor import Mutator
from minitvm.transform.pass_infra import FLATTENED, lowering_pass


class _Hoister(Mutator):
    def __init__(self):
        self.pending = [[]]         # allocations waiting for their scope, innermost last

    def visit_Allocate(self, node):
        node = self.generic_visit(node)
        self.pending[-1].append(node)
        return node.body

    def visit_For(self, node):
        return self.collect(node)

    def visit_AttrStmt(self, node):
        if node.attr_key == "virtual_thread":
            return self.collect(node)
        return self.generic_visit(node)

    def collect(self, node):
        self.pending.append([])
        node = self.generic_visit(node)
        allocs = self.pending.pop()
        return replace(node, body=wrap(allocs, node.body)) if allocs else node


def wrap(allocs, body):
    """`body` inside the allocations, the first collected innermost (so nested
    allocations keep their nesting order)."""
    for alloc in allocs:
        body = replace(alloc, body=body)
    return body


@lowering_pass("tir.vta.LiftAllocToScopeBegin", requires=(FLATTENED,))
def lift_alloc_to_scope_begin(func):
    """Move each allocation to the beginning of its enclosing loop or thread scope."""
    hoister = _Hoister()
    body = hoister.visit(func.body)
    return func.with_body(wrap(hoister.pending[0], body))
