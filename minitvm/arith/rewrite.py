"""The rewrite simplifier (TVM's `arith::RewriteSimplifier`): bottom-up pattern rewriting.

Each node's operands are simplified first; then the node is constant-folded and the
rule table for its class (`rules_arith`, `rules_logic`) is tried in order, the first
matching rule winning. Conditions on the way (an `if_then_else` or `select`
condition) are entered as constraints while their branches are simplified. The
canonical simplifier (`canonical.py`) subclasses this one, as in TVM.
"""
from __future__ import annotations

import weakref

from ..tir import dtype as dt
from ..tir import expr as E
from ..tir import op
from ..tir.analysis import expr_deep_equal, has_side_effect
from ..tir.functor import Mutator
from . import rules_arith, rules_logic
from .compare import CompareResult as CR, is_index_type

MAX_RECURSIVE_DEPTH = 5

# Leaves are not cached: simplifying one is a lookup at most (a constant stays, a
# variable becomes what it is bound to), cheaper than a cache key.
_LEAVES = frozenset({E.IntImm, E.FloatImm, E.StringImm, E.Var, E.SizeVar})


# not (a OP b) -> the comparison it means: (new class, operands swapped).
_NEGATED = {E.LT: (E.LE, True), E.GE: (E.LT, False), E.LE: (E.LT, True), E.GT: (E.LE, False),
            E.EQ: (E.NE, False), E.NE: (E.EQ, False)}


def normalize_boolean(e):
    """Push a negation through comparisons and De Morgan (NormalizeBooleanOperators)."""
    while isinstance(e, E.Not) and isinstance(e.a, E.Not):
        e = e.a.a
    if not isinstance(e, E.Not):
        return e
    inner = e.a
    if isinstance(inner, E.Or):
        return E.And(normalize_boolean(E.Not(inner.a)), normalize_boolean(E.Not(inner.b)))
    if isinstance(inner, E.And):
        return E.Or(normalize_boolean(E.Not(inner.a)), normalize_boolean(E.Not(inner.b)))
    for cls, (new, flip) in _NEGATED.items():
        if isinstance(inner, cls):
            return new(inner.b, inner.a) if flip else new(inner.a, inner.b)
    return e


class KnownFacts:
    """Conditions known true, in the order entered; `truth(e)` looks `e` up by structure.

    `e` is known true when it equals a fact, known false when a fact is `not e`; the
    earliest such fact decides, as a scan of the list in order would.
    """

    def __init__(self, interner):
        self.interner = interner
        self.facts = []
        self._by_structure = {}     # structure -> [(position, truth)], positions ascending

    def __len__(self):
        return len(self.facts)

    def append(self, fact):
        position = len(self.facts)
        self.facts.append(fact)
        self._index(fact, (position, True))
        if isinstance(fact, E.Not):
            self._index(fact.a, (position, False))

    def _index(self, e, entry):
        self._by_structure.setdefault(self.interner.key(e), []).append(entry)

    def truncate(self, size):
        """Forget the facts from position `size` on (the latest ones)."""
        for fact in self.facts[size:]:
            self._unindex(fact)
            if isinstance(fact, E.Not):
                self._unindex(fact.a)
        del self.facts[size:]

    def _unindex(self, e):
        key = self.interner.key(e)
        entries = self._by_structure[key]
        entries.pop()
        if not entries:
            del self._by_structure[key]

    def truth(self, e):
        """True or False when a fact decides `e`, else None."""
        if not self._by_structure:
            return None
        entries = self._by_structure.get(self.interner.key(e))
        return None if entries is None else entries[0][1]


