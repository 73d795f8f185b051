"""Common subexpression elimination (TVM's `tir.transform.CommonSubexprElimTIR`).

Rewrites a statement in which one index computation occurs twice or more into
`LetStmt(cse_var_N, computation, statement using cse_var_N)`. It is the last pass of
`tvm.lower`, so every listing shows its `cse_var_N` lets. At each statement:

1. collect the eligible computations it does (no constants, variables, calls or
   loads inside), counting each once; a loop or `if` keeps only what occurs in at
   least two of its parts, so nothing is hoisted across a loop;
2. sort them by size (node count) descending, ties by TVM's legacy text;
3. walk them: (a) reuse an enclosing let that binds an equal value; (b) a computation
   seen twice whose variables are all in scope becomes a new let, wrapped around
   everything created so far; (c) otherwise its direct sub-computations join the
   list (or count once more if already there);
4. if a let was created, run again on the new statement; else descend.

Equality is syntactic (`identify_equiv_terms=false`): `expr_deep_equal`. What the walk
keeps track of (the context, the candidates, the replacements of one step, the positions
of the computations under a node) lives in cse_tools.py, each answering its question in
O(1) or one walk, so the pass takes time near-linear in the function.
"""
from __future__ import annotations

from dataclasses import replace

from ..arith import memo
from ..tir import expr as E
from ..tir import stmt as S
from ..tir.analysis import StructuralInterner
from ..tir.functor import Mutator, post_order_visit
from .cse_tools import Batch, Candidates, Context, Positions, child_nodes, children


def common_subexpr_elim(func):
    """CSE over `func`'s body; cse_var numbers count up over the whole function. Under
    `memo.disabled()` it also runs its steps on statements and expressions they cannot
    change (see `_Eliminator.nothing_to_do`), so tests can compare."""
    return func.with_body(_Eliminator(func, skip=memo.enabled()).stmt(func.body))


_ATOMS = (E.IntImm, E.FloatImm, E.StringImm, E.Var)
_NOT_COMPUTATIONS = _ATOMS + (E.Ramp, E.Broadcast)
_FORBIDDEN = (E.Call, E.BufferLoad, E.ProducerLoad)
def _merge(into, table):
    for key, (e, n) in table.items():
        hit = into.get(key)
        into[key] = (e, n + (hit[1] if hit else 0))


