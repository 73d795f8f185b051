"""Variable substitution for building loop nests (TVM's `te::Substitute`).

Only uses of variables are replaced; a loop's or let's own variable stays (a loop of
extent one is a `let i = 0` while its uses become 0).
"""
from __future__ import annotations

from dataclasses import replace

from ..tir.functor import Mutator


class _Substitute(Mutator):
    def __init__(self, vmap):
        self.vmap = vmap

    def visit_Var(self, node):
        return self.vmap.get(node, node)

    def visit_LetStmt(self, node):
        value, body = self.visit(node.value), self.visit(node.body)
        if value is node.value and body is node.body:
            return node
        return replace(node, value=value, body=body)

    def visit_For(self, node):
        new = [self.visit(x) for x in (node.min, node.extent, node.body)]
        if all(a is b for a, b in zip(new, (node.min, node.extent, node.body))):
            return node
        return replace(node, min=new[0], extent=new[1], body=new[2])


def substitute(node, vmap):
    """`node` with each Var of `vmap` (identity keys) used in it replaced by its value,
    unfolded."""
    return _Substitute(vmap).visit(node) if vmap else node


def substitute_iter_vars(node, values):
    """`node` with the variable of each IterVar of `values` replaced by its value."""
    return substitute(node, {iv.var: value for iv, value in values.items()})