class RewriteSimplifier(Mutator):
    """Simplifies expressions by rules; `analyzer` supplies bounds and modular sets."""

    def __init__(self, analyzer):
        # Weakly: an Analyzer and its simplifiers would otherwise form a cycle, kept
        # (with everything cached) until the garbage collector finds it.
        self.analyzer = weakref.proxy(analyzer)
        self.cache = analyzer.cache
        self.visits = 0                   # expression nodes visited, cache hits included
        self.var_map = {}                 # Var -> expression it stands for
        self.literal_constraints = KnownFacts(analyzer.interner)   # conditions true here
        self.recur_depth = 0

    # -- entry points -----------------------------------------------------------------

    def visit(self, e):
        """Mutator.visit, through the analyzer's cache (memo.py) when it has one."""
        self.visits += 1
        cache = self.cache
        if cache is None or type(e) in _LEAVES or not isinstance(e, E.PrimExpr):
            return self._method(type(e))(self, e)
        key = cache.key(type(self), e, self.recur_depth)
        hit = cache.results.get(key)
        if hit is not None:
            return cache.unpack(hit, e)
        result = self._method(type(e))(self, e)
        cache.put(key, e, result)
        return result

    def __call__(self, expr):
        """Two rounds at most, stopping when nothing changes (RewriteSimplifier::operator())."""
        res = expr
        for _ in range(2):
            new = self.visit(res)
            if new is res:
                return res
            res = new
        return res

    def update(self, var, value, allow_override=False):
        old = self.var_map.get(var)
        if old is not None and not allow_override and not expr_deep_equal(old, value):
            raise ValueError(f"variable {var.name!r} is already bound to {old!r}; "
                             f"cannot rebind it to {value!r}")
        self.var_map[var] = value

    def enter_constraint(self, cond):
        """Remember `cond` (and its negation's negation) as literally true; returns `leave`."""
        from .const_int_bound import extract_constraints
        known = self.literal_constraints
        size = len(known)
        simplified = self(cond)
        for part in extract_constraints(simplified):
            if isinstance(part, E.And) or has_side_effect(part):
                continue
            known.append(part)
            negation = (normalize_boolean(E.Not(part)) if dt.is_bool(part.dtype)
                        else op.equal(part, op.const(0, part.dtype)))
            known.append(E.Not(negation))
        return lambda: known.truncate(size)

    def recursive_rewrite(self, e):
        if self.recur_depth >= MAX_RECURSIVE_DEPTH:
            return e
        self.recur_depth += 1
        try:
            return self.visit(e)
        finally:
            self.recur_depth -= 1

    # -- helpers the rules call -------------------------------------------------------

    def try_compare_value(self, x, val):
        """Compare `x` with the constant `val` using bounds (TryCompare(x, int))."""
        diff = self.visit(x)
        if isinstance(diff, E.IntImm):
            return CR.EQ if diff.value == val else CR.GT if diff.value > val else CR.LT
        lo, hi = self.analyzer.const_int_bound(diff)
        if lo == hi == val:
            return CR.EQ
        if lo > val:
            return CR.GT
        if hi < val:
            return CR.LT
        if lo >= val:
            return CR.GE
        if hi <= val:
            return CR.LE
        if val == 0 and self.analyzer.modular_set(diff).base != 0:
            return CR.NE
        return CR.UNKNOWN

    def try_compare(self, x, y):
        return self.try_compare_value(op.sub(x, y), 0)

    def can_prove_equal(self, x, val):
        return self.try_compare_value(x, val) == CR.EQ

    def can_prove_greater_equal(self, x, val):
        return self.analyzer.can_prove_greater_equal(x, val)

    def can_prove_less(self, x, val):
        return self.analyzer.can_prove_less(x, val)

    def match_literal(self, e):
        """True/False when `e` (or its negation) is a known constraint, else None."""
        truth = self.literal_constraints.truth(e)
        return None if truth is None else op.const(truth)

    def apply_rules(self, e, table):
        """The first rule of `table` that rewrites `e`, or `e` itself."""
        for rule in _rules_for(table, e):
            out = rule(e, self) if callable(rule) else rule.apply(e, self)
            if out is not None:
                return out
        return e

    # -- visitors ---------------------------------------------------------------------

    def _binary(self, e, table):
        e = Mutator.generic_visit(self, e)
        folded = _const_fold(e)
        if folded is not None:
            return folded
        return self.apply_rules(e, table.get("any", ())) if not is_index_type(e.dtype) \
            else self.apply_rules(e, table["index"])

    def visit_Add(self, e):
        return self._binary(e, rules_arith.ADD)

    def visit_Sub(self, e):
        return self._binary(e, rules_arith.SUB)

    def visit_Mul(self, e):
        return self._binary(e, rules_arith.MUL)

    def visit_Div(self, e):
        return self._binary(e, rules_arith.DIV)

    def visit_Mod(self, e):
        return self._binary(e, rules_arith.MOD)

    def visit_FloorDiv(self, e):
        return self._binary(e, rules_arith.FLOORDIV)

    def visit_FloorMod(self, e):
        return self._binary(e, rules_arith.FLOORMOD)

    def visit_Min(self, e):
        return self._binary(e, rules_arith.MIN)

    def visit_Max(self, e):
        return self._binary(e, rules_arith.MAX)

    def visit_GT(self, e):
        return self.visit(E.LT(e.b, e.a))

    def visit_GE(self, e):
        return self.visit(E.LE(e.b, e.a))

    def _compare(self, e, rewrite):
        e = Mutator.generic_visit(self, e)
        folded = _const_fold(e)
        if folded is not None:
            return folded
        known = self.match_literal(e)
        return known if known is not None else rewrite(self, e)

    def visit_LT(self, e):
        return self._compare(e, rules_logic.rewrite_lt)

    def visit_LE(self, e):
        return self._compare(e, rules_logic.rewrite_le)

    def visit_EQ(self, e):
        return self._compare(e, rules_logic.rewrite_eq)

    def visit_NE(self, e):
        return self._compare(e, rules_logic.rewrite_ne)

    def visit_Not(self, e):
        return self._compare(e, rules_logic.rewrite_not)

    def visit_And(self, e):
        return self._compare(e, rules_logic.rewrite_and)

    def visit_Or(self, e):
        return self._compare(e, rules_logic.rewrite_or)

    def _branches(self, cond, t, f):
        """The condition and each branch simplified, each branch where its condition
        holds; a constant branch is itself under any condition, so no scope is entered
        for it (the padding's `if_then_else(..., 0)` skips negating its condition)."""
        cond = self.visit(cond)
        if not isinstance(t, _CONSTS):
            with self.analyzer.constraint_scope(cond):
                t = self.visit(t)
        if not isinstance(f, _CONSTS):
            with self.analyzer.constraint_scope(self.analyzer.rewrite_simplify(E.Not(cond))):
                f = self.visit(f)
        return cond, t, f

    def visit_Select(self, e):
        cond, t, f = self._branches(e.condition, e.true_value, e.false_value)
        if isinstance(cond, E.IntImm):
            return t if cond.value else f
        if cond is not e.condition or t is not e.true_value or f is not e.false_value:
            e = E.Select(cond, t, f)
        return self.apply_rules(e, rules_logic.SELECT)

    def visit_Call(self, e):
        if e.op == "tir.if_then_else":
            cond, t, f = self._branches(*e.args)
            if isinstance(cond, E.IntImm):
                return t if cond.value else f
            args = (cond, t, f)
        else:
            args = tuple(self.visit(a) for a in e.args)
        if any(a is not b for a, b in zip(args, e.args)):
            e = E.Call(e.dtype, e.op, args)
        return self.apply_rules(e, rules_logic.CALL)

    def visit_Var(self, e):
        if e.dtype == "bool":
            known = self.match_literal(e)
            if known is not None:
                return known
        return self.var_map.get(e, e)

    def visit_Cast(self, e):
        value = self.visit(e.value)
        return op.cast(e.dtype, value) if value is not e.value or _foldable_cast(value) else e

    def visit_Let(self, e):
        value = self.visit(e.value)
        if isinstance(value, (E.IntImm, E.FloatImm, E.Var)):
            self.analyzer.bind_let_var(e.var, value)
            return self.visit(e.body)
        body = self.visit(e.body)
        if value is e.value and body is e.body:
            return e
        return E.Let(e.var, value, body)


