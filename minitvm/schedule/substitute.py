"""Substituting IterVars while building loop nests (TVM's `te::Substitute` on iter vars)."""
from __future__ import annotations

from ..tir.functor import substitute


def substitute_iter_vars(node, values):
    """`node` with the variable of each IterVar of `values` replaced by its value."""
    return substitute(node, {iv.var: value for iv, value in values.items()})
