"""The `Analyzer` (TVM's `arith::Analyzer`): one object that simplifies, proves and bounds.

It holds the sub-analyzers (constant bounds, modular sets, rewrite and canonical
simplifiers) and keeps their knowledge of variables in step: `bind` a loop variable
to its range, or a let variable to its value, and every sub-analyzer uses it.
`simplify` is TVM's Analyzer::Simplify: canonical, then rewrite, then canonical;
`simplify_settled` also says whether simplifying its result again would keep it.

Both simplifiers share one `SimplifyCache` (memo.py, which says what it is keyed by);
`Analyzer(cache=False)` simplifies without it. `visits` counts the expression nodes
the simplifiers have visited (cache hits included): the measure of their work.
"""
from __future__ import annotations

from contextlib import contextmanager

from ..tir import expr as E
from ..tir import op
from ..tir.analysis import StructuralInterner
from . import memo
from .canonical import CanonicalSimplifier
from .compare import is_index_type
from .const_int_bound import ConstIntBound, ConstIntBoundAnalyzer
from .modular_set import ModularSetAnalyzer
from .rewrite import RewriteSimplifier


_LEAVES = (E.IntImm, E.FloatImm, E.StringImm)
# `var OP c` -> whether a bound [low, high] of var decides it true.
_VAR_CONST_COMPARE = {
    E.GE: lambda low, high, c: low >= c, E.GT: lambda low, high, c: low > c,
    E.LT: lambda low, high, c: high < c, E.LE: lambda low, high, c: high <= c,
}


