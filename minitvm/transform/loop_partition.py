"""LoopPartition: splits a loop of symbolic extent at its `likely` guards into a part where
the guard always holds, without the guard, and the rest (TVM's `tir.transform.LoopPartition`
with its default configuration), then drops every `likely` tag.

    for i_outer in range((n + 3) // 4):          for i_outer in range(n // 4):
        for i_inner in range(4):                     for i_inner in range(4):
            if likely(i_outer * 4 + i_inner < n):        C[i_outer * 4 + i_inner] = ...
                C[i_outer * 4 + i_inner] = ...  ->  for i_outer in range((n + 3) // 4 - n // 4):
                                                     for i_inner in range(4):
                                                         if (i_outer + n // 4) * 4 + i_inner < n: ...

Which loops (`loop_partition_analysis` finds them), as TVM decides by default
(`partition_const_loop=False`): a loop whose min or extent is not a constant (or any
loop, with `PassContext(config={"tir.LoopPartition": {"partition_const_loop": True}})`),
or a `blockIdx` thread launch of symbolic extent,
whose body reads the loop variable inside a `likely(...)` condition, unless the body
holds a cross-thread reduction (`tvm_thread_allreduce`) in the same sequence; and any loop
marked `pragma_loop_partition_hint`, whose comparisons (not only `likely` ones) count.
For each such condition `arith.deduce_bound` gives the interval of the loop variable on
which it holds (or fails); the intersection of those intervals is the middle loop, with
the conditions replaced by true (or, when only the negations have an interval, false);
the loops before and after keep the body as it was, and are partitioned again. A thread
launch is not split: its body becomes `if <in the middle interval>: <body without the
conditions> else: <body>`. A part of extent 1 is inlined (its variable replaced by 0)
unless the config sets `no_unroll_loop_with_extent_one`; allocations copied into several
parts get fresh variables (`convert_ssa`); an unknown config option is an error.

It runs first in phase 2, where TVM runs it, before VectorizeLoop (so the middle part's
vectorized loops have no guard and become vector expressions), and only when `lower` is
called without `simple_mode` (TVM's `disable_loop_partition=simple_mode`); `build` lowers
that way, as TVM does. Partitioning duplicates code, never changes results.
"""
from __future__ import annotations

from dataclasses import replace

from ..arith import Analyzer
from ..arith.int_set import IntSet
from ..error import TVMError
from ..tir import expr as E
from ..tir import op
from ..tir import stmt as S
from ..tir.functor import Mutator, StmtMutator, substitute
from .convert_ssa import convert_ssa
from .loop_partition_analysis import HINT, Candidates, Finder, block_launch
from .pass_infra import PassContext, lowering_pass

CONFIG = "tir.LoopPartition"


@lowering_pass("tir.LoopPartition")
def loop_partition(func):
    """`func` with its candidate loops partitioned and `likely` tags removed."""
    config = _config()
    partitioner = _Partitioner(config["partition_const_loop"],
                               config["no_unroll_loop_with_extent_one"])
    body = partitioner.run(func.body)
    if not partitioner.candidates.tagged:     # nothing to partition and no tag to remove
        return func
    return func.with_body(_RemoveLikelyAndHints().visit(body))


class LoopPartitionConfigError(TVMError, ValueError):
    """An option of the "tir.LoopPartition" config that TVM's LoopPartitionConfig lacks."""


def _config():
    """The "tir.LoopPartition" options of the current PassContext, with TVM's defaults
    (`unroll_loop_with_partition_hint_no_interval` is TVM's too, but not built)."""
    given = dict(PassContext.current().config.get(CONFIG, {}))
    options = {"partition_const_loop": False, "no_unroll_loop_with_extent_one": False}
    unknown = sorted(set(given) - set(options))
    if unknown:
        raise LoopPartitionConfigError(
            f"PassContext config {CONFIG!r}: unknown option {unknown[0]!r}; the options are "
            f"{', '.join(options)}")
    return {key: bool(given.get(key, default)) for key, default in options.items()}


class _Partitioner(StmtMutator):
    """TVM's LoopPartitioner: partitions the candidates, outermost first."""

    def __init__(self, partition_const_loop, keep_unit_loops):
        self.partition_const, self.keep_unit_loops = partition_const_loop, keep_unit_loops
        self.hint_map, self.relax_map = {}, {}
        self.analyzer = Analyzer()
        self.candidates = Candidates(partition_const_loop)

    def run(self, stmt):
        """TVM's VisitAndMutate: select candidates in `stmt`, then partition them."""
        self.candidates.visit(stmt)
        return self.visit(stmt) if self.candidates.found else stmt

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
        rank0 = block_launch(s) is not None
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
        finder = Finder(var, self.hint_map, self.relax_map, hinted)
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
            mid = self.run(self._make_for(
                stmt, op.sub(end, begin), substitute(eliminated, {var: op.add(var, begin)})))
            pre = self.run(pre) if pre is not None and pre_again else pre
            post = self.run(post) if post is not None and post_again else post
        return convert_ssa(S.seq(*(part for part in (pre, mid, post) if part is not None)))

    def _thread_split(self, stmt, var, lo, hi, begin, end, eliminate):
        cond = op.const(True, "bool")
        if not self.analyzer.can_prove(op.equal(begin, lo)):
            cond = op.logical_and(cond, op.greater_equal(var, begin))
        if not self.analyzer.can_prove(op.equal(end, op.add(hi, 1))):
            cond = op.logical_and(cond, op.less(var, end))
        return convert_ssa(_InnermostLaunch(cond, eliminate).visit(stmt))

    def _make_for(self, loop, extent, body):
        if self.analyzer.can_prove(op.equal(extent, 1)) and not loop.annotations \
                and not self.keep_unit_loops:
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


class _InnermostLaunch(StmtMutator):
    """The body of the innermost thread launch becomes `if cond: <body, conditions
    eliminated> else: <body>` (TVM's ThreadPartitionInserter)."""

    def __init__(self, cond, eliminate):
        self.cond, self.eliminate = cond, eliminate
        self.innermost = False

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
