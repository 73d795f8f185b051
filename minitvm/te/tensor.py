"""Tensors and the operations that produce them (TVM's `te.Tensor`, `PlaceholderOp`,
`ComputeOp`).

An operation is a node of the compute DAG; each of its outputs is a `Tensor`. Reading
a tensor (`t[i, j]` or `t(i, j)`) builds a `ProducerLoad`; the schedule later turns
every operation into a loop nest. Operations and tensors compare by identity.
"""
from __future__ import annotations

from ..ir.container import Array

from ..tir import dtype as dt
from ..tir.expr import ExprOp, IterVar, IterVarType, PrimExpr, ProducerLoad, Reduce
from ..tir.functor import post_order_visit
from ..tir import op as _op
from ..tir.op import convert
from . import tensor_math
from .errors import ComputeBodyError, ReductionError, TEError, TensorIndexError


class Tensor:
    """Output `value_index` of `op`: a `shape`d array of `dtype`."""

    __slots__ = ("op", "value_index", "shape", "dtype")

    def __init__(self, op, value_index, shape, dtype):
        self.op = op
        self.value_index = value_index
        self.shape = shape
        self.dtype = dtype

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def name(self):
        return self.op.name

    def __repr__(self):
        return f"Tensor({self.name}, {self.dtype}, ndim={self.ndim})"

    def __call__(self, *indices):
        if len(indices) != self.ndim:
            raise TensorIndexError(
                f"tensor '{self.name}' has {self.ndim} dimensions but was called with "
                f"{len(indices)} indices")
        return self._load(indices)

    def __getitem__(self, indices):
        if not isinstance(indices, tuple):
            indices = (indices,)
        return TensorSlice(self, ())[indices]

    def __neg__(self):
        return self * -1   # TVM's negation of a tensor: T_multiply by -1

    def __iter__(self):
        # without this, Python would iterate by indexing, which never ends (a tensor's
        # slices have no length): e.g. `list(tensor)` where a list of tensors was meant
        raise TypeError(f"tensor '{self.name}' is not iterable; index it (A[i, j]) or "
                        "put it in a list")

    def _load(self, indices):
        return ProducerLoad(self, tuple(self._index(k, i) for k, i in enumerate(indices)))

    def _index(self, position, index):
        if isinstance(index, TensorSlice):
            index = index.asobject()
        try:
            index = convert(index)
        except TypeError:
            raise TensorIndexError(
                f"tensor '{self.name}': index {position} is {index!r}, which is not an "
                "expression") from None
        if not dt.is_integer(index.dtype):
            raise TensorIndexError(
                f"tensor '{self.name}': index {position} has dtype {index.dtype}; tensor "
                "indices must be integers")
        return index


def _arithmetic(name, combine, reflected):
    if reflected:
        return lambda self, other: tensor_math.binary(name, combine, other, self)
    return lambda self, other: tensor_math.binary(name, combine, self, other)


# Whole-tensor arithmetic builds a new te.compute (see tensor_math): method, TOPI name, op.
for _method, _name, _combine in (("add", "add", _op.add), ("sub", "subtract", _op.sub),
                                 ("mul", "multiply", _op.mul),
                                 ("truediv", "divide", _op.truediv),
                                 ("floordiv", "floor_divide", _op.floordiv),
                                 ("mod", "floor_mod", _op.floormod)):
    setattr(Tensor, f"__{_method}__", _arithmetic(_name, _combine, False))
    setattr(Tensor, f"__r{_method}__", _arithmetic(_name, _combine, True))


class TensorSlice(ExprOp):
    """A tensor indexed on its leading dimensions only (`t[i]` of a 2-D `t`); using it
    as an expression is an error naming the tensor."""

    __slots__ = ("tensor", "indices")

    def __init__(self, tensor, indices):
        self.tensor = tensor
        self.indices = indices

    def __getitem__(self, more):
        if not isinstance(more, tuple):
            more = (more,)
        indices = self.indices + more
        if len(indices) > self.tensor.ndim:
            raise TensorIndexError(
                f"tensor '{self.tensor.name}' has {self.tensor.ndim} dimensions but was "
                f"indexed with {len(indices)} indices")
        if len(indices) == self.tensor.ndim:
            return self.tensor._load(indices)
        return TensorSlice(self.tensor, indices)

    @property
    def dtype(self):
        return self.tensor.dtype

    def asobject(self):
        """The slice as an expression; only a fully indexed tensor is one."""
        raise TensorIndexError(
            f"tensor '{self.tensor.name}' has {self.tensor.ndim} dimensions but was indexed "
            f"with {len(self.indices)} indices")