def _foldable_cast(value):
    return isinstance(value, (E.IntImm, E.FloatImm))


_APPLICABLE = {}     # (table id, operand classes) -> the rules that may match, in order


def _rules_for(table, e):
    """The rules of `table` whose operand shapes fit `e` (rule order is kept)."""
    b = getattr(e, "b", None)
    if b is None:
        return table
    key = (id(table), type(e.a), type(b))
    rules = _APPLICABLE.get(key)
    if rules is None:
        types = (type(e.a), type(b))
        rules = _APPLICABLE[key] = [r for r in table if callable(r) or r.may_match(types)]
    return rules


_FOLD = {E.Add: op.add, E.Sub: op.sub, E.Mul: op.mul, E.FloorDiv: op.floordiv,
         E.FloorMod: op.floormod, E.Min: op.min, E.Max: op.max, E.LT: op.less,
         E.LE: op.less_equal, E.EQ: op.equal, E.NE: op.not_equal,
         E.And: op.logical_and, E.Or: op.logical_or}


_CONSTS = (E.IntImm, E.FloatImm)


def _const_fold(e):
    """TVM's TryConstFold: the folded node when the constructor would fold, else None."""
    if not (isinstance(e.a, _CONSTS) or isinstance(getattr(e, "b", None), _CONSTS)):
        return None                 # folding needs a constant operand
    if isinstance(e, E.Not):
        return op.logical_not(e.a) if isinstance(e.a, E.IntImm) else None
    if isinstance(e, (E.Div, E.Mod)):
        from .pattern import truncdiv, truncmod
        if isinstance(e.a, E.IntImm) and isinstance(e.b, E.IntImm) and e.b.value != 0:
            return (truncdiv if isinstance(e, E.Div) else truncmod)(e.a, e.b)
        return None
    build = _FOLD.get(type(e)) or next(
        (b for cls, b in _FOLD.items() if isinstance(e, cls)), None)   # EqualOp is an EQ
    if build is None:
        return None
    folded = build(e.a, e.b)
    unchanged = type(folded) is type(e) and folded.a is e.a and folded.b is e.b
    return None if unchanged else folded
