"""InjectDoubleBuffer: rewrites a double-buffered stage into two alternating halves of
one allocation, producing iteration i + 1 while iteration i is consumed.

TVM's `tir.transform.InjectDoubleBuffer`. `s[AA].double_buffer()` on a stage attached
inside loop `k` of its consumer leaves, after StorageFlatten,

    for k in range(n):                       AA = allocate([2 * E])
      AA = allocate([E])                     <produce AA for k = 0 into half 0>
      attr(AA, "double_buffer_scope")  ->    for k.outer in range(n - 1):
        <produce AA for k>                     if k.outer + 1 < n:
      <consume AA>                               attr(AA, "double_buffer_write")
                                                   <produce for k.outer + 1 into half (k.outer + 1) % 2>
                                               <consume half k.outer % 2>
                                             <the last iteration, k = n - 1, without producing>

The allocation doubles and moves out of the loop; every store into it inside the scope
goes to the half being written, every load reads half `k % 2`. The loop is split as
`PassContext(config={"tir.InjectDoubleBuffer": {"split_loop": f}})` says (default 1:
one copy of the body per outer iteration); the iterations past the last multiple of `f`
follow, guarded, without producing. Loop and let variables the copies define twice are
renamed (TVM's ConvertSSA).

It runs in phase 2 after InjectVirtualThread, on flat 1-D allocations, and before
StorageRewrite, which then plans the doubled allocation.
"""
from __future__ import annotations

from dataclasses import replace

from ..error import TVMError
from ..tir import expr as E
from ..tir import op as _op
from ..tir import stmt as S
from ..tir.functor import Mutator, Visitor, substitute
from .ir_utils import is_const, merge_nest, zero
from .pass_infra import FLATTENED, PassContext, lowering_pass

SCOPE, WRITE = "double_buffer_scope", "double_buffer_write"
NO_OP = S.Evaluate(E.IntImm("int32", 0))


class DoubleBufferError(TVMError, ValueError):
    """A double-buffered stage that cannot be double buffered (names its buffer)."""


@lowering_pass("tir.InjectDoubleBuffer", requires=(FLATTENED,))
def inject_double_buffer(func):
    """Double every buffer of `func` marked by a double_buffer_scope attribute."""
    config = PassContext.current().config.get("tir.InjectDoubleBuffer", {})
    split_loop = config.get("split_loop", 1)
    if not isinstance(split_loop, int) or split_loop < 1 \
            or (split_loop != 1 and split_loop % 2):
        raise DoubleBufferError("tir.InjectDoubleBuffer: split_loop must be 1 or a positive "
                                f"multiple of 2, got {split_loop!r}")
    buffers = _double_buffered(func.body)
    if not buffers:
        return func
    body = _Injector(buffers, split_loop).visit(func.body)
    return func.with_body(_ConvertSSA().visit(body))


def _double_buffered(body):
    """The data vars named by double_buffer_scope attributes and used nowhere else."""
    d = _Detect()
    d.visit(body)
    return [v for v in d.marked if v not in d.used]


class _Detect(Visitor):
    # Module level: a class made per call is a reference cycle (and a new dispatch table)
    # at every lowering.
    def __init__(self):
        self.marked, self.used = [], set()

    def visit_AttrStmt(self, node):
        if node.attr_key == SCOPE:
            self.marked.append(node.node)
        self.generic_visit(node)

    def visit_Var(self, node):
        self.used.add(node)


class _Entry:
    def __init__(self):
        self.stride = None          # the extent of one half
        self.loop = None            # the For the buffer alternates over
        self.write = None           # the half being written (a placeholder var)
        self.read = None            # the half being read: loop_var % 2


