"""LoopPartition: splits a loop of symbolic extent at its `likely` guards into a part where
the guard always holds, without the guard, and the rest (TVM's `tir.transform.LoopPartition`
with its default configuration), then drops every `likely` tag.

    for i_outer in range((n + 3) // 4):          for i_outer in range(n // 4):
        for i_inner in range(4):                     for i_inner in range(4):
            if likely(i_outer * 4 + i_inner < n):        C[i_outer * 4 + i_inner] = ...
                C[i_outer * 4 + i_inner] = ...  ->  for i_outer in range((n + 3) // 4 - n // 4):
                                                     for i_inner in range(4):
                                                         if (i_outer + n // 4) * 4 + i_inner < n: ...

Which loops, as TVM decides by default (`partition_const_loop=False`): a loop whose min or
extent is not a constant (or any loop, with `PassContext(config={"tir.LoopPartition":
{"partition_const_loop": True}})`), or a `blockIdx` thread launch of symbolic extent,
whose body reads the loop variable inside a `likely(...)` condition, unless the body
holds a cross-thread reduction (`tvm_thread_allreduce`) in the same sequence; and any loop
marked `pragma_loop_partition_hint`, whose comparisons (not only `likely` ones) count.
For each such condition `arith.deduce_bound` gives the interval of the loop variable on
which it holds (or fails); the intersection of those intervals is the middle loop, with
the conditions replaced by true (or, when only the negations have an interval, false);
the loops before and after keep the body as it was, and are partitioned again. A thread
launch is not split: its body becomes `if <in the middle interval>: <body without the
conditions> else: <body>`. A part of extent 1 is inlined (its variable replaced by 0).

It runs first in phase 2, where TVM runs it, before VectorizeLoop (so the middle part's
vectorized loops have no guard and become vector expressions), and only when `lower` is
called without `simple_mode` (TVM's `disable_loop_partition=simple_mode`); `build` lowers
that way, as TVM does. Partitioning duplicates code, never changes results.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace

from ..arith import Analyzer
from ..arith.deduce_bound import deduce_bound
from ..arith.int_set import IntSet
from ..tir import expr as E
from ..tir import op
from ..tir import stmt as S
from ..tir.functor import Mutator, Visitor, post_order_visit, substitute
from .convert_ssa import convert_ssa
from .pass_infra import PassContext, lowering_pass

CONFIG = "tir.LoopPartition"
HINT = "pragma_loop_partition_hint"
_COMPARISONS = (E.LT, E.LE, E.GT, E.GE, E.EQ, E.NE)
_INVERSE = {E.LT: E.GE, E.GT: E.LE, E.LE: E.GT, E.GE: E.LT, E.EQ: E.NE, E.NE: E.EQ}


@lowering_pass("tir.LoopPartition")
def loop_partition(func):
    """`func` with its candidate loops partitioned and `likely` tags removed."""
    config = PassContext.current().config.get(CONFIG, {})
    partitioner = _Partitioner(bool(config.get("partition_const_loop", False)))
    body = partitioner.run(func.body)
    if not partitioner.candidates.tagged:     # nothing to partition and no tag to remove
        return func
    return func.with_body(_RemoveLikelyAndHints().visit(body))


def _is_const(e):
    return isinstance(e, E.IntImm)


def _block_launch(s):
    """The thread var of a `blockIdx` launch (thread rank 0), else None."""
    if s.attr_key == "thread_extent" and isinstance(s.node, E.IterVar) \
            and s.node.thread_tag.startswith("blockIdx"):
        return s.node.var
    return None


class _Candidates(Visitor):
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
        var = _block_launch(s)
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


class _Finder(Visitor):
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
        if _uses_any(s.min, outer) or _uses_any(s.extent, outer):
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
        if not _uses_any(cond, {self.var}):
            return
        for holds, c in ((True, cond), (False, _inverse(cond))):
            found = None if c is None else deduce_bound(self.var, c, self.hint_map,
                                                        self.relax_map)
            if found is not None:
                self.partitions[cond, holds] = found


def _inverse(cond):
    cls = _INVERSE.get(type(cond))
    return None if cls is None else cls(cond.a, cond.b)


def _uses_any(expr, variables):
    found = []
    post_order_visit(expr, lambda n: found.append(n) if n in variables else None)
    return bool(found)


class _Partitioner(Mutator):
    """TVM's LoopPartitioner: partitions the candidates, outermost first."""

    def __init__(self, partition_const_loop):
        self.partition_const = partition_const_loop
        self.hint_map, self.relax_map = {}, {}
        self.analyzer = Analyzer()
        self.candidates = _Candidates(partition_const_loop)

    def run(self, stmt):
        """TVM's VisitAndMutate: select candidates in `stmt`, then partition them."""
        self.candidates.visit(stmt)
        return self.visit(stmt) if self.candidates.found else stmt

    def visit(self, node):
        return node if isinstance(node, E.PrimExpr) else Mutator.visit(self, node)

    def visit_For(self, s):
        self.analyzer.bind(s.loop_var, E.Range(s.min, s.extent), allow_override=True)
        last = op.sub(op.add(s.min, s.extent), 1)
        if s in self.candidates.found:
            done = self._try(s, s.loop_var, s.min, last, s.body, thread=False)
            if done is not None:
                return done
        return self._inside(self.hint_map, s.loop_var, IntSet(s.min, last), s)

    def visit_AttrStmt(self, s):
        if s.attr_key != "thread_extent" or not isinstance(s.node, E.IterVar):
            return self.generic_visit(s)
        var = s.node.var
        last = op.sub(s.value, 1)
        if s in self.candidates.found:
            done = self._try(s, var, op.const(0, var.dtype), last, s.body, thread=True)
            if done is not None:
                return done
        rank0 = _block_launch(s) is not None
        return self._inside(self.hint_map if rank0 else self.relax_map, var,
                            IntSet(op.const(0, var.dtype), last), s)

    def _inside(self, domains, var, dom, s):
        domains[var] = dom
        try:
            return self.generic_visit(s)
        finally:
            del domains[var]

    def _try(self, stmt, var, lo, hi, body, thread):
        """TVM's TryPartition: the partitioned statement, `stmt` itself, or None."""
        hinted = var in self.candidates.hinted
        self.hint_map[var] = IntSet(lo, hi)
        finder = _Finder(var, self.hint_map, self.relax_map, hinted)
        finder.visit(body)
        del self.hint_map[var]
        if not finder.partitions:
            return None
        chosen = self._middle(finder.partitions, (lo, hi), hinted)
        if chosen is None:
            return None
        middle, conds, holds = chosen
        if middle is None:
            return stmt
        return self._split(stmt, var, lo, hi, body, middle, conds, holds, thread)

    def _middle(self, partitions, loop, hinted):
        """(interval, conditions, their value) of the middle part, (None, ...) when the
        loop is left as it is, or None when it cannot be partitioned."""
        for holds in (True, False):
            interval, conds = self._interval_and_conds(partitions, loop, holds, hinted)
            if interval is not None:
                return interval, conds, holds
        for lo, hi in partitions.values():
            if lo is None or hi is None or not self.analyzer.can_prove(op.equal(lo, hi)):
                return None
            if self.analyzer.can_prove(op.greater_equal(lo, loop[0])) and \
                    self.analyzer.can_prove(op.less_equal(lo, loop[1])):
                return None
        return None, (), False

    def _interval_and_conds(self, partitions, loop, holds, hinted):
        sets, conds = [], []
        for (cond, value), interval in partitions.items():
            if value == holds and not self._empty(_intersect(interval, loop)):
                sets.append(interval)
                conds.append(cond)
        if sets:
            result = sets[0]
            for s in sets[1:]:
                result = _intersect(result, s)
            return result, conds
        if not hinted:
            return None, conds
        return self._hinted_interval(partitions, loop, holds)

    def _hinted_interval(self, partitions, loop, holds):
        """With a partition hint: the conditions, in order, while their intervals meet."""
        together, conds, result = (None, None), [], None
        for (cond, value), interval in partitions.items():
            if value != holds or self._empty(_intersect(interval, loop)):
                continue
            together = _intersect(together, interval)
            if self._empty(together):
                break
            conds.append(cond)
            result = tuple(None if b is None else self.analyzer.simplify(b) for b in together)
        return result, conds

    def _empty(self, interval):
        lo, hi = interval
        return lo is not None and hi is not None and self.analyzer.can_prove(op.greater(lo, hi))

    def _split(self, stmt, var, lo, hi, body, middle, conds, holds, thread):
        ana = self.analyzer
        begin, pre, pre_again = lo, None, True
        if middle[0] is not None:
            begin = ana.simplify(middle[0])
            if not ana.can_prove(op.equal(begin, lo)):
                extent = ana.simplify(op.sub(begin, lo))
                if not ana.can_prove(op.greater(extent, 0)):
                    begin, pre_again = op.max(begin, lo), False
                if not ana.can_prove(op.less_equal(extent, 0)) and not thread:
                    pre = self._make_for(stmt, op.sub(begin, lo),
                                         substitute(body, {var: op.add(var, lo)}))
        end, post, post_again = op.add(hi, 1), None, True
        if middle[1] is not None:
            end = ana.simplify(op.add(middle[1], 1))
            if not ana.can_prove(op.equal(middle[1], hi)):
                extent = ana.simplify(op.add(op.sub(hi, end), 1))
                if not ana.can_prove(op.greater(extent, 0)):
                    end, post_again = op.min(end, op.add(hi, 1)), False
                if not ana.can_prove(op.less_equal(extent, 0)) and not thread:
                    post = self._make_for(stmt, extent, substitute(body, {var: op.add(var, end)}))
        eliminate = _Eliminate({id(c) for c in conds}, holds)
        if thread:
            return self._thread_split(stmt, var, lo, hi, begin, end, eliminate)
        eliminated = eliminate.visit(body)
        mid = None
        if not ana.can_prove(op.greater_equal(begin, end)):
            mid = self._again(self._make_for(
                stmt, op.sub(end, begin), substitute(eliminated, {var: op.add(var, begin)})))
            pre = self._again(pre) if pre is not None and pre_again else pre
            post = self._again(post) if post is not None and post_again else post
        return convert_ssa(S.seq(*(part for part in (pre, mid, post) if part is not None)))

    def _again(self, stmt):
        return self.run(stmt)

    def _thread_split(self, stmt, var, lo, hi, begin, end, eliminate):
        cond = op.const(True, "bool")
        if not self.analyzer.can_prove(op.equal(begin, lo)):
            cond = op.logical_and(cond, op.greater_equal(var, begin))
        if not self.analyzer.can_prove(op.equal(end, op.add(hi, 1))):
            cond = op.logical_and(cond, op.less(var, end))
        return convert_ssa(_InnermostLaunch(cond, eliminate).visit(stmt))

    def _make_for(self, loop, extent, body):
        if self.analyzer.can_prove(op.equal(extent, 1)) and not loop.annotations:
            return substitute(body, {loop.loop_var: op.const(0, loop.loop_var.dtype)})
        return replace(loop, min=op.const(0, loop.min.dtype), extent=extent, body=body)


