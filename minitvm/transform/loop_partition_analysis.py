"""Which loops LoopPartition partitions and where (TVM's CandidateSelector and
PartitionFinder), for `loop_partition`.

`Candidates` walks a statement once and collects the loops (and `blockIdx` launches)
worth partitioning: of symbolic min or extent (any, with `partition_const_loop`), whose
body reads the loop variable inside `likely(...)`, and not beside a cross-thread
reduction; and the variables of loops marked `pragma_loop_partition_hint`. `Finder`
walks one candidate's body and, for each `likely` condition on its variable (each
comparison, under a hint), deduces with `arith.deduce_bound` the interval on which the
condition holds and the one on which its negation holds.
"""
from __future__ import annotations

from contextlib import contextmanager

from ..arith import Analyzer
from ..arith.deduce_bound import deduce_bound
from ..arith.int_set import IntSet
from ..tir import expr as E
from ..tir import op
from ..tir.analysis import uses_any_var
from ..tir.functor import Visitor

HINT = "pragma_loop_partition_hint"
_COMPARISONS = (E.LT, E.LE, E.GT, E.GE, E.EQ, E.NE)
_INVERSE = {E.LT: E.GE, E.GT: E.LE, E.LE: E.GT, E.GE: E.LT, E.EQ: E.NE, E.NE: E.EQ}


def _is_const(e):
    return isinstance(e, E.IntImm)


def block_launch(s):
    """The thread var of a `blockIdx` launch (thread rank 0), else None."""
    if s.attr_key == "thread_extent" and isinstance(s.node, E.IterVar) \
            and s.node.thread_tag.startswith("blockIdx"):
        return s.node.var
    return None


class Candidates(Visitor):
    """TVM's CandidateSelector: the loops and launches worth partitioning."""

    def __init__(self, partition_const_loop):
        self.partition_const = partition_const_loop
        self.found, self.hinted = set(), set()
        self.record, self.in_likely, self.no_split = {}, False, False
        self.tagged = False          # saw a `likely` or a partition hint

    def _consider(self, node, var, const):
        if const and not self.partition_const:
            return self.generic_visit(node)
        if var in self.hinted:
            self.found.add(node)
            return self.generic_visit(node)
        self.record[var] = False
        self.generic_visit(node)
        if self.record.pop(var) and not self.no_split:
            self.found.add(node)

    def visit_For(self, s):
        self._consider(s, s.loop_var, _is_const(s.min) and _is_const(s.extent))

    def visit_AttrStmt(self, s):
        var = block_launch(s)
        if var is not None:
            return self._consider(s, var, _is_const(s.value))
        if s.attr_key == HINT:
            self.tagged = True
            if Analyzer().can_prove(s.value):
                self.hinted.add(s.node.var if isinstance(s.node, E.IterVar) else s.node)
        self.generic_visit(s)

    def visit_SeqStmt(self, s):
        before = self.no_split
        for child in s.seq:
            saved, self.no_split = self.no_split, before
            self.visit(child)
            self.no_split = self.no_split or saved

    def visit_Call(self, e):
        if e.op == "tir.likely":
            self.in_likely = self.tagged = True
            self.generic_visit(e)
            self.in_likely = False
        elif e.op == "tir.tvm_thread_allreduce":
            self.no_split = True
        else:
            self.generic_visit(e)

    def visit_Var(self, e):
        if self.in_likely and e in self.record:
            self.record[e] = True


class Finder(Visitor):
    """TVM's PartitionFinder: {(condition, holds): (lo, hi)} for the loop variable."""

    def __init__(self, var, hint_map, relax_map, hinted):
        self.var, self.hinted = var, hinted
        self.hint_map, self.relax_map = dict(hint_map), dict(relax_map)
        self.partitions = {}

    @contextmanager
    def _bound(self, var, dom):
        self.hint_map[var] = self.relax_map[var] = dom
        try:
            yield
        finally:
            del self.hint_map[var], self.relax_map[var]

    def visit_For(self, s):
        outer = set(self.hint_map) | set(self.relax_map)
        if uses_any_var(s.min, outer) or uses_any_var(s.extent, outer):
            return
        with self._bound(s.loop_var, IntSet(s.min, op.sub(op.add(s.min, s.extent), 1))):
            self.generic_visit(s)

    def visit_AttrStmt(self, s):
        if s.attr_key == "thread_extent" and isinstance(s.node, E.IterVar):
            with self._bound(s.node.var, IntSet(op.const(0, s.value.dtype),
                                                op.sub(s.value, 1))):
                return self.generic_visit(s)
        self.generic_visit(s)

    def visit_Call(self, e):
        if e.op == "tir.likely":
            return self._deduce(e.args[0])
        self.generic_visit(e)

    def visit_CmpOp(self, e):
        if self.hinted and isinstance(e, _COMPARISONS):
            return self._deduce(e)
        self.generic_visit(e)

    def _deduce(self, cond):
        if not uses_any_var(cond, {self.var}):
            return
        for holds, c in ((True, cond), (False, _inverse(cond))):
            found = None if c is None else deduce_bound(self.var, c, self.hint_map,
                                                        self.relax_map)
            if found is not None:
                self.partitions[cond, holds] = found


def _inverse(cond):
    cls = _INVERSE.get(type(cond))
    return None if cls is None else cls(cond.a, cond.b)
