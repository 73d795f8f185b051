"""InjectVirtualThread: rewrites `virtual_thread` scopes into per-thread copies of the code.

TVM's `tir.transform.InjectVirtualThread`. `s[t].bind(ax, te.thread_axis("cthread"))`
leaves `AttrStmt(iv, "virtual_thread", n) { body }` with the thread var used directly in
indices. This pass removes the attribute and makes the body do the work of all `n`
threads:

* An `Allocate` inside the scope that some thread writes differently (or every one, for
  `cthread`, whose threads never share memory) is replicated: extent `E` becomes `E*n`,
  and each access gets `+ thread*E`. The 1-D buffer a replicated access goes through
  gets the shape `shape[0] * E` -- TVM multiplies the old length by the per-thread extent
  rather than by `n` (listing 2's `T.Buffer((157351936,), ...)` = 12544 * 12544). That
  shape is an accident, but it is what the reference prints, and no pass reads it, so we
  reproduce it.
* Each statement that depends on the thread var (reads it, or reads memory that depends
  on it; for `cthread` also every store, `Evaluate` and `coproc_scope`/
  `coproc_uop_scope` attribute) is replicated, as high up as possible: unrolled into `n`
  copies with the thread var replaced by 0..n-1 when no loop lies inside the replicated
  statement and n < 16, else wrapped in a serial loop over a new var `<thread>.s`.

It runs in phase 2, after StorageFlatten (replication works on flat allocations) and its
Simplify (an index that only seems to use the thread var must already have cancelled),
and before StorageRewrite, which then plans memory for the replicated allocations.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from ..error import TVMError
from ..arith import Analyzer
from ..tir import expr as E
from ..tir import stmt as S
from ..tir.functor import Mutator, Visitor
from ..tir.functor import substitute
from .ir_utils import const_int, is_const
from .pass_infra import FLATTENED, lowering_pass

UNROLL_LIMIT = 16                  # TVM: copies are unrolled only for fewer threads
_COPROC_SCOPES = ("coproc_scope", "coproc_uop_scope")


class VirtualThreadError(TVMError, ValueError):
    """IR inside a virtual-thread scope that the injection cannot replicate."""


@lowering_pass("tir.InjectVirtualThread", requires=(FLATTENED,))
def inject_virtual_thread(func):
    """Replace every `virtual_thread` scope of `func` by its per-thread copies."""
    return func.with_body(_Injector().visit(func.body))


class _Injector(Mutator):
    def visit_AttrStmt(self, node):
        node = self.generic_visit(node)       # inner scopes first
        if not isinstance(node, S.AttrStmt) or node.attr_key != "virtual_thread":
            return node
        iv = node.node
        nthreads = const_int(node.value)
        if nthreads is None:
            raise VirtualThreadError(f"virtual thread {iv.var.name} needs a constant extent, "
                                     f"got {node.value!r}")
        touched = touched_vars(node.body, iv.var)
        allow_share = iv.thread_tag.startswith("vthread")
        return _VTInjector(iv.var, nthreads, touched, allow_share).visit(node.body)


# --- which variables and buffers depend on the thread var ------------------------------

class _ExprTouched(Visitor):
    """Does an expression read the thread var or a touched buffer/variable?"""

    def __init__(self, touched, check_write):
        self.touched = touched
        self.check_write = check_write
        self.expr_touched = False
        self.used = []
        self.writes = []

    def visit(self, node):
        if self.expr_touched and not self.check_write:
            return
        super().visit(node)

    def use(self, var):
        if var in self.touched:
            self.expr_touched = True
        if not self.expr_touched:
            self.used.append(var)

    def visit_Var(self, node):
        self.use(node)

    def visit_BufferLoad(self, node):
        self.use(node.buffer.data)
        self.generic_visit(node)

    def visit_Call(self, node):
        if node.op != "tir.tvm_access_ptr":
            return self.generic_visit(node)
        mask = const_int(node.args[4])
        if mask & 1:
            self.use(node.args[1])
        if mask & 2:
            self.writes.append(node.args[1])
        self.visit(node.args[2])


class _TouchedAnalysis(Visitor):
    """TVM's VarTouchedAnalysis: variables whose value differs between threads."""

    def __init__(self, thread_var):
        self.touched = {thread_var}
        self.affect = defaultdict(list)   # var -> vars computed from it

    def check(self, exprs, check_write=False):
        tc = _ExprTouched(self.touched, check_write)
        for e in exprs:
            tc.visit(e)
        return tc

    def record(self, var, tc):
        if var in self.touched:
            return
        if tc.expr_touched:
            self.touched.add(var)
        else:
            for used in tc.used:
                if used is not var:
                    self.affect[used].append(var)

    def visit_LetStmt(self, node):
        self.record(node.var, self.check([node.value]))
        self.visit(node.body)

    def visit_BufferStore(self, node):
        self.record(node.buffer.data, self.check([node.value, *node.indices]))

    def visit_For(self, node):
        self.record(node.loop_var, self.check([node.min, node.extent]))
        self.visit(node.body)

    def visit_Evaluate(self, node):
        tc = self.check([node.value], check_write=True)
        for var in tc.writes:
            self.record(var, tc)

    def visit_Allocate(self, node):
        self.record(node.buffer_var, self.check([*node.extents, node.condition]))
        self.visit(node.body)



