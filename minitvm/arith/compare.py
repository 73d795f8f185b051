"""Outcomes of comparing two expressions (TVM's `arith::CompareResult`).

A bit set over {<, =, >}: EQ=1, LT=2, GT=4; LE, GE, NE are the unions and UNKNOWN
is all three. The rewrite simplifier decides comparisons, min/max and
divisions with them.
"""
import enum


class CompareResult(enum.IntFlag):
    INCONSISTENT = 0
    EQ = 1
    LT = 2
    LE = 3
    GT = 4
    GE = 5
    NE = 6
    UNKNOWN = 7


def is_index_type(dtype):
    """int32/int64: the dtypes whose expressions index rules apply to (IsIndexType)."""
    return dtype in ("int32", "int64")
