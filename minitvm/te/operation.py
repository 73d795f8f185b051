"""Declaring tensors: `placeholder`, `compute` and the variables they use (TVM's
`te.placeholder`, `te.compute`, `te.var`, `te.const`, `te.reduce_axis`, `te.thread_axis`).
"""
from __future__ import annotations

import inspect
import threading

from ..tir import dtype as dt
from ..tir.expr import IntImm, IterVar, IterVarType, PrimExpr, Range, SizeVar, Var
from ..tir.op import DTypeMismatchError, convert
from .errors import ComputeBodyError, ShapeError, TEDTypeError, TEError, tensors_read
from .tag import TagScope
from .tensor import ComputeOp, PlaceholderOp

_declaring = threading.local()


def compute_being_declared():
    """Name of the te.compute whose body is being built, or None outside any."""
    stack = getattr(_declaring, "stack", None)
    return stack[-1] if stack else None


def placeholder(shape, dtype=None, name="placeholder"):
    """An input tensor of `shape` and `dtype` (default float32)."""
    return PlaceholderOp(name, shape_of(shape, name), dt.check(dtype or "float32")).output(0)


def compute(shape, fcompute, name="compute", tag="", attrs=None):
    """The tensor `out[i...] = fcompute(i...)` over `shape`.

    The lambda's argument names become the axis names; `lambda *i` gives i0, i1, ...
    A lambda returning a tuple declares one op with several outputs, all over `shape`:
    the result is then the list of its tensors. Inside a `te.tag_scope`, the scope's
    tag is the default tag.
    """
    tag = scoped_tag(tag, name)
    shape = shape_of(shape, name)
    dims = len(shape)
    arg_names = _axis_names(fcompute, dims, name)
    axis = [IterVar(Range(IntImm("int32", 0), extent), Var(n), IterVarType.DATA_PAR)
            for n, extent in zip(arg_names, shape)]
    stack = getattr(_declaring, "stack", None)
    if stack is None:
        stack = _declaring.stack = []
    stack.append(name)
    try:
        body = fcompute(*[iv.var for iv in axis])
    except DTypeMismatchError as err:
        raise TEDTypeError(_mismatch_message(name, err)) from None
    finally:
        stack.pop()
    bodies = tuple(body) if isinstance(body, (list, tuple)) else (body,)
    if not bodies:
        raise ValueError(f"te.compute '{name}': the index function returned no expression")
    op = ComputeOp(name, tag, dict(attrs or {}), axis, tuple(_body(b, name) for b in bodies))
    return op.outputs[0] if len(op.outputs) == 1 else list(op.outputs)


def _body(expr, name):
    try:
        value = convert(expr)
    except TypeError:
        value = None
    if value is None or value.dtype == "handle":    # a string converts to a StringImm
        raise ComputeBodyError(f"te.compute '{name}': the index function returned {expr!r}, "
                               "which is not a numeric expression")
    return value


def scoped_tag(tag, name):
    """The tag of an op declared now: `tag`, or the enclosing te.tag_scope's."""
    scope = TagScope.current()
    if scope is None:
        return tag
    if tag:
        raise TEError(f"te.compute '{name}': tag '{tag}' given inside "
                      f"te.tag_scope('{scope.tag}'); give one or the other")
    return scope.tag


def _mismatch_message(name, err):
    parts = []
    for operand in getattr(err, "operands", ()):
        reads = tensors_read(operand)
        what = f"an operand reading {', '.join(repr(r) for r in reads)}" if reads \
            else "an operand"
        parts.append(f"{what} of dtype {operand.dtype}")
    detail = " with ".join(parts) if parts else str(err)
    return (f"te.compute '{name}': cannot combine {detail}; "
            "cast one side with .astype(...) first")


def shape_of(shape, name):
    if isinstance(shape, (int, PrimExpr)):
        shape = (shape,)
    try:
        shape = tuple(shape)
    except TypeError:
        raise ShapeError(f"tensor '{name}': the shape must be a tuple or list of extents, "
                         f"got {shape!r}") from None
    result = []
    for k, extent in enumerate(shape):
        extent = convert(int(extent) if isinstance(extent, float) else extent)
        if not dt.is_integer(extent.dtype):
            raise ShapeError(f"tensor '{name}': dimension {k} of the shape is {extent!r} "
                             f"of dtype {extent.dtype}; extents must be integers")
        if isinstance(extent, IntImm) and extent.value <= 0:
            raise ShapeError(f"tensor '{name}': dimension {k} of the shape is "
                             f"{extent.value}; extents must be positive")
        result.append(extent)
    return tuple(result)


def _axis_names(fcompute, dims, name):
    spec = inspect.getfullargspec(fcompute)
    if spec.varkw or spec.defaults or spec.kwonlyargs:
        raise ValueError(f"te.compute '{name}': the index function may only take "
                         "positional arguments (named, or *i)")
    names = list(spec.args)
    if spec.varargs is not None:
        names += [f"i{k}" for k in range(dims - len(names))]
    if len(names) != dims:
        raise ValueError(f"te.compute '{name}': the index function takes {len(names)} "
                         f"arguments but the shape has {dims} dimensions")
    return names


def var(name="tindex", dtype="int32"):
    """A scalar variable (a shape or a parameter)."""
    return Var(name, dt.check(dtype))


def size_var(name="size", dtype="int32"):
    """A scalar variable known to be non-negative (a size), TVM's `te.size_var`."""
    return SizeVar(name, dt.check(dtype))


def reduce_axis(dom, name="rv"):
    """A reduction axis over `dom`, a Range or a (min, max_exclusive) pair."""
    return IterVar(_range(dom, name), Var(name), IterVarType.COMM_REDUCE)


def thread_axis(dom=None, tag="", name=""):
    """A thread axis; `te.thread_axis("cthread")` is VTA's virtual thread."""
    if isinstance(dom, str):
        tag, dom = dom, None
    if not tag:
        raise ValueError("te.thread_axis needs a thread tag, e.g. 'cthread' or 'vthread'")
    dom = None if dom is None else _range(dom, name or tag)
    return IterVar(dom, Var(name or tag), IterVarType.THREAD_INDEX, tag)


def _range(dom, name):
    if isinstance(dom, Range):
        return dom
    if not isinstance(dom, (tuple, list)) or len(dom) != 2:
        raise ValueError(f"axis '{name}': the domain must be a (min, max) pair, got {dom!r}")
    lo, hi = convert(dom[0]), convert(dom[1])
    return Range(lo, hi if _is_zero(lo) else hi - lo)


def _is_zero(e):
    return isinstance(e, IntImm) and e.value == 0