class _Eliminator:
    def __init__(self, func, skip=True):
        self.skip = skip
        self.interner = StructuralInterner()
        self.context = Context(self.interner, func.params)
        self.counter = 0
        self.used_names = set()
        post_order_visit(func.body, lambda n: self.used_names.add(n.name)
                         if isinstance(n, E.Var) else None)
        self.tables = {}            # id(node) -> (node, table)
        self.forbidden = {}         # id(expr) -> (expr, contains a call or load)
        self.sizes = {}             # id(expr) -> (expr, complexity)
        self.positions = {}         # id(node) -> (node, summary() of it)

    # -- eligibility and sizes --------------------------------------------------------

    def contains_forbidden(self, e):
        hit = self.forbidden.get(id(e))
        if hit is None:
            found = isinstance(e, _FORBIDDEN) or any(
                self.contains_forbidden(c) for c in self._expr_children(e))
            hit = self.forbidden[id(e)] = (e, found)
        return hit[1]

    @staticmethod
    def _expr_children(e):
        for name in children(e):
            value = getattr(e, name)
            if isinstance(value, tuple):
                yield from value
            elif isinstance(value, E.PrimExpr):
                yield value

    def eligible(self, e):
        return (isinstance(e, E.PrimExpr) and not isinstance(e, _NOT_COMPUTATIONS)
                and not self.contains_forbidden(e))

    def size(self, e):
        """TVM's CalculateExprComplexity (tir.analysis.expr_complexity: the nodes in `e`,
        leaves included), counted bottom-up so that no subtree is counted twice."""
        hit = self.sizes.get(id(e))
        if hit is None:
            hit = self.sizes[id(e)] = (e, 1 + sum(map(self.size, child_nodes(e))))
        return hit[1]

    # -- computations done (ComputationsDoneBy) ---------------------------------------

    def table(self, node):
        """{key: (expr, count)} of the eligible computations `node` does. Kept for the
        statements and for the expressions asked for; inside an expression the counts
        go straight into the one table (a table per node would copy the counts below
        it at every level: time quadratic in the depth)."""
        if node is None or isinstance(node, _ATOMS):
            return {}
        hit = self.tables.get(id(node))
        if hit is not None:
            return hit[1]
        if isinstance(node, S.For):
            table = _at_least_two([self.table(node.min), self.table(node.extent),
                                   self.table(node.body)])
        elif isinstance(node, S.IfThenElse):
            table = _at_least_two([self.table(node.condition), self.table(node.then_case),
                                   self.table(node.else_case)])
        elif isinstance(node, S.While):
            table = _at_least_two([self.table(node.condition), self.table(node.body)])
        else:
            table = {}
            self.count(node, table)
        self.tables[id(node)] = (node, table)
        return table

    def count(self, node, table):
        """Add the computations `node` does to `table` (an eligible expression counts
        itself once and is not looked into)."""
        if isinstance(node, E.PrimExpr) and self.eligible(node):
            key = self.interner.key(node)
            hit = table.get(key)
            table[key] = (node, hit[1] + 1 if hit else 1)
            return
        for child in child_nodes(node):
            if isinstance(child, E.PrimExpr):
                self.count(child, table)
            else:
                _merge(table, self.table(child))

    def direct_subexprs(self, e):
        """The largest eligible proper sub-expressions (DirectSubexpr)."""
        out = []

        def visit(x):
            if self.eligible(x):
                out.append(x)
            else:
                for c in self._expr_children(x):
                    visit(c)
        for child in self._expr_children(e):
            visit(child)
        return out

    # -- the walk ---------------------------------------------------------------------

    def in_scope(self, e):
        bound = set()
        free = []

        def check(n):
            if isinstance(n, E.Let):
                bound.add(n.var)
            elif isinstance(n, E.Var) and not self.context.knows(n):
                free.append(n)
        post_order_visit(e, check)
        return all(v in bound for v in free)

    def new_var(self, dtype):
        while True:
            self.counter += 1
            name = f"cse_var_{self.counter}"
            if name not in self.used_names:
                return E.Var(name, dtype)

    def eliminate(self, node, wrap):
        """Steps 1-3 at `node`; returns (result, whether a let was created)."""
        batch = Batch(self, node, wrap)
        candidates = Candidates(self, self.table(node))
        items = candidates.items
        i = 0
        while i < len(items):
            comp, count = items[i]
            key = self.interner.key(comp)
            bound = self.context.binding(key)
            if bound is not None:
                batch.replace(comp, key, bound)
            elif count >= 2 and self.in_scope(comp):
                batch.replace(comp, key, self.new_var(comp.dtype), let=True)
            else:
                for sub in self.direct_subexprs(comp):
                    candidates.insert(sub)
            i += 1
        return batch.result(), batch.created

    def nothing_to_do(self, node):
        """Whether steps 1-4 leave the statement or expression `node` and everything in
        it as they are: no computation in it occurs twice (so no let is made, here or
        below: a count of two needs two occurrences, whatever loops and `if`s keep) or
        equals the value of an enclosing let (so none is reused). A let inside `node`
        adds its value to the context of its body, but that value is a computation of
        `node` itself (or holds a call or load, so no computation equals it): one more
        occurrence in the body would be a repeat."""
        repeats, keys, start, end = self.summary(node)
        values = self.context.values()
        return not repeats and (not values or values.isdisjoint(keys[start:end]))

    def summary(self, node):
        """(whether a computation occurs twice in `node`, keys, start, end): the
        structures of the computations at every position in `node` are keys[start:end].
        Found for `node` and everything below it in one walk, so asking again below
        costs nothing."""
        hit = self.positions.get(id(node))
        if hit is None:
            Positions(self).walk(node)
            hit = self.positions[id(node)]
        return hit[1]

    def stmt(self, s):
        if self.skip and self.nothing_to_do(s):
            return s
        result, created = self.eliminate(s, S.LetStmt)
        if created:
            return self.stmt(result)
        return self.descend(result)

    def expr(self, e):
        if self.skip and self.nothing_to_do(e):
            return e
        result, created = self.eliminate(e, E.Let)
        if created:
            return self.expr(result)
        return self.descend(result)

    def descend(self, node):
        if isinstance(node, (S.LetStmt, E.Let)):
            value = self.expr(node.value)
            self.context.push(node.var, node.value)
            try:
                body = (self.stmt if isinstance(node, S.LetStmt) else self.expr)(node.body)
            finally:
                self.context.pop()
            if value is node.value and body is node.body:
                return node
            return type(node)(node.var, value, body)
        if isinstance(node, S.For):
            lo, ext = self.expr(node.min), self.expr(node.extent)
            self.context.push(node.loop_var, None)
            try:
                body = self.stmt(node.body)
            finally:
                self.context.pop()
            if lo is node.min and ext is node.extent and body is node.body:
                return node
            return replace(node, min=lo, extent=ext, body=body)
        return _Descend(self).generic_visit(node)


def _at_least_two(tables):
    """Computations occurring in at least two of the parts, counted over all parts."""
    keys = {}
    for t in tables:
        for key, (e, _) in t.items():
            keys.setdefault(key, [e, 0])[1] += 1
    out = {}
    for key, (e, parts) in keys.items():
        if parts >= 2:
            out[key] = (e, sum(t[key][1] for t in tables if key in t))
    return out


class _Descend(Mutator):
    """Visits a node's children through the eliminator (StmtExprMutator's dispatch)."""

    def __init__(self, elim):
        self.elim = elim

    def visit(self, node):
        if isinstance(node, S.Stmt):
            return self.elim.stmt(node)
        if isinstance(node, E.PrimExpr):
            return self.elim.expr(node)
        return node