def touched_vars(body, thread_var):
    """Every variable (loop, let, buffer data) of `body` that depends on `thread_var`."""
    analysis = _TouchedAnalysis(thread_var)
    analysis.visit(body)
    pending = list(analysis.touched)
    while pending:
        for var in analysis.affect.get(pending.pop(), ()):
            if var not in analysis.touched:
                analysis.touched.add(var)
                pending.append(var)
    return analysis.touched


# --- the rewrite ----------------------------------------------------------------------

class _VTInjector(Mutator):
    """TVM's VTInjector. Its flags carry information up from expressions to the
    statement that must be replicated, so every statement visit goes through
    `_visit_stmt`."""

    def __init__(self, var, nthreads, touched, allow_share):
        self.var, self.nthreads = var, nthreads
        self.touched, self.allow_share = touched, allow_share
        self.injected = False          # inside a statement already being replicated
        self.visit_touched = False     # the last expression visited depends on the thread
        self.trigger = False           # a cthread statement that is always replicated
        self.loop_depth = 0            # loops met inside the current sequence element
        self.alloc_remap = {}          # replicated allocation var -> per-thread extent
        self.buf_remap = {}
        self.analyzer = Analyzer()

    def visit(self, node):
        if isinstance(node, S.Stmt):
            return self._visit_stmt(node)
        return super().visit(node)

    def _visit_stmt(self, node):
        if self.visit_touched:
            raise RuntimeError("internal error: a virtual-thread flag leaked into a statement")
        stmt = self._method(type(node))(self, node)
        if self.visit_touched or self.trigger:
            if not self.injected:
                return self._inject(stmt, before_mutation=False)
            self.visit_touched = self.trigger = False
        return stmt

    def _inject(self, stmt, before_mutation):
        self.visit_touched = self.trigger = False
        self.injected = True
        if before_mutation:
            stmt = self.visit(stmt)
        self.injected = self.visit_touched = False
        if self.loop_depth == 0 and self.nthreads < UNROLL_LIMIT:
            return S.seq(*(substitute(stmt, {self.var: E.IntImm(self.var.dtype, i)})
                           for i in range(self.nthreads)))
        idx = E.Var(self.var.name + ".s", self.var.dtype)
        return S.For(idx, E.IntImm(idx.dtype, 0), E.IntImm(idx.dtype, self.nthreads),
                     S.ForKind.SERIAL, substitute(stmt, {self.var: idx}))

    def _must_inject(self):
        return self.visit_touched and not self.injected

    # --- expressions ---

    def visit_Var(self, node):
        if node in self.alloc_remap:
            raise VirtualThreadError(
                f"the address of {node.name} is used directly inside a virtual thread, but "
                "each thread gets its own copy of it")
        if node in self.touched:
            self.visit_touched = True
        return node

    def _rewrite_index(self, index, extent):
        return self.analyzer.simplify(index + self.var * extent)

    def _remapped_buffer(self, buffer, extent):
        new = self.buf_remap.get(buffer)
        if new is None:
            if len(buffer.shape) != 1:
                raise VirtualThreadError(f"{buffer.name} is not flat; run StorageFlatten first")
            new = self.buf_remap[buffer] = replace(buffer, shape=(buffer.shape[0] * extent,))
        return new

    def _access(self, node):
        data = node.buffer.data
        if data in self.touched:
            self.visit_touched = True
        extent = self.alloc_remap.get(data)
        if extent is None:
            return node
        return replace(node, buffer=self._remapped_buffer(node.buffer, extent),
                       indices=(self._rewrite_index(node.indices[0], extent),))

    def visit_BufferLoad(self, node):
        return self._access(self.generic_visit(node))

    def visit_Call(self, node):
        if node.op == "tir.tvm_context_id":
            return node if self.allow_share else self.var
        if node.op != "tir.tvm_access_ptr" or node.args[1] not in self.alloc_remap:
            return self.generic_visit(node)
        self.visit_touched = True
        dtype_arg, data, offset, extent, mask = node.args
        offset, extent = self.visit(offset), self.visit(extent)
        offset = self._rewrite_index(offset, self.alloc_remap[data])
        return E.Call(node.dtype, node.op, (dtype_arg, data, offset, extent, mask))

    # --- statements ---

    def visit_Evaluate(self, node):
        self.trigger = not self.allow_share
        return self.generic_visit(node)

    def visit_BufferStore(self, node):
        node = self.generic_visit(node)
        self.trigger = not self.allow_share
        return self._access(node)

    def visit_AttrStmt(self, node):
        value = self.visit(node.value)
        if self._must_inject():
            return self._inject(node, before_mutation=True)
        if (not self.allow_share and not self.injected
                and node.attr_key in _COPROC_SCOPES):
            return self._inject(node, before_mutation=True)
        self.visit_touched = False
        body = self.visit(node.body)
        if value is node.value and body is node.body:
            return node
        return S.AttrStmt(node.node, node.attr_key, value, body)

    def visit_LetStmt(self, node):
        value = self.visit(node.value)
        if self._must_inject():
            return self._inject(node, before_mutation=True)
        self.visit_touched = False
        body = self.visit(node.body)
        if value is node.value and body is node.body:
            return node
        return S.LetStmt(node.var, value, body)

    def visit_For(self, node):
        if not is_const(node.min, 0):
            raise VirtualThreadError(f"loop {node.loop_var.name} inside a virtual thread must "
                                     "start at 0")
        extent = self.visit(node.extent)
        if self._must_inject():
            stmt = self._inject(node, before_mutation=True)
            self.loop_depth += 1
            return stmt
        self.visit_touched = False
        body = self.visit(node.body)
        self.loop_depth += 1
        if extent is node.extent and body is node.body:
            return node
        return replace(node, extent=extent, body=body)

    def visit_IfThenElse(self, node):
        condition = self.visit(node.condition)
        if self._must_inject():
            return self._inject(node, before_mutation=True)
        self.visit_touched = False
        then_case = self.visit(node.then_case)
        else_case = node.else_case
        if else_case is not None:
            outer, self.loop_depth = self.loop_depth, 0
            else_case = self.visit(else_case)
            self.loop_depth = max(outer, self.loop_depth)
        if (condition is node.condition and then_case is node.then_case
                and else_case is node.else_case):
            return node
        return S.IfThenElse(condition, then_case, else_case)

    def visit_While(self, node):
        raise VirtualThreadError("a while loop inside a virtual thread is not supported")

    def visit_SeqStmt(self, node):
        items = []
        for item in node.seq:
            outer, self.loop_depth = self.loop_depth, 0
            items.append(self.visit(item))
            self.loop_depth = max(self.loop_depth, outer)
        if all(a is b for a, b in zip(items, node.seq)):
            return node
        return S.seq(*items)

    def visit_Allocate(self, node):
        condition = self.visit(node.condition)
        extents = tuple(self.visit(e) for e in node.extents)
        if self._must_inject():
            return self._inject(node, before_mutation=True)
        self.visit_touched = False
        if node.buffer_var in self.touched or not self.allow_share:
            if len(extents) != 1:
                raise VirtualThreadError(f"allocation {node.buffer_var.name} is not flat; "
                                         "run StorageFlatten first")
            self.alloc_remap[node.buffer_var] = extents[0]
            extents = (extents[0] * self.nthreads,)
        body = self.visit(node.body)
        if (all(a is b for a, b in zip(extents, node.extents)) and body is node.body
                and condition is node.condition):
            return node
        return S.Allocate(node.buffer_var, node.dtype, extents, condition, body,
                          node.annotations)
