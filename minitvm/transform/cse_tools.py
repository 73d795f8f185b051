"""The bookkeeping of CSE's walk (minitvm/transform/cse.py; TVM splits its pass the same
way, common_subexpr_elim_tools.cc): the context of enclosing lets, the sorted list of
candidate computations, the replacements one step decides, and the positions of the
computations under a node. Each makes one of the walk's questions cost O(1) or one walk,
where asking it of the plain lists cost a walk per question.
"""
from __future__ import annotations

from bisect import bisect_right

from ..tir import expr as E
from ..tir.analysis import legacy_repr
from ..tir.functor import Mutator, children_of, post_order_visit

def children(node):
    """The names of `node`'s child fields (functor.children_of its class)."""
    return children_of(type(node))


def child_nodes(node):
    """The nodes right below `node`, as the IR walks visit them."""
    for name in children(node):
        value = getattr(node, name)
        if isinstance(value, tuple):
            yield from value
        elif value is not None:
            yield value


class Positions:
    """One post-order walk numbering the computations under a node: each node's
    positions are a range of `keys`, and a computation occurs twice under it when one of
    its positions has an earlier equal one inside the range (`last`: the latest position
    of each structure, so `walk` returns the largest such earlier position)."""

    def __init__(self, elim):
        self.elim = elim
        self.keys = []
        self.last = {}              # structure -> its latest position so far

    def walk(self, node):
        start, previous = len(self.keys), -1
        for child in child_nodes(node):
            previous = max(previous, self.walk(child))
        if self.elim.eligible(node):
            key = self.elim.interner.key(node)
            previous = max(previous, self.last.get(key, -1))
            self.last[key] = len(self.keys)
            self.keys.append(key)
        summary = (previous >= start, self.keys, start, len(self.keys))
        self.elim.positions[id(node)] = (node, summary)
        return previous


class Context:
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


class Candidates:
    """Steps 2 and 3(c)'s list: [computation, count] by size descending, with an index
    by structure, so that a sub-computation finds its equal entry, or its place, at once."""

    def __init__(self, elim, table):
        self.elim = elim
        self.items = [[e, n] for e, n in table.values()]
        if len(self.items) > 1:     # (the legacy text costs a walk of the computation)
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


class Batch:
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
        self.reused = set()         # ids of the enclosing lets' variables in `targets`
        self.created = False

    def replace(self, comp, key, var, let=False):
        if self.reused and _holds_any(comp, self.reused):
            self.node = self.result()
            self.targets, self.lets, self.reused = {}, [], set()
        self.targets[key] = var
        if let:
            self.lets.append((var, comp))
            self.created = True
        else:
            self.reused.add(id(var))

    def result(self):
        if not self.targets:
            return self.node
        replacer = _Replacer(self.elim, self.targets)
        out = replacer.visit(self.node)
        for var, comp in self.lets:
            out = self.wrap(var, replacer.generic_visit(comp), out)
        return out


def _holds_any(e, ids):
    """Whether a node of `e` has its id in `ids`."""
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
