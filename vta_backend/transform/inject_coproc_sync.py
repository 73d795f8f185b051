"""InjectCoProcSync (phase 1, after the coprocessor scopes are lifted): inserts VTA's
dependence tokens and the final synchronisation (VTA's python pass + TVM's
`tir.CoProcSync`).

VTA runs three queues (1 load, 2 compute, 3 store) concurrently; the only ordering
between them is the tokens the program pushes and pops. Each `coproc_scope(q)` is a
state; walking the program in order, between consecutive states on different queues
`from -> to` the pass inserts `coproc_dep_push(from, to)` at the end of the first scope's
body and `coproc_dep_pop(from, to)` at the start of the next. A loop is summarised by its
first and last states, with a loop-carried pair (push after the last state, pop before
the first) recorded as what the loop already pushes on exit and pops on entry; the
enclosing sequence then adds a compensating push before the loop or pop after it where
such a pair is not matched. At the top level the first state's entry pops get pushes
before it and the last state's exit pushes get pops after it, so every token is consumed.
One `coproc_sync()` is appended after the whole body. The virtual-thread injection of
phase 2 then replicates scopes together with their tokens, which is how listing 3 gets
its interleaved pushes and pops.

Also rewrites `pragma_coproc_sync` (body, then a sync) and `pragma_trim_loop` (the loop
runs 2 iterations), VTA's debugging pragmas.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from minitvm.tir import op
from minitvm.tir import stmt as S
from minitvm.tir.functor import Mutator, Visitor
from minitvm.transform.pass_infra import FLATTENED, lowering_pass

from ..environment import VTAError
from .common import (ACCESS_PTR, COPROC_SCOPE, COPROC_SYNC, DEP_POP, DEP_PUSH, int_call,
                     match_pragma)


class CoProcSyncError(VTAError, ValueError):
    """The program cannot be synchronised with VTA's dependence tokens."""


class _DebugPragmas(Mutator):
    def visit_AttrStmt(self, node):
        node = self.generic_visit(node)
        if match_pragma(node, "coproc_sync"):
            return S.seq(node.body, int_call(COPROC_SYNC))
        if match_pragma(node, "trim_loop"):
            if not isinstance(node.body, S.For):
                raise CoProcSyncError(f"pragma trim_loop must annotate a loop, not {node.body!r}")
            return replace(node.body, extent=op.const(2))
        return node


class _Touched(Visitor):
    """Buffers touched inside and outside coprocessor scopes, and the scopes' axes."""

    def __init__(self):
        self.in_scope = False
        self.axes = []
        self.inside, self.outside = {}, {}

    def visit_AttrStmt(self, node):
        if node.attr_key == COPROC_SCOPE and not self.in_scope:
            if not any(a is node.node for a in self.axes):
                self.axes.append(node.node)
            self.in_scope = True
            self.generic_visit(node)
            self.in_scope = False
        else:
            self.generic_visit(node)

    def touch(self, var, name):
        (self.inside if self.in_scope else self.outside)[id(var)] = name

    def visit_BufferLoad(self, node):
        self.touch(node.buffer.data, node.buffer.name)
        self.generic_visit(node)

    visit_BufferStore = visit_BufferLoad

    def visit_Call(self, node):
        if node.op == ACCESS_PTR:
            self.touch(node.args[1], node.args[1].name)
        self.generic_visit(node)


@dataclass
class _State:
    """A coprocessor scope, or a loop/branch summarised by its first and last scopes."""
    node: object = None
    enter_ctx: set = field(default_factory=set)
    exit_ctx: set = field(default_factory=set)
    enter_pop: list = field(default_factory=list)     # (from, to) pairs already popped
    exit_push: list = field(default_factory=list)     # (from, to) pairs already pushed


