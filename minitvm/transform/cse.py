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

from bisect import bisect_right
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
        self.context = _Context(self.interner, func.params)
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
        for name in _children(node):
            value = getattr(node, name)
            for child in (value if isinstance(value, tuple) else (value,)):
                if isinstance(child, E.PrimExpr):
                    self.count(child, table)
                elif child is not None:
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
        batch = _Batch(self, node, wrap)
        candidates = _Candidates(self, self.table(node))
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

    def nothing_to_do(self, e):
        """Whether steps 1-4 leave the expression `e` and everything in it as they are:
        no computation in it occurs twice (so no let is made, here or below: a count of
        two needs two occurrences) or equals the value of an enclosing let (so none is
        reused), and it holds no let of its own (which would add to the enclosing ones)."""
        keys = self.computations(e)
        if keys is None:
            return False
        distinct = set(keys)
        return len(distinct) == len(keys) and self.context.values().isdisjoint(distinct)

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


class _Context:
    """Spec §2.2's context: the parameters, enclosing loop variables and enclosing lets
    (with their values), indexed by variable and by the structure of the value."""

    def __init__(self, interner, params):
        self.interner = interner
        self.stack = []             # (var, value or None), outermost first
        self.known = {}             # id(var) -> how many entries bind it
        self.bindings = {}          # value structure -> its let variables, outermost first
        for p in params:
            self.push(p, None)

    def push(self, var, value):
        self.stack.append((var, value))
        self.known[id(var)] = self.known.get(id(var), 0) + 1
        if value is not None:
            self.bindings.setdefault(self.interner.key(value), []).append(var)

    def pop(self):
        var, value = self.stack.pop()
        self.known[id(var)] -= 1
        if not self.known[id(var)]:
            del self.known[id(var)]
        if value is not None:
            key = self.interner.key(value)
            self.bindings[key].pop()
            if not self.bindings[key]:
                del self.bindings[key]

    def knows(self, var):
        return id(var) in self.known

    def binding(self, key):
        """The outermost let variable whose value has structure `key`, or None."""
        found = self.bindings.get(key)
        return found[0] if found else None

    def values(self):
        """The structures of the enclosing lets' values."""
        return self.bindings.keys()


class _Candidates:
    """Steps 2 and 3(c)'s list: [computation, count] by size descending, with an index
    by structure, so that a sub-computation finds its equal entry, or its place, at once."""

    def __init__(self, elim, table):
        self.elim = elim
        self.items = [[e, n] for e, n in table.values()]
        self.items.sort(key=lambda item: (-elim.size(item[0]), legacy_repr(item[0])))
        self.by_key = {elim.interner.key(item[0]): item for item in self.items}
        self.sizes = [-elim.size(item[0]) for item in self.items]    # ascending

    def insert(self, e):
        """Count `e` once more, or add it after every entry at least as large."""
        key = self.elim.interner.key(e)
        hit = self.by_key.get(key)
        if hit is not None:
            hit[1] += 1
            return
        pos = bisect_right(self.sizes, -self.elim.size(e))
        self.items.insert(pos, self.by_key.setdefault(key, [e, 1]))
        self.sizes.insert(pos, -self.elim.size(e))


class _Batch:
    """The replacements one `eliminate` decides, applied in one walk instead of one walk
    each. Step 3 replaces every occurrence of a computation in the whole result (the
    lets made so far included), largest computations first; one top-down walk that
    stops at the first replaced node gives the same, since a node's ancestors are
    larger and so replaced before it. A new let's value gets the replacements made
    after it (the earlier, larger ones cannot occur in it). One exception: replacing by
    an enclosing let's variable can make a node equal to a later computation that
    holds the variable, so the batch is applied before such a computation joins."""

    def __init__(self, elim, node, wrap):
        self.elim, self.node, self.wrap = elim, node, wrap
        self.targets = {}           # key -> variable
        self.lets = []              # (variable, value), innermost first
        self.reused = set()         # enclosing lets' variables in `targets`
        self.created = False

    def replace(self, comp, key, var, let=False):
        if self.reused and _holds_any(comp, {id(v) for v in self.reused}):
            self.node = self.result()
            self.targets, self.lets, self.reused = {}, [], set()
        self.targets[key] = var
        if let:
            self.lets.append((var, comp))
            self.created = True
        else:
            self.reused.add(var)

    def result(self):
        if not self.targets:
            return self.node
        replacer = _Replacer(self.elim, self.targets)
        out = replacer.visit(self.node)
        for var, comp in self.lets:
            out = self.wrap(var, replacer.generic_visit(comp), out)
        return out


def _holds_any(e, ids):
    found = []
    post_order_visit(e, lambda n: found.append(n) if id(n) in ids else None)
    return bool(found)


class _Replacer(Mutator):
    """Replaces every eligible sub-expression whose structure is a key of `targets` by
    that key's variable (the outermost, where they nest)."""

    def __init__(self, elim, targets):
        self.elim, self.targets = elim, targets

    def visit(self, node):
        if isinstance(node, E.PrimExpr) and self.elim.eligible(node):
            var = self.targets.get(self.elim.interner.key(node))
            if var is not None:
                return var
        return Mutator.visit(self, node)