class _Injector(Mutator):
    def __init__(self, buffers, split_loop):
        self.entries = {v: _Entry() for v in buffers}
        self.split_loop = split_loop
        self.loops = []             # enclosing original For nodes, innermost last
        self.allocs = {}            # id(For) -> allocations hoisted before it
        self.prologue = {}          # id(For) -> statements run before it

    def visit_AttrStmt(self, node):
        if node.attr_key == SCOPE and node.node in self.entries:
            return self._producer(node)
        return self.generic_visit(node)

    def _producer(self, node):
        data = node.node
        if not self.loops:
            raise DoubleBufferError(
                f"double_buffer of '{data.name}': the stage is not computed inside a loop "
                "of its consumer; compute_at it inside one to double buffer it")
        e = self.entries[data]
        loop = e.loop = self.loops[-1]
        var = loop.loop_var
        e.write = E.Var(var.name + ".db", var.dtype)
        e.read = _op.floormod(var, 2)
        body = self.visit(node.body)
        self.prologue.setdefault(id(loop), []).append(
            substitute(body, {e.write: zero(), var: zero()}))
        shift = var + 1
        body = substitute(body, {var: shift, e.write: _op.floormod(shift, 2)})
        return S.IfThenElse(shift < loop.extent, S.AttrStmt(data, WRITE, _op.const(1), body))

    def visit_Allocate(self, node):
        e = self.entries.get(node.buffer_var)
        if e is None:
            return self.generic_visit(node)
        if len(node.extents) != 1:
            raise DoubleBufferError(f"double_buffer of '{node.buffer_var.name}': expects a "
                                    "flat buffer (run StorageFlatten first)")
        e.stride = node.extents[0]
        node = self.generic_visit(node)
        if e.loop is None:
            raise DoubleBufferError(f"double_buffer of '{node.buffer_var.name}': its "
                                    "allocation is not inside the loop it alternates over")
        self.allocs.setdefault(id(e.loop), []).append(
            replace(node, extents=(node.extents[0] * 2,), body=NO_OP))
        return node.body

    def visit_For(self, node):
        self.loops.append(node)
        new = self.generic_visit(node)
        key = id(self.loops.pop())
        if key in self.prologue:
            new = S.seq(*self.prologue.pop(key), *self._split(new))
        if key in self.allocs:
            new = merge_nest(self.allocs.pop(key), new)
        return new

    def _split(self, loop):
        """The loop over iterations 0 .. n-2 in copies of `split_loop`, then the rest."""
        if not is_const(loop.min, 0):
            raise DoubleBufferError(f"double_buffer over loop '{loop.loop_var.name}': the "
                                    "loop must start at 0")
        f, var = self.split_loop, loop.loop_var
        outer_extent = (loop.extent - 1) // f if f != 1 else loop.extent - 1
        outer = E.Var(var.name + ".outer", var.dtype)
        copies = [substitute(loop.body, {var: outer * f + i}) for i in range(f)]
        tail_body = _StripWrite().visit(loop.body)
        tail = []
        for i in range(f):
            index = outer_extent * f + i
            tail.append(S.IfThenElse(index < loop.extent, substitute(tail_body, {var: index})))
        return [replace(loop, loop_var=outer, extent=outer_extent, body=S.seq(*copies))] + tail

    def visit_BufferStore(self, node):
        node = self.generic_visit(node)
        e = self.entries.get(node.buffer.data)
        if e is None:
            return node
        return replace(node, buffer=self._half(node.buffer, e),
                       indices=(e.write * e.stride + node.indices[0],))

    def visit_BufferLoad(self, node):
        node = self.generic_visit(node)
        e = self.entries.get(node.buffer.data)
        if e is None or e.read is None:
            return node
        return replace(node, buffer=self._half(node.buffer, e),
                       indices=(e.read * e.stride + node.indices[0],))

    @staticmethod
    def _half(buffer, e):
        # as TVM: the flat buffer grows by one half (the stride between the halves)
        return replace(buffer, shape=(buffer.shape[0] + e.stride,))


class _StripWrite(Mutator):
    def visit_AttrStmt(self, node):
        if node.attr_key == WRITE:
            return self.visit(node.body)
        return self.generic_visit(node)


class _ConvertSSA(Mutator):
    """Gives a loop or let variable defined a second time a fresh variable."""

    def __init__(self):
        self.defined = set()
        self.remap = {}

    def visit_Var(self, node):
        return self.remap.get(node, node)

    def visit_For(self, node):
        return self._define(node, "loop_var")

    def visit_LetStmt(self, node):
        return self._define(node, "var")

    def _define(self, node, field):
        var = getattr(node, field)
        if var not in self.defined:
            self.defined.add(var)
            return self.generic_visit(node)
        saved = self.remap.get(var)
        fresh = self.remap[var] = E.Var(var.name, var.dtype)
        node = self.generic_visit(replace(node, **{field: fresh}))
        if saved is None:
            del self.remap[var]
        else:
            self.remap[var] = saved
        return node