class Analyzer:
    """Simplify index expressions, prove conditions, bound integer expressions."""

    def __init__(self, cache=None):
        use_cache = memo.enabled() if cache is None else cache
        self.interner = StructuralInterner()     # structures as numbers, for O(1) equality
        self.cache = memo.SimplifyCache(self.interner) if use_cache else None
        self._bound = ConstIntBoundAnalyzer(self.interner)
        self._modular = ModularSetAnalyzer(self)
        self._rewrite = RewriteSimplifier(self)
        self._canonical = CanonicalSimplifier(self)

    @property
    def visits(self):
        """Expression nodes the simplifiers have visited (cache hits included)."""
        return self._rewrite.visits + self._canonical.visits

    # -- knowledge --------------------------------------------------------------------

    def bind(self, var, value, allow_override=False):
        """Tell every sub-analyzer that `var` ranges over `value` (a Range) or equals it
        (an expression). Rebinding a variable differently needs `allow_override`."""
        return self._bind(var, value, allow_override)

    def bind_let_var(self, var, value):
        """Bind a `Let`'s variable met inside a question (the rewrite simplifier does):
        `bind`, but allowed on the scratch analyzer, as only questions inside that let
        mention the variable."""
        return self._bind(var, value, allow_override=True)

    def _bind(self, var, value, allow_override):
        if isinstance(value, E.Range):
            if isinstance(value.extent, E.IntImm) and value.extent.value == 1:
                return self._bind(var, value.min, allow_override)
            self._forget_bindings(var)
            self._bound.bind_range(var, value, allow_override)
            return None
        value = op.convert(value)
        value = self._rewrite(self._canonical(value))
        self._forget_bindings(var)
        self._bound.update(var, self._bound(value), allow_override)
        self._modular.update(var, self._modular(value), allow_override)
        self._rewrite.update(var, value, allow_override)
        self._canonical.update(var, value, allow_override)
        return None

    def update_bound(self, var, bound, allow_override=False):
        """Set `var`'s constant bound directly ((min, max), inclusive)."""
        self._forget_bindings(var)
        self._bound.update(var, ConstIntBound(*bound), allow_override)

    def _forget_bindings(self, var):
        # Every stored result that `var` could affect has numbered `var` on the way (it
        # is in the input, a bound value, or a constraint): a fresh variable affects none.
        if self.cache is not None and self.interner.numbered(var):
            self.cache.forget_bindings()

    @contextmanager
    def constraint_scope(self, cond):
        """Within the block, `cond` is known true (TVM's With<ConstraintContext>: the bound
        analyzer takes it in first, then the rewrite simplifier, which simplifies it; as
        in TVM, the canonical simplifier keeps no constraints of its own)."""
        if self._teaches_nothing(cond):
            yield
            return
        cache = self.cache
        outer = cache.scope if cache is not None else None
        leaves = []
        try:
            takers = ((self._bound, self._bound.constraints),
                      (self._rewrite, self._rewrite.literal_constraints))
            for stage, (sub, facts) in enumerate(takers):
                before = len(facts)
                leaves.append(sub.enter_constraint(cond))
                if cache is not None and len(facts) != before:
                    cache.enter(self.interner.key(cond), stage)
            yield
        finally:
            for leave in reversed(leaves):
                leave()
            if cache is not None:
                cache.scope = outer

    def _teaches_nothing(self, cond):
        """Whether entering `cond` would change no answer: a comparison of a variable
        with a constant (a loop's `i >= min`, `i < min + extent`) that the variable's
        bound already decides, the variable met for the first time. The bound analyzer
        would intersect the bound with a wider interval; the rewrite simplifier would
        record the constant `true` it simplifies `cond` to, which no rule can match;
        no fact or cached result mentions a variable never numbered. Only with the
        cache: the plain analyzer enters every condition, so tests compare the two."""
        if self.cache is None or type(cond) not in _VAR_CONST_COMPARE:
            return False
        var, const = cond.a, cond.b
        if not (type(var) is E.Var and type(const) is E.IntImm and is_index_type(var.dtype)
                and var.dtype == const.dtype):
            return False
        if (self.interner.numbered(var) or var in self._rewrite.var_map
                or var in self._canonical.var_map):
            return False
        bound = self._bound.var_map.get(var)     # all there is to know of a fresh variable
        return bound is not None and _VAR_CONST_COMPARE[type(cond)](*bound, const.value)

    # -- questions --------------------------------------------------------------------

    def simplify(self, expr, steps=2):
        """Canonical simplification, then `steps` alternating rewrite/canonical rounds."""
        return self._simplify(op.convert(expr), steps, None)

    def simplify_settled(self, expr, steps=2):
        """`(simplify(expr, steps), settled)`: `settled` when simplifying the result again,
        with what the analyzer knows now, would return its structure (a result may
        simplify further: `min(g, i) + max(g, i)` only after a first simplification
        has rewritten `g`). The simplifiers are functions of structure and knowledge,
        so the rounds just made say what a repeat would do: `_settles` replays them."""
        rounds = {}         # (simplifier, input structure) -> output structure
        res = self._simplify(op.convert(expr), steps, rounds)
        return res, self._stays(res) or self._settles(res, steps, rounds)

    def _simplify(self, expr, steps, rounds):
        if self._stays(expr):
            return expr
        res = self._round(self._canonical, expr, rounds)
        for i in range(steps):
            if isinstance(res, E.IntImm):
                return res
            res = self._round(self._rewrite if i % 2 == 0 else self._canonical, res, rounds)
        return res

    def _round(self, simplifier, expr, rounds):
        """`simplifier(expr)`, noted in `rounds` (unless None) by structures."""
        out = simplifier(expr)
        if rounds is not None:
            rounds[simplifier, self.interner.key(expr)] = self.interner.key(out)
        return out

    def _settles(self, res, steps, rounds):
        """Whether `simplify(res, steps)` has `res`'s structure, each round looked up in
        `rounds`; only the first, a canonical round on `res` (which the cache mostly
        answers), is run when it is missing (the rewrite turns `x - 240` into
        `x + -240` and the canonical back: the result is the first round's)."""
        key = self.interner.key(res)
        sims = [self._canonical] + [self._rewrite if i % 2 == 0 else self._canonical
                                    for i in range(steps)]
        for n, sim in enumerate(sims):
            out = rounds.get((sim, key))
            if out is None:
                if n:
                    return False
                out = self.interner.key(self._round(sim, res, rounds))
            key = out
        return key == self.interner.key(res)

    def _stays(self, expr):
        """True for the leaves every simplifier returns unchanged: constants, and integer
        variables bound to no value (a boolean one may be a known fact)."""
        if isinstance(expr, _LEAVES):
            return True
        return (isinstance(expr, E.Var) and expr.dtype != "bool"
                and expr not in self._rewrite.var_map and expr not in self._canonical.var_map)

    def canonical_simplify(self, expr):
        return self._canonical(op.convert(expr))

    def rewrite_simplify(self, expr):
        return self._rewrite(op.convert(expr))

    def const_int_bound(self, expr):
        """`ConstIntBound(min_value, max_value)` of an integer expression (a 2-tuple)."""
        return self._bound(op.convert(expr))

    def modular_set(self, expr):
        """`ModularSet(coeff, base)`: every value is coeff * k + base."""
        return self._modular(op.convert(expr))

    def can_prove(self, cond):
        cond = op.convert(cond)
        if isinstance(cond, E.IntImm):
            return cond.value != 0
        simplified = self.simplify(cond)
        return isinstance(simplified, E.IntImm) and simplified.value != 0

    def can_prove_greater_equal(self, expr, lower):
        expr = op.convert(expr)
        if isinstance(expr, E.IntImm):
            return expr.value >= lower
        return self._bound(self._rewrite(expr)).min_value >= lower

    def can_prove_less(self, expr, upper):
        expr = op.convert(expr)
        if isinstance(expr, E.IntImm):
            return expr.value < upper
        return self._bound(self._rewrite(expr)).max_value < upper

    def can_prove_equal(self, lhs, rhs):
        lhs, rhs = op.convert(lhs), op.convert(rhs)
        if isinstance(lhs, E.IntImm) and isinstance(rhs, E.IntImm):
            return lhs.value == rhs.value
        return self.can_prove(op.equal(op.sub(lhs, rhs), 0))
