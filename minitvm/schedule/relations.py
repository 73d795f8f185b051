"""The relations a stage records between its iteration variables.

Primitives only append these (record); bound inference reads them to derive every
variable's range (infer); the loop-nest builder reads them to express the original
axes through the loops that remain (build).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

from ..tir.expr import IterVar, PrimExpr


@dataclass(frozen=True, eq=False)
class Split:
    """`parent` = `outer` * extent(inner) + `inner`; `factor` or `nparts` (an int or a
    symbolic expression) fixes the split. `disable_predication` drops the bound check a
    non-dividing split would need (the user promises it divides)."""
    parent: IterVar
    outer: IterVar
    inner: IterVar
    factor: Optional[Union[int, PrimExpr]]
    nparts: Optional[Union[int, PrimExpr]]
    disable_predication: bool = False


@dataclass(frozen=True, eq=False)
class Fuse:
    """`fused` = `outer` * extent(inner) + `inner`."""
    outer: IterVar
    inner: IterVar
    fused: IterVar


@dataclass(frozen=True, eq=False)
class Rebase:
    """`parent` = `rebased` + min(parent): loops always start at zero (normalize adds it)."""
    parent: IterVar
    rebased: IterVar


@dataclass(frozen=True, eq=False)
class Singleton:
    """`iter` is a loop of one iteration that no axis depends on (`fuse()` of no axes)."""
    iter: IterVar
