"""Tensor expressions (TVM's `tvm.te`): declare a computation as a DAG of tensors.

`placeholder` and `compute` declare tensors; `sum`/`max`/`min` reduce over
`reduce_axis`es (and `max`/`min` of two expressions are elementwise); `create_schedule`
starts scheduling the DAG (see `minitvm.schedule`).
"""
from ..tir.op import const, floordiv, floormod
from ..tir.intrin import (abs, acos, acosh, asin, asinh, atan, atanh, ceil, cos, cosh, erf,
                          exp, exp10, exp2, floor, fmod, isnan, log, log10, log1p, log2,
                          nearbyint, popcount, power, round, rsqrt, sigmoid, sin, sinh, sqrt,
                          tan, tanh, trunc)
from .errors import (ComputeBodyError, ReductionError, ShapeError, TEDTypeError, TEError,
                     TensorIndexError, TensorIntrinError)
from .extern import ExternOp, extern
from .operation import compute, placeholder, reduce_axis, size_var, thread_axis, var
from .reduction import comm_reducer, max, max_value, min, min_value, sum  # noqa: A004
from .tag import TagScope, tag_scope
from .tensor import ComputeOp, Operation, PlaceholderOp, Tensor, TensorSlice
from .tensor_intrin import TensorIntrin, decl_tensor_intrin


def __getattr__(name):
    # `tvm.te.schedule` (InferBound, ScheduleOps, ...) loads on first use: it imports the
    # schedule package, which imports this one
    if name == "schedule":
        import importlib
        return importlib.import_module(f"{__name__}.schedule")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def create_schedule(ops):
    """A schedule for the DAG computing `ops` (an operation or a list of them)."""
    from ..schedule import create_schedule as _create
    return _create(ops)


__all__ = ["floordiv", "floormod", "size_var", "ComputeBodyError", "ComputeOp", "ExternOp", "Operation", "PlaceholderOp",
           "ReductionError", "ShapeError", "TEDTypeError", "TEError", "Tensor",
           "TensorIndexError", "TensorIntrin", "TensorIntrinError", "extern",
           "TensorSlice", "comm_reducer", "compute", "const", "create_schedule",
           "decl_tensor_intrin", "max", "max_value", "min", "min_value", "placeholder",
           "reduce_axis", "sum", "tag_scope", "TagScope", "thread_axis", "var"]
