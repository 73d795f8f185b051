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

Equality is syntactic (`identify_equiv_terms=false`): `expr_deep_equal`.
"""
from __future__ import annotations

from dataclasses import replace

from ..arith import memo
from ..tir import expr as E
from ..tir import stmt as S
from ..tir.analysis import StructuralInterner, expr_complexity, legacy_repr
from ..tir.functor import CHILDREN, Mutator, post_order_visit


def common_subexpr_elim(func):
    """CSE over `func`'s body; cse_var numbers count up over the whole function. Under
    `memo.disabled()` it also runs its steps on expressions they cannot change (see
    `_Eliminator.nothing_to_do`), so tests can compare."""
    return func.with_body(_Eliminator(func, skip=memo.enabled()).stmt(func.body))


_ATOMS = (E.IntImm, E.FloatImm, E.StringImm, E.Var)
_NOT_COMPUTATIONS = _ATOMS + (E.Ramp, E.Broadcast)
_FORBIDDEN = (E.Call, E.BufferLoad, E.ProducerLoad)
_CHILDREN = {}      # node class -> its CHILDREN entry (found along the MRO once)


def _children(node):
    cls = type(node)
    fields = _CHILDREN.get(cls)
    if fields is None:
        fields = _CHILDREN[cls] = next(
            (CHILDREN[klass] for klass in cls.__mro__ if klass in CHILDREN), ())
    return fields


def _merge(into, table):
    for key, (e, n) in table.items():
        hit = into.get(key)
        into[key] = (e, n + (hit[1] if hit else 0))


class _Eliminator:
    def __init__(self, func, skip=True):
        self.skip = skip
        self.interner = StructuralInterner()
        self.context = [(p, None) for p in func.params]     # (var, value or None)
        self.counter = 0
        self.used_names = set()
        post_order_visit(func.body, lambda n: self.used_names.add(n.name)
                         if isinstance(n, E.Var) else None)
        self.tables = {}            # id(node) -> (node, table)
        self.forbidden = {}         # id(expr) -> (expr, contains a call or load)
        self.sizes = {}             # id(expr) -> (expr, complexity)
        self.positions = {}         # id(expr) -> (expr, computations() of it)

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
        for name in _children(e):
            value = getattr(e, name)
            if isinstance(value, tuple):
                yield from value
            elif isinstance(value, E.PrimExpr):
                yield value

    def eligible(self, e):
        return (isinstance(e, E.PrimExpr) and not isinstance(e, _NOT_COMPUTATIONS)
                and not self.contains_forbidden(e))

    def size(self, e):
        hit = self.sizes.get(id(e))
        if hit is None:
            hit = self.sizes[id(e)] = (e, expr_complexity(e))
        return hit[1]

    # -- computations done (ComputationsDoneBy) ---------------------------------------

    def table(self, node):
        """{key: (expr, count)} of the eligible computations `node` does."""
        if node is None or isinstance(node, _ATOMS):
            return {}
        hit = self.tables.get(id(node))
        if hit is not None:
            return hit[1]
        if isinstance(node, E.PrimExpr) and self.eligible(node):
            table = {self.interner.key(node): (node, 1)}
        elif isinstance(node, S.For):
            table = _at_least_two([self.table(node.min), self.table(node.extent),
                                   self.table(node.body)])
        elif isinstance(node, S.IfThenElse):
            table = _at_least_two([self.table(node.condition), self.table(node.then_case),
                                   self.table(node.else_case)])
        elif isinstance(node, S.While):
            table = _at_least_two([self.table(node.condition), self.table(node.body)])
        else:
            table = {}
            for name in _children(node):
                value = getattr(node, name)
                for child in (value if isinstance(value, tuple) else (value,)):
                    _merge(table, self.table(child))
        self.tables[id(node)] = (node, table)
        return table

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

    def candidates(self, node):
        items = [[e, n] for e, n in self.table(node).values()]
        items.sort(key=lambda item: (-self.size(item[0]), legacy_repr(item[0])))
        return items

    def insert(self, items, e):
        key = self.interner.key(e)
        for item in items:
            if self.interner.key(item[0]) == key:
                item[1] += 1
                return
        size = self.size(e)
        pos = next((i for i, item in enumerate(items) if self.size(item[0]) < size), len(items))
        items.insert(pos, [e, 1])

    def in_scope(self, e):
        known = {v for v, _ in self.context}
        bound = set()
        free = []

        def check(n):
            if isinstance(n, E.Let):
                bound.add(n.var)
            elif isinstance(n, E.Var) and n not in known:
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
        result, created = node, False
        items = self.candidates(node)
        i = 0
        while i < len(items):
            comp, count = items[i]
            key = self.interner.key(comp)
            bound = next((v for v, value in self.context
                          if value is not None and self.interner.key(value) == key), None)
            if bound is not None:
                result = self.replace(result, key, bound)
            elif count >= 2 and self.in_scope(comp):
                var = self.new_var(comp.dtype)
                result = wrap(var, comp, self.replace(result, key, var))
                created = True
            else:
                for sub in self.direct_subexprs(comp):
                    self.insert(items, sub)
            i += 1
        return result, created

    def nothing_to_do(self, e):
        """Whether steps 1-4 leave the expression `e` and everything in it as they are:
        no computation in it occurs twice (so no let is made, here or below: a count of
        two needs two occurrences) or equals the value of an enclosing let (so none is
        reused), and it holds no let of its own (which would add to the enclosing ones)."""
        keys = self.computations(e)
        if keys is None:
            return False
        distinct = set(keys)
        return len(distinct) == len(keys) and not any(
            value is not None and self.interner.key(value) in distinct
            for _, value in self.context)

    def computations(self, e):
        """The structures of the computations at every position in `e` (None when it
        holds a let)."""
        hit = self.positions.get(id(e))
        if hit is None:
            found = []

            def note(n):
                if isinstance(n, E.Let):
                    found.append(None)
                elif self.eligible(n):
                    found.append(self.interner.key(n))
            post_order_visit(e, note)
            keys = None if None in found else tuple(found)
            hit = self.positions[id(e)] = (e, keys)
        return hit[1]

    def replace(self, node, key, var):
        return _Replacer(self, key, var).visit(node)

    def stmt(self, s):
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
            self.context.append((node.var, node.value))
            try:
                body = (self.stmt if isinstance(node, S.LetStmt) else self.expr)(node.body)
            finally:
                self.context.pop()
            if value is node.value and body is node.body:
                return node
            return type(node)(node.var, value, body)
        if isinstance(node, S.For):
            lo, ext = self.expr(node.min), self.expr(node.extent)
            self.context.append((node.loop_var, None))
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


class _Replacer(Mutator):
    """Replaces every eligible sub-expression with structure `key` by `var`."""

    def __init__(self, elim, key, var):
        self.elim, self.key, self.var = elim, key, var

    def visit(self, node):
        if isinstance(node, E.PrimExpr) and self.elim.eligible(node) \
                and self.elim.interner.key(node) == self.key:
            return self.var
        return Mutator.visit(self, node)
