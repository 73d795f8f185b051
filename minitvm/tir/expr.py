"""Expression nodes of the loop IR (TVM's `tir.PrimExpr` family).

Nodes are frozen, slotted dataclasses compared by identity (`a is b`); use
`minitvm.tir.analysis.structural_equal` for structural equality. Python operators
on expressions build new nodes through `minitvm.tir.op`, which matches dtypes and
folds constants the way TVM's operator functions do. `a == b` builds an `EQ` node
whose truth value is identity, as in TVM, so expressions still work as dict keys.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Tuple

from .node import frozen_node


class ExprOp:
    """Python operators for anything usable as an expression (PrimExpr, IterVar, tensor slices)."""

    __slots__ = ()

    def __add__(self, other):
        return _op.add(self, other)

    def __radd__(self, other):
        return _op.add(other, self)

    def __sub__(self, other):
        return _op.sub(self, other)

    def __rsub__(self, other):
        return _op.sub(other, self)

    def __mul__(self, other):
        return _op.mul(self, other)

    def __rmul__(self, other):
        return _op.mul(other, self)

    def __floordiv__(self, other):
        return _op.floordiv(self, other)

    def __rfloordiv__(self, other):
        return _op.floordiv(other, self)

    def __mod__(self, other):
        return _op.floormod(self, other)

    def __rmod__(self, other):
        return _op.floormod(other, self)

    def __truediv__(self, other):
        return _op.truediv(self, other)

    def __rtruediv__(self, other):
        return _op.truediv(other, self)

    def __neg__(self):
        return _op.neg(self)

    def __lshift__(self, other):
        return _op.shift_left(self, other)

    def __rlshift__(self, other):
        return _op.shift_left(other, self)

    def __rshift__(self, other):
        return _op.shift_right(self, other)

    def __rrshift__(self, other):
        return _op.shift_right(other, self)

    def __and__(self, other):
        return _op.bitwise_and(self, other)

    def __rand__(self, other):
        return _op.bitwise_and(other, self)

    def __or__(self, other):
        return _op.bitwise_or(self, other)

    def __ror__(self, other):
        return _op.bitwise_or(other, self)

    def __xor__(self, other):
        return _op.bitwise_xor(self, other)

    def __rxor__(self, other):
        return _op.bitwise_xor(other, self)

    def __invert__(self):
        return _op.bitwise_not(self)

    def __lt__(self, other):
        return _op.less(self, other)

    def __le__(self, other):
        return _op.less_equal(self, other)

    def __gt__(self, other):
        return _op.greater(self, other)

    def __ge__(self, other):
        return _op.greater_equal(self, other)

    def __eq__(self, other):
        return _op.equal_op(self, other)

    def __ne__(self, other):
        return _op.not_equal_op(self, other)

    __hash__ = object.__hash__

    def __bool__(self):
        raise TypeError(
            f"cannot use the expression {self!r} as a Python bool; "
            "use tvm.tir.all/any or tvm.tir.if_then_else to build conditions")

    def astype(self, dtype):
        return _op.cast(dtype, self)

    def equal(self, other):
        """`self == other` as an expression (TVM's ExprOp.equal)."""
        return _op.equal(self, other)


def _node(cls):
    """Decorator: an immutable, slotted, identity-compared IR node."""
    return frozen_node(cls, repr=False)


class PrimExpr(ExprOp):
    """Base of all scalar expressions; every subclass has a `dtype`."""

    __slots__ = ()

    def __repr__(self):
        from .printer import format_expr
        return format_expr(self)


# --- leaves -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PointerType:
    """Type annotation of a handle variable: what it points to and in which memory scope."""
    element_dtype: str
    storage_scope: str = "global"


@_node
class Var(PrimExpr):
    """A variable; identity is what distinguishes two variables with one name."""
    name: str
    dtype: str = "int32"
    type_annotation: Optional[PointerType] = None


@_node
class SizeVar(Var):
    """A variable known to be non-negative (shape variables)."""


@_node
class IntImm(PrimExpr):
    """An integer constant. As TVM's: `==`/`!=` with a constant folds to a bool IntImm
    (so `extent == 16` is a Python truth), its truth is `value != 0`, its hash its value."""
    dtype: str
    value: int

    def __int__(self):
        return self.value

    __index__ = __int__

    def __bool__(self):
        return self.value != 0

    def __hash__(self):
        return hash(self.value)

    def __eq__(self, other):
        if isinstance(other, (int, float, IntImm, FloatImm)):
            return _op.const(self.value == getattr(other, "value", other))
        return _op.equal_op(self, other)

    def __ne__(self, other):
        if isinstance(other, (int, float, IntImm, FloatImm)):
            return _op.const(self.value != getattr(other, "value", other))
        return _op.not_equal_op(self, other)


@_node
class FloatImm(PrimExpr):
    dtype: str
    value: float


@_node
class StringImm(PrimExpr):
    value: str
    dtype: str = "handle"

    # as TVM's: compares by value with a str or another StringImm (pragma_keys == "x")
    def __eq__(self, other):
        return self.value == (other.value if isinstance(other, StringImm) else other)

    def __ne__(self, other):
        return not self == other

    __hash__ = PrimExpr.__hash__


# --- arithmetic and logic -----------------------------------------------------------

class BinaryOp(PrimExpr):
    """Two operands `a` and `b` of one dtype (`a`'s, kept once asked: asking it of a
    left-leaning sum n deep would walk n operands each time)."""
    __slots__ = ("_dtype",)

    @property
    def dtype(self):
        try:
            return self._dtype
        except AttributeError:
            dtype = self.a.dtype
            object.__setattr__(self, "_dtype", dtype)
            return dtype


class CmpOp(PrimExpr):
    """A comparison: bool-valued, with as many lanes as its operands."""
    __slots__ = ()

    @property
    def dtype(self):
        lanes = _dt.lanes(self.a.dtype)
        return "bool" if lanes == 1 else f"boolx{lanes}"


def _binary(name, base=BinaryOp):
    cls = type(name, (base,), {"__annotations__": {"a": PrimExpr, "b": PrimExpr},
                               "__module__": __name__})
    return _node(cls)


Add = _binary("Add")
Sub = _binary("Sub")
Mul = _binary("Mul")
Div = _binary("Div")            # truncated division
Mod = _binary("Mod")            # truncated remainder
FloorDiv = _binary("FloorDiv")
FloorMod = _binary("FloorMod")
Min = _binary("Min")
Max = _binary("Max")
EQ = _binary("EQ", CmpOp)
NE = _binary("NE", CmpOp)
LT = _binary("LT", CmpOp)
LE = _binary("LE", CmpOp)
GT = _binary("GT", CmpOp)
GE = _binary("GE", CmpOp)
And = _binary("And", CmpOp)
Or = _binary("Or", CmpOp)


@_node
class Not(PrimExpr):
    a: PrimExpr

    @property
    def dtype(self):
        lanes = _dt.lanes(self.a.dtype)
        return "bool" if lanes == 1 else f"boolx{lanes}"


@_node
class Select(PrimExpr):
    condition: PrimExpr
    true_value: PrimExpr
    false_value: PrimExpr

    @property
    def dtype(self):
        return self.true_value.dtype


@_node
class Cast(PrimExpr):
    dtype: str
    value: PrimExpr


@_node
class Call(PrimExpr):
    """A call of a named operator, e.g. `tir.shift_right`, `tir.if_then_else`,
    `tir.call_extern` (first argument: the function name as StringImm) or `tir.vta.uop_push`."""
    dtype: str
    op: str
    args: Tuple[PrimExpr, ...]


@_node
class Let(PrimExpr):
    var: Var
    value: PrimExpr
    body: PrimExpr

    @property
    def dtype(self):
        return self.body.dtype


@_node
class Ramp(PrimExpr):
    base: PrimExpr
    stride: PrimExpr
    lanes: int

    @property
    def dtype(self):
        """`base`'s type with `lanes` lanes ("int32x32"), as TVM types a ramp."""
        return _dt.with_lanes(self.base.dtype, self.lanes)


@_node
class Broadcast(PrimExpr):
    value: PrimExpr
    lanes: int

    @property
    def dtype(self):
        return _dt.with_lanes(self.value.dtype, self.lanes)


# --- memory -------------------------------------------------------------------------

@_node
class BufferLoad(PrimExpr):
    buffer: Any                  # minitvm.tir.buffer.Buffer
    indices: Tuple[PrimExpr, ...]

    @property
    def dtype(self):
        """The buffer's element type, times the lanes of a vector (ramp) last index, as
        TVM's BufferLoad::LegalizeDType types it."""
        dtype = self.buffer.dtype
        index_lanes = _dt.lanes(self.indices[-1].dtype) if self.indices else 1
        if index_lanes == 1:
            return dtype
        return _dt.with_lanes(dtype, _dt.lanes(dtype) * index_lanes)


@_node
class ProducerLoad(PrimExpr):
    """A read of a TE tensor before it is bound to a buffer (`tensor[i, j]`)."""
    producer: Any                # minitvm.te.Tensor
    indices: Tuple[PrimExpr, ...]

    @property
    def dtype(self):
        return self.producer.dtype


# --- reductions ---------------------------------------------------------------------

@_node
class CommReducer(ExprOp):
    """A commutative reducer: `result` combines `lhs` (accumulator) and `rhs` (new value)."""
    lhs: Tuple[Var, ...]
    rhs: Tuple[Var, ...]
    result: Tuple[PrimExpr, ...]
    identity_element: Tuple[PrimExpr, ...]

    def __repr__(self):
        return f"CommReducer({self.result!r})"


@_node
class Reduce(PrimExpr):
    """A reduction of `source` over the `axis` IterVars (only inside te.compute)."""
    combiner: CommReducer
    source: Tuple[PrimExpr, ...]
    axis: Tuple[Any, ...]        # IterVar
    condition: PrimExpr
    value_index: int = 0
    init: Tuple[PrimExpr, ...] = ()

    @property
    def dtype(self):
        return self.source[self.value_index].dtype


# --- iteration ----------------------------------------------------------------------

@dataclass(frozen=True, eq=False, slots=True)
class Range:
    """The half-open range [min, min + extent)."""
    min: PrimExpr
    extent: PrimExpr

    def __repr__(self):
        return f"Range({self.min!r}, {self.extent!r})"

    @staticmethod
    def from_min_extent(min_value, extent):
        return Range(_op.convert(min_value), _op.convert(extent))


class IterVarType:
    DATA_PAR = 0
    THREAD_INDEX = 1
    COMM_REDUCE = 2
    ORDERED = 3
    OPAQUE = 4
    UNROLLED = 5
    VECTORIZED = 6
    PARALLELIZED = 7
    TENSORIZED = 8

    NAMES = {0: "DataPar", 1: "ThreadIndex", 2: "CommReduce", 3: "Ordered", 4: "Opaque",
             5: "Unrolled", 6: "Vectorized", 7: "Parallelized", 8: "Tensorized"}


@_node
class IterVar(ExprOp):
    """An iteration variable: a `var` over `dom`, of a kind (data-parallel, reduction,
    thread index) with an optional thread tag. Used in expressions, it is its `var`."""
    dom: Optional[Range]
    var: Var
    iter_type: int
    thread_tag: str = ""

    # TVM's names of the iter_type codes (`tvm.tir.IterVar.CommReduce`)
    DataPar, ThreadIndex, CommReduce = IterVarType.DATA_PAR, IterVarType.THREAD_INDEX, \
        IterVarType.COMM_REDUCE
    Ordered, Opaque, Unrolled = IterVarType.ORDERED, IterVarType.OPAQUE, IterVarType.UNROLLED
    Vectorized, Parallelized, Tensorized = IterVarType.VECTORIZED, \
        IterVarType.PARALLELIZED, IterVarType.TENSORIZED

    def __repr__(self):
        return f"IterVar({self.var.name}, {self.dom!r}, {IterVarType.NAMES[self.iter_type]})"


from . import dtype as _dt  # noqa: E402
from . import op as _op  # noqa: E402  (operators need the node classes above)
