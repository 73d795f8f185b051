"""VectorizeLoop: rewrites each `vectorized` loop into vector expressions over its lanes
(TVM's `tir.transform.VectorizeLoop`), or into a serial loop where the body cannot be
expressed in lanes.

    for y in T.vectorized(32):                 C[x * 32:x * 32 + 32] =
        C[x * 32 + y] = A[x] * B[y]       ->       T.Broadcast(A[x], 32) * B[0:32]

The loop variable becomes `T.Ramp(0, 1, lanes)`; every expression that reads it becomes
a vector (a ramp when it stays affine: `x * 32 + ramp(0, 1, 32)` is
`ramp(x * 32, 1, 32)`), scalar operands of vector operations are broadcast, a load or
store at a ramp index is a vector access (printed as a slice), and a store of a scalar
value at a vector index broadcasts the value. A statement that cannot be vectorized is
*scalarized* instead: it becomes `for y_s in range(32)` over a fresh variable `y.s`.
TVM's rules for that, kept here: an `if` whose condition varies between lanes, a call
of an operator without a vector form (the `VECTORIZABLE` table), an `if_then_else`
whose condition varies between lanes, a loop whose extent varies, a broadcast of a
vector, an allocation whose size varies. An allocation inside the loop gets one copy per
lane (its last dimension times the lanes, indexed `i * lanes + y`).

Where TVM builds a `Shuffle` (a ramp over a vector base that does not merge into one
ramp) minitvm has no such node and scalarizes the statement; where TVM binds a
non-vectorizable let value anyway (a known slip in its LetStmt rule), the let is
scalarized. It runs first in phase 2, where TVM's VectorizeLoop runs, after flattening
(indices are 1-D) and before virtual threads and storage planning, which then see
vector accesses (StorageRewrite gives an allocation accessed only in aligned whole
vectors a vector element type).
"""
from __future__ import annotations

from dataclasses import replace

from ..arith import Analyzer, rules_vector
from ..error import TVMError
from ..tir import dtype as dt
from ..tir import expr as E
from ..tir import op
from ..tir import stmt as S
from ..tir.analysis import expr_deep_equal
from ..tir.functor import Mutator, StmtMutator, substitute
from .pass_infra import lowering_pass

# Operators with a lane-wise vector form (TVM's TVectorizable attribute).
VECTORIZABLE = frozenset("tir." + name for name in (
    "likely bitwise_and bitwise_or bitwise_xor bitwise_not shift_left shift_right popcount "
    "fma q_multiply_shift pow exp exp2 exp10 log log2 log10 log1p sqrt rsqrt sigmoid "
    "sin cos tan sinh cosh tanh erf fabs floor ceil round trunc").split())


class VectorizeError(TVMError, ValueError):
    """A vectorized loop the vectorizer cannot rewrite (TVM stops with the same check)."""


@lowering_pass("tir.VectorizeLoop")
def vectorize_loop(func):
    """`func` with every vectorized loop rewritten into vector expressions (or scalarized)."""
    return func.with_body(_LoopVectorizer().visit(func.body))


class _LoopVectorizer(StmtMutator):
    """Only statements can hold a loop: expressions are not walked."""

    def visit_For(self, node):
        if node.kind != S.ForKind.VECTORIZED:
            return self.generic_visit(node)
        if not isinstance(node.extent, E.IntImm) or node.extent.value < 1:
            raise VectorizeError(
                f"vectorize: loop {node.loop_var.name!r} has extent {node.extent!r}; only a "
                f"loop of constant positive extent can be vectorized (split it by a constant "
                f"factor and vectorize the inner loop)")
        if not (isinstance(node.min, E.IntImm) and node.min.value == 0):
            raise VectorizeError(f"vectorize: loop {node.loop_var.name!r} starts at "
                                 f"{node.min!r}; a vectorized loop must start at 0")
        return _Vectorizer(node.loop_var, node.extent.value).visit(node.body)