def _intersect(a, b):
    lo = a[0] if b[0] is None else b[0] if a[0] is None else op.max(a[0], b[0])
    hi = a[1] if b[1] is None else b[1] if a[1] is None else op.min(a[1], b[1])
    return lo, hi


class _Eliminate(Mutator):
    """The partition's conditions (by identity) replaced by their value there."""

    def __init__(self, ids, value):
        self.ids, self.value = ids, op.const(value, "bool")

    def visit(self, node):
        return self.value if id(node) in self.ids else Mutator.visit(self, node)


class _InnermostLaunch(Mutator):
    """The body of the innermost thread launch becomes `if cond: <body, conditions
    eliminated> else: <body>` (TVM's ThreadPartitionInserter)."""

    def __init__(self, cond, eliminate):
        self.cond, self.eliminate = cond, eliminate
        self.innermost = False

    def visit(self, node):
        return node if isinstance(node, E.PrimExpr) else Mutator.visit(self, node)

    def visit_AttrStmt(self, s):
        if s.attr_key != "thread_extent":
            return self.generic_visit(s)
        self.innermost = True
        result = self.generic_visit(s)
        if self.innermost:
            result = replace(s, body=S.IfThenElse(self.cond, self.eliminate.visit(s.body),
                                                  s.body))
        self.innermost = False
        return result


class _RemoveLikelyAndHints(Mutator):
    """`likely(c)` becomes `c`; partition-hint attributes are dropped."""

    def visit_Call(self, e):
        if e.op == "tir.likely":
            return self.visit(e.args[0])
        return self.generic_visit(e)

    def visit_AttrStmt(self, s):
        if s.attr_key == HINT:
            return self.visit(s.body)
        return self.generic_visit(s)