class _DepDetector(Visitor):
    """TVM's CoProcInstDepDetector: plans token pushes/pops around coprocessor scopes."""

    def __init__(self, axis):
        self.axis = axis
        self.first = self.last = None
        self.before, self.after = {}, {}      # id(stmt) -> statements to insert

    def plan(self, body):
        self.visit(body)
        if self.last is not None:
            self.fix_enter_pop(self.first)
            self.fix_exit_push(self.last)

    def visit_AttrStmt(self, node):
        if node.attr_key == COPROC_SCOPE and node.node is self.axis:
            ctx = node.value.value
            self.update(_State(node.body, {ctx}, {ctx}))
        else:
            self.generic_visit(node)

    def visit_For(self, node):
        saved, (self.first, self.last) = (self.first, self.last), (None, None)
        self.visit(node.body)
        state = None
        if self.last is not None:
            state = _State(node, set(self.first.enter_ctx), set(self.last.exit_ctx))
            self.inject(self.last, self.first, state.exit_push, state.enter_pop)
        self.first, self.last = saved
        if state is not None:
            self.update(state)

    def visit_IfThenElse(self, node):
        saved = (self.first, self.last)
        state = _State()
        for branch in (node.then_case, node.else_case):
            if branch is None:
                continue
            self.first = self.last = None
            self.visit(branch)
            if self.last is not None:
                state.node = node
                self.fix_enter_pop(self.first)
                self.fix_exit_push(self.last)
                state.enter_ctx |= self.first.enter_ctx
                state.exit_ctx |= self.last.exit_ctx
        self.first, self.last = saved
        if state.node is not None:
            self.update(state)

    def visit_While(self, node):
        raise CoProcSyncError("VTA dependence tokens cannot be placed around a while loop")

    def update(self, state):
        if self.last is not None:
            self.inject(self.last, state, [], [])
            self.last = state
        else:
            self.first = self.last = state

    def inject(self, prev, nxt, prev_exit_push, next_enter_pop):
        """Tokens between `prev` and `nxt`; records the pairs left pushed at `prev`'s exit
        and popped at `nxt`'s entry."""
        if (not prev.exit_push and not nxt.enter_pop and len(prev.exit_ctx) == 1
                and len(nxt.enter_ctx) == 1):
            (src,), (dst,) = prev.exit_ctx, nxt.enter_ctx
            if src != dst:
                self.insert(self.after, prev.node, _push(src, dst))
                self.insert(self.before, nxt.node, _pop(src, dst))
                prev_exit_push.append((src, dst))
                next_enter_pop.append((src, dst))
            return
        vpush, vpop = list(prev.exit_push), list(nxt.enter_pop)
        prev_after, next_before = [], []
        for pair in ((a, b) for a in sorted(prev.exit_ctx) for b in sorted(nxt.enter_ctx)
                     if a != b):
            if pair not in prev.exit_push:
                vpush.append(pair)
                prev_after.append(_push(*pair))
            if pair not in nxt.enter_pop:
                vpop.append(pair)
                next_before.append(_pop(*pair))
        for pair in vpush:
            if pair in vpop:
                prev_exit_push.append(pair)
            else:
                prev_after.append(_pop(*pair))
        for pair in vpop:
            if pair in vpush:
                next_enter_pop.append(pair)
            else:
                next_before.append(_push(*pair))
        self.insert(self.after, prev.node, *prev_after)
        self.insert(self.before, nxt.node, *next_before)

    def fix_enter_pop(self, state):
        self.insert(self.before, state.node, *(_push(*p) for p in state.enter_pop))

    def fix_exit_push(self, state):
        self.insert(self.after, state.node, *(_pop(*p) for p in state.exit_push))

    @staticmethod
    def insert(table, node, *stmts):
        if stmts:
            table.setdefault(id(node), []).extend(stmts)


def _push(src, dst):
    return int_call(DEP_PUSH, src, dst)


def _pop(src, dst):
    return int_call(DEP_POP, src, dst)


class _Inserter(Mutator):
    def __init__(self, before, after):
        self.before, self.after = before, after

    def visit(self, node):
        new = Mutator.visit(self, node)
        if isinstance(node, S.Stmt) and (id(node) in self.before or id(node) in self.after):
            return S.seq(*self.before.get(id(node), ()), new, *self.after.get(id(node), ()))
        return new


def _check_touched(touched):
    shared = sorted(set(touched.inside) & set(touched.outside))
    if shared:
        names = ", ".join(repr(touched.inside[k]) for k in shared)
        raise CoProcSyncError(
            f"buffer {names} is accessed both by the host CPU and inside a VTA coprocessor "
            "scope; VTA has no read/write barriers between them: give the stage that "
            "touches it on the CPU a dma_copy or alu pragma, or tensorize it")
    if len(touched.axes) > 1:
        names = ", ".join(repr(a.var.name) for a in touched.axes)
        raise CoProcSyncError(f"coproc_scope attributes use several axes ({names}); "
                              "VTA programs have one coprocessor axis")


@lowering_pass("tir.vta.InjectCoProcSync", requires=(FLATTENED,))
def inject_coproc_sync(func):
    """Insert dependence-token pushes/pops between VTA queues and the final sync."""
    body = _DebugPragmas().visit(func.body)
    touched = _Touched()
    touched.visit(body)
    if not touched.axes:
        return func.with_body(body)
    _check_touched(touched)
    detector = _DepDetector(touched.axes[0])
    # TVM's sync planner queues the final sync before the detector's insertions.
    after = {id(body): [int_call(COPROC_SYNC)]}
    detector.plan(body)
    for key, stmts in detector.after.items():
        after.setdefault(key, []).extend(stmts)
    return func.with_body(_Inserter(detector.before, after).visit(body))
