"""The errors `minitvm.te` raises when a tensor expression is malformed.

Each message names the tensor (or the compute being declared) and the rule it breaks.
All derive from `tvm.error.TVMError`, as TVM's C++ checks of the same mistakes raise it;
where TVM's Python front end raises a builtin type first (a wrong number of indices is a
`ValueError` in `Tensor.__call__`), the class derives from that type too.
"""
from ..error import TVMError


class TEError(TVMError):
    """Base of every tensor-expression declaration error."""


class TensorIndexError(TEError, ValueError):
    """A tensor read with the wrong number of indices or a non-integer index."""


class ShapeError(TEError, ValueError):
    """A tensor declared with a dimension that is not a positive integer."""


class ComputeBodyError(TEError, TypeError):
    """A te.compute whose index function returns something that is not an expression."""


class ReductionError(TEError):
    """A reduction used where TE does not allow one (outside te.compute, nested, ...)."""


class TEDTypeError(TEError, TypeError):
    """Operands of a compute body whose dtypes TVM would not combine."""


class TensorIntrinError(TEError):
    """A tensor intrinsic declared from an unsuitable op, buffers or body."""


def tensors_read(expr):
    """Names of the tensors `expr` reads, for messages ('A', 'B')."""
    from ..tir.expr import ProducerLoad
    from ..tir.functor import post_order_visit
    names = []

    def visit(node):
        if isinstance(node, ProducerLoad) and node.producer.name not in names:
            names.append(node.producer.name)

    post_order_visit(expr, visit)
    return names