class Operation:
    """A node of the compute DAG; `outputs` are its tensors (most ops have one)."""

    @property
    def num_outputs(self):
        return len(self.outputs)

    def output(self, index):
        """Output tensor `index` (TVM's `op.output(i)`)."""
        if isinstance(index, bool) or not isinstance(index, int) \
                or not 0 <= index < len(self.outputs):
            raise TEError(f"operation '{self.name}' has {len(self.outputs)} output(s); "
                          f"output({index!r}) does not exist")
        return self.outputs[index]

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name})"


class PlaceholderOp(Operation):
    """An input: data given by the caller."""

    def __init__(self, name, shape, dtype):
        self.name = name
        self.tag = ""
        self.attrs = {}
        self.shape = shape
        self.dtype = dtype
        self.outputs = (Tensor(self, 0, shape, dtype),)

    @property
    def input_tensors(self):
        return ()

    @property
    def root_iter_vars(self):
        return ()


class ComputeOp(Operation):
    """`out_k[axis] = body[k]` for each output k; either every body is a reduction (one
    tuple reduction, e.g. argmax) or none is."""

    def __init__(self, name, tag, attrs, axis, body):
        self.name = name
        self.tag = tag
        self.attrs = attrs
        self.axis = tuple(axis)
        self.body = Array(body if isinstance(body, (list, tuple)) else (body,))
        _verify_bodies(name, self.body)
        first = self.body[0]
        self.reduce_axis = tuple(first.axis) if isinstance(first, Reduce) else ()
        shape = tuple(iv.dom.extent for iv in self.axis)
        self.outputs = tuple(Tensor(self, k, shape, b.dtype) for k, b in enumerate(self.body))

    @property
    def input_tensors(self):
        """The tensors the bodies read, in order of first appearance (children first)."""
        return tensors_read(self.body)

    @property
    def root_iter_vars(self):
        return self.axis + self.reduce_axis

    def with_body(self, body):
        """The same op (axes, name, tag) computing `body` (a tuple, one expression per
        output); self when nothing changed."""
        if all(a is b for a, b in zip(body, self.body)):
            return self
        return ComputeOp(self.name, self.tag, self.attrs, self.axis, body)


def tensors_read(exprs):
    """The tensors `exprs` read, in order of first appearance (children first)."""
    found = []

    def visit(node):
        if isinstance(node, ProducerLoad) and node.producer not in found:
            found.append(node.producer)

    for e in exprs:
        post_order_visit(e, visit)
    return tuple(found)


def _verify_bodies(name, bodies):
    for body in bodies:
        _verify_body(name, body)
    reduces = [isinstance(b, Reduce) for b in bodies]
    if any(reduces) and not all(reduces):
        raise ReductionError(f"te.compute '{name}': either every output is a reduction or "
                             "none is")
    if all(reduces) and len(bodies) > 1:
        first = bodies[0]
        for k, b in enumerate(bodies):
            if b.combiner is not first.combiner or not _same(b.axis, first.axis) \
                    or not _same(b.source, first.source) or b.value_index != k:
                raise ReductionError(
                    f"te.compute '{name}': the outputs must be the results of one tuple "
                    "reduction (one call of a te.comm_reducer over tuples), in order")


def _same(xs, ys):
    return len(xs) == len(ys) and all(x is y for x, y in zip(xs, ys))


def _verify_body(name, body):
    """TVM's ComputeVerifier: a reduction may only be the whole body of a compute."""
    top = body.source[0] if isinstance(body, Reduce) else body

    def visit(node):
        if isinstance(node, Reduce):
            raise ReductionError(
                f"te.compute '{name}': a reduction over "
                f"{[iv.var.name for iv in node.axis]} must be the whole body of the compute, "
                "not part of an expression; compute it as a tensor of its own")

    post_order_visit(top, visit)
    if isinstance(body, Reduce):
        for iv in body.axis:
            if not isinstance(iv, IterVar) or iv.iter_type != IterVarType.COMM_REDUCE:
                raise ReductionError(
                    f"te.compute '{name}': reduction axis {iv!r} is not a te.reduce_axis")
    if not isinstance(body, PrimExpr):
        raise ComputeBodyError(f"te.compute '{name}': the body {body!r} is not an expression")