def broadcast_to(e, lanes):
    """`e` as a vector of `lanes` lanes (TVM's BroadcastTo)."""
    have = dt.lanes(e.dtype)
    if have == lanes:
        return e
    if isinstance(e, E.Broadcast) and lanes % have == 0:
        return E.Broadcast(e.value, lanes)
    if have != 1:
        raise VectorizeError(f"vectorize: cannot broadcast {e!r} of {have} lanes to {lanes}")
    return E.Broadcast(e, lanes)


def _lanes(*exprs):
    return max(dt.lanes(e.dtype) for e in exprs)


def _build(cls, fold):
    """Scalar operands through the folding constructor (TVM's C++ operators), vector ones
    as plain nodes."""
    def make(a, b):
        if _lanes(a, b) == 1:
            return fold(a, b)
        return cls(a, b)
    return make


_ADD, _SUB, _MUL = _build(E.Add, op.add), _build(E.Sub, op.sub), _build(E.Mul, op.mul)


class _Vectorizer(Mutator):
    """Rewrites the body of one vectorized loop over `var` with `lanes` lanes."""

    def __init__(self, var, lanes):
        self.var, self.lanes = var, lanes
        self.ramp = E.Ramp(op.const(0, var.dtype), op.const(1, var.dtype), lanes)
        self.need_scalarize = False
        self.lets = {}
        self.analyzer = Analyzer()

    def visit(self, node):
        """An expression's vector form; a statement's, or the statement scalarized when
        one of its own expressions (not those of the statements inside it) cannot be
        vectorized."""
        if isinstance(node, E.PrimExpr):
            return Mutator.visit(self, node)
        outer, self.need_scalarize = self.need_scalarize, False
        result = Mutator.visit(self, node)
        scalarize, self.need_scalarize = self.need_scalarize, outer
        return self.scalarize(node) if scalarize else result

    def scalarize(self, stmt):
        """`stmt` run once per lane, in a serial loop over `<var>.s`."""
        lane = E.Var(self.var.name + ".s", self.var.dtype)
        return S.For(lane, op.const(0, self.var.dtype), op.const(self.lanes, self.var.dtype),
                     S.ForKind.SERIAL, substitute(stmt, {self.var: lane}))

    # -- expressions -----------------------------------------------------------------

    def visit_Var(self, e):
        if e is self.var:
            return self.ramp
        return self.lets.get(e, e)

    def visit_IntImm(self, e):
        return e

    visit_FloatImm = visit_StringImm = visit_IntImm

    def visit_Add(self, e):
        return self._add_sub(e, _ADD)

    def visit_Sub(self, e):
        return self._add_sub(e, _SUB)

    def _add_sub(self, e, build):
        a, b = self.visit(e.a), self.visit(e.b)
        if a is e.a and b is e.b:
            return e
        lanes = _lanes(a, b)
        if lanes != 1:
            if isinstance(b, E.Ramp) and dt.lanes(a.dtype) == 1:
                return rules_vector.scalar_with_ramp(a, b, build)
            if isinstance(a, E.Ramp) and dt.lanes(b.dtype) == 1:
                return rules_vector.ramp_with_scalar(a, b, build)
        return build(broadcast_to(a, lanes), broadcast_to(b, lanes))

    def visit_Mul(self, e):
        a, b = self.visit(e.a), self.visit(e.b)
        if a is e.a and b is e.b:
            return e
        lanes = _lanes(a, b)
        if lanes == 1:
            return E.Mul(a, b)
        # TVM's condition (scale > 0, there since TVM PR #302, unexplained): the fold is
        # exact for any scale, but with a negative or unproven one the product stays
        # `ramp * broadcast` until the phase-3 Simplify folds it (rules_vector, no such
        # condition), so the passes between (StorageRewrite's vector types) see no ramp.
        for ramp, scale in ((a, b), (b, a)):
            if isinstance(ramp, E.Ramp) and dt.lanes(scale.dtype) == 1 \
                    and self.analyzer.can_prove(op.greater(scale, op.const(0, scale.dtype))):
                return rules_vector.scaled_ramp(ramp, scale, op.mul)
        return E.Mul(broadcast_to(a, lanes), broadcast_to(b, lanes))

    def visit_BinaryOp(self, e):
        a, b = self.visit(e.a), self.visit(e.b)
        if a is e.a and b is e.b:
            return e
        lanes = _lanes(a, b)
        return type(e)(broadcast_to(a, lanes), broadcast_to(b, lanes))

    visit_CmpOp = visit_BinaryOp      # Div, Mod, FloorDiv, FloorMod, Min, Max; comparisons

    def visit_Not(self, e):
        a = self.visit(e.a)
        return e if a is e.a else E.Not(a)

    def visit_Ramp(self, e):
        base, stride = self.visit(e.base), self.visit(e.stride)
        if base is e.base and stride is e.stride:
            return e
        if isinstance(base, E.Ramp) and dt.lanes(stride.dtype) == 1 and self.analyzer.can_prove(
                op.equal(base.stride, op.mul(stride, op.const(base.lanes, stride.dtype)))):
            return E.Ramp(base.base, stride, e.lanes * base.lanes)
        self.need_scalarize = True      # TVM concatenates ramps with a Shuffle here
        return e

    def visit_Broadcast(self, e):
        value = self.visit(e.value)
        if dt.lanes(value.dtype) != 1:
            self.need_scalarize = True
        return e

    def visit_Select(self, e):
        parts = [self.visit(x) for x in (e.condition, e.true_value, e.false_value)]
        if all(new is old for new, old in zip(parts, (e.condition, e.true_value,
                                                      e.false_value))):
            return e
        lanes = _lanes(*parts)
        return E.Select(*(broadcast_to(x, lanes) for x in parts))

    def visit_Cast(self, e):
        value = self.visit(e.value)
        if value is e.value:
            return e
        return E.Cast(dt.with_lanes(e.dtype, dt.lanes(value.dtype)), value)

    def visit_Let(self, e):
        value = self.visit(e.value)
        bound = self.lets.get(e.var)
        if bound is not None and not expr_deep_equal(bound, value):
            raise VectorizeError(f"vectorize: let variable {e.var.name!r} is bound to two "
                                 f"different values")
        if dt.lanes(value.dtype) != dt.lanes(e.value.dtype):
            var = E.Var(e.var.name, value.dtype)
            self.lets[e.var] = var
            return E.Let(var, value, self.visit(e.body))
        self.lets[e.var] = e.var
        body = self.visit(e.body)
        return e if value is e.value and body is e.body else E.Let(e.var, value, body)

    def visit_Call(self, e):
        if e.op == "tir.if_then_else":
            return self._if_then_else(e)
        args = tuple(self.visit(a) for a in e.args)
        if all(new is old for new, old in zip(args, e.args)):
            return e
        lanes = _lanes(*args)
        if e.op not in VECTORIZABLE and e.op != "tir.reinterpret":
            if lanes != 1:
                self.need_scalarize = True
                return e
            return E.Call(e.dtype, e.op, args)
        return E.Call(dt.with_lanes(e.dtype, lanes), e.op,
                      tuple(broadcast_to(a, lanes) for a in args))

    def _if_then_else(self, e):
        cond = self.visit(e.args[0])
        if dt.lanes(cond.dtype) != 1:
            self.need_scalarize = True
            return e
        t, f = self.visit(e.args[1]), self.visit(e.args[2])
        if cond is e.args[0] and t is e.args[1] and f is e.args[2]:
            return e
        lanes = _lanes(t, f)
        return E.Call(dt.with_lanes(e.dtype, lanes), e.op,
                      (cond, broadcast_to(t, lanes), broadcast_to(f, lanes)))

    def visit_BufferLoad(self, e):
        indices = tuple(self.visit(i) for i in e.indices)
        if all(new is old for new, old in zip(indices, e.indices)):
            return e
        return E.BufferLoad(e.buffer, indices)

    # -- statements ------------------------------------------------------------------

    def visit_BufferStore(self, s):
        indices = tuple(self.visit(i) for i in s.indices)
        value = self.visit(s.value)
        if value is s.value and all(new is old for new, old in zip(indices, s.indices)):
            return s
        other = dt.lanes(s.buffer.dtype)
        for index in indices[:-1]:
            other *= dt.lanes(index.dtype)
        total = max(other * dt.lanes(indices[-1].dtype), dt.lanes(value.dtype))
        if total % other:
            raise VectorizeError(f"vectorize: when storing to buffer {s.buffer.name!r}, "
                                 f"cannot produce {total} lanes by changing the last index")
        last = broadcast_to(indices[-1], total // other)
        return S.BufferStore(s.buffer, broadcast_to(value, total), indices[:-1] + (last,))

    def visit_For(self, s):
        extent = self.visit(s.extent)
        if dt.lanes(extent.dtype) != 1:
            self.need_scalarize = True
        if self.need_scalarize:
            return s
        body = self.visit(s.body)
        if extent is s.extent and body is s.body:
            return s
        return replace(s, extent=extent, body=body)

    def visit_IfThenElse(self, s):
        condition = self.visit(s.condition)
        if dt.lanes(condition.dtype) != 1:
            self.need_scalarize = True
        if self.need_scalarize:
            return s
        then_case = self.visit(s.then_case)
        else_case = None if s.else_case is None else self.visit(s.else_case)
        if condition is s.condition and then_case is s.then_case and else_case is s.else_case:
            return s
        return S.IfThenElse(condition, then_case, else_case)

    def visit_While(self, s):
        raise VectorizeError(f"vectorize: the body of the vectorized loop over "
                             f"{self.var.name!r} holds a while loop, which has no vector form")

    def visit_LetStmt(self, s):
        value = self.visit(s.value)
        if self.need_scalarize:
            return s            # visit() scalarizes the whole let (TVM drops that result)
        if dt.lanes(value.dtype) != dt.lanes(s.value.dtype):
            var = E.Var(s.var.name, value.dtype)
            self.lets[s.var] = var
            return S.LetStmt(var, value, self.visit(s.body))
        self.lets[s.var] = s.var
        body = self.visit(s.body)
        return s if value is s.value and body is s.body else S.LetStmt(s.var, value, body)

    def visit_Allocate(self, s):
        condition = self.visit(s.condition)
        extents = tuple(self.visit(x) for x in s.extents)
        if any(dt.lanes(x.dtype) != 1 for x in (condition, *extents)):
            self.need_scalarize = True
        if self.need_scalarize:
            return s
        extents = extents[:-1] + (op.mul(extents[-1], op.const(self.lanes, "int32")),)
        body = _PerLaneAccess(s.buffer_var, self.var, self.lanes).visit(s.body)
        return replace(s, condition=condition, extents=extents, body=self.visit(body))


class _PerLaneAccess(Mutator):
    """Accesses of the allocation `data` inside a vectorized loop, one copy per lane:
    `buf[i]` becomes `buf[i * lanes + var]` over a last dimension `lanes` times longer
    (TVM's VecAllocAccess)."""

    def __init__(self, data, var, lanes):
        self.data, self.var, self.lanes = data, var, lanes
        self.buffers = {}
        self.analyzer = Analyzer()

    def _rewrite(self, node):
        if node.buffer.data is not self.data:
            return node
        buf = self.buffers.get(node.buffer)
        if buf is None:
            shape = node.buffer.shape
            last = self.analyzer.simplify(op.mul(shape[-1], self.lanes))
            buf = self.buffers[node.buffer] = replace(node.buffer, shape=shape[:-1] + (last,))
        index = self.analyzer.simplify(op.add(op.mul(node.indices[-1], self.lanes), self.var))
        return replace(node, buffer=buf, indices=node.indices[:-1] + (index,))

    def visit_BufferLoad(self, e):
        return self._rewrite(self.generic_visit(e))

    def visit_BufferStore(self, s):
        return self._rewrite(self.generic_visit(s))
