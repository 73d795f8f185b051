"""The relations a stage records between its iteration variables.

Primitives only append these (record); bound inference reads them to derive every
variable's range (infer); the loop-nest builder reads them to express the original
axes through the loops that remain (build).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..tir.expr import IterVar


@dataclass(frozen=True, eq=False)
class Split:
    """`parent` = `outer` * extent(inner) + `inner`; `factor` or `nparts` fixes the split."""
    parent: IterVar
    outer: IterVar
    inner: IterVar
    factor: Optional[int]
    nparts: Optional[int]


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
