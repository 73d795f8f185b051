"""Helpers every TOPI operator uses (TVM's `topi.utils`): constant shapes and integers
out of expressions, simplification, and `traverse_inline` for schedules."""
from __future__ import annotations

from numbers import Integral

from ..arith import Analyzer
from ..tir.expr import IntImm, PrimExpr, Var
from ..tir.op import const
from . import tag


def simplify(expr):
    """`expr` simplified if it is an expression, else `expr` itself."""
    return Analyzer().simplify(expr) if isinstance(expr, PrimExpr) else expr


def get_const_int(expr):
    """The Python int that `expr` (an int or an expression simplifying to one) is."""
    if isinstance(expr, Integral):
        return int(expr)
    value = simplify(expr) if not isinstance(expr, IntImm) else expr
    if not isinstance(value, IntImm):
        raise ValueError(f"get_const_int: {expr!r} is not a constant integer")
    return int(value.value)


def equal_const_int(expr, value):
    """Whether `expr` is (simplifies to) the integer `value`."""
    if isinstance(expr, Integral):
        return expr == value
    expr = simplify(expr)
    return isinstance(expr, IntImm) and expr.value == value


def get_const_tuple(in_tuple):
    """A shape as Python ints; variables, and expressions that do not simplify to a
    constant, are kept as they are."""
    out = []
    for elem in in_tuple:
        if isinstance(elem, Var):
            out.append(elem)
            continue
        value = elem if isinstance(elem, (Integral, IntImm)) else simplify(elem)
        out.append(get_const_int(value) if isinstance(value, (Integral, IntImm)) else value)
    return tuple(out)


def prod(x):
    """The product of a sequence of expressions (1 for an empty one)."""
    if not x:
        return const(1, "int32")
    result = x[0]
    for item in x[1:]:
        result = result * item
    return result


def traverse_inline(s, final_op, callback):
    """Inline every injective op feeding `final_op` (except outputs) and call
    `callback(op)` on each op reached, inputs first visited through injective ops."""
    visited = set()

    def traverse(op):
        if op in visited:
            return
        visited.add(op)
        if tag.is_injective(op.tag):
            if op not in s.outputs:
                s[op].compute_inline()
            for tensor in op.input_tensors:
                if _is_compute(tensor.op):
                    traverse(tensor.op)
        callback(op)

    traverse(final_op)


def _is_compute(op):
    from ..te import ComputeOp
    return isinstance(op, ComputeOp)
