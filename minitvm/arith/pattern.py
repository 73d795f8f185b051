"""A small pattern language for rewrite rules (TVM's `arith/pattern_match.h`).

Patterns are built with Python operators from pattern variables:

    x, y = PVar("x"), PVar("y")          # match any expression
    c1 = PVar("c1", const=True)          # match an integer constant (IntImm)
    Rule((x + c1) + c2, x + (c1 + c2))   # source pattern -> result pattern

A variable that occurs twice must match equal expressions (`expr_deep_equal`, which
the simplifier answers from its analyzer's StructuralInterner, in O(1) for the
sub-expressions it has numbered already); a
Python int in a pattern matches an IntImm of that value and, in a result, takes the
dtype of its sibling. Results are built through `tir.op`, which folds constants, as
TVM's `Eval()` does. Matching is compiled into nested closures, once per rule, on the
rule's first use: most rules of a table are never tried in a process, and compiling all of
them at import would dominate the cost of importing minitvm.
"""
from __future__ import annotations

from ..tir import expr as E
from ..tir import op
def truncdiv(a, b):
    """C division of two expressions (constants fold; the divisor must not be 0)."""
    a, b = op._operands(a, b)
    if isinstance(a, E.IntImm) and isinstance(b, E.IntImm):
        q = abs(a.value) // abs(b.value)
        return op.const(q if (a.value >= 0) == (b.value > 0) else -q, a.dtype)
    if isinstance(b, E.IntImm) and b.value == 1:
        return a
    return E.Div(a, b)


def truncmod(a, b):
    """C remainder of two expressions (constants fold)."""
    a, b = op._operands(a, b)
    if isinstance(a, E.IntImm) and isinstance(b, E.IntImm):
        r = abs(a.value) % abs(b.value)
        return op.const(r if a.value >= 0 else -r, a.dtype)
    return E.Mod(a, b)


def _select(c, t, f):
    return E.Select(c, *op._operands(t, f))


# How a result pattern node is built (folding as TVM's TryConstFold does).
BUILD = {
    E.Add: op.add, E.Sub: op.sub, E.Mul: op.mul, E.FloorDiv: op.floordiv,
    E.FloorMod: op.floormod, E.Div: truncdiv, E.Mod: truncmod, E.Min: op.min, E.Max: op.max,
    E.EQ: op.equal, E.NE: op.not_equal, E.LT: op.less, E.LE: op.less_equal,
    E.GT: op.greater, E.GE: op.greater_equal, E.And: op.logical_and, E.Or: op.logical_or,
    E.Not: op.logical_not, E.Select: _select,
}


class Pattern:
    """Base of pattern nodes; Python operators build bigger patterns."""

    def __add__(self, o): return PNode(E.Add, self, o)
    def __radd__(self, o): return PNode(E.Add, o, self)
    def __sub__(self, o): return PNode(E.Sub, self, o)
    def __rsub__(self, o): return PNode(E.Sub, o, self)
    def __mul__(self, o): return PNode(E.Mul, self, o)
    def __rmul__(self, o): return PNode(E.Mul, o, self)
    def __lt__(self, o): return PNode(E.LT, self, o)
    def __le__(self, o): return PNode(E.LE, self, o)
    def __gt__(self, o): return PNode(E.GT, self, o)
    def __ge__(self, o): return PNode(E.GE, self, o)
    def __and__(self, o): return PNode(E.And, self, o)
    def __or__(self, o): return PNode(E.Or, self, o)
    def __invert__(self): return PNode(E.Not, self)


class PVar(Pattern):
    """A pattern variable: any expression, or (const=True) only an IntImm."""

    def __init__(self, name, const=False):
        self.name = name
        self.const = const


class PNode(Pattern):
    """An IR node of class `cls` whose operands match `args`."""

    def __init__(self, cls, *args):
        self.cls = cls
        self.args = args


class PCall(Pattern):
    """A `Call` of the builtin `op_name` (e.g. `tir.if_then_else`)."""

    def __init__(self, op_name, *args):
        self.op_name = op_name
        self.args = args


class PLike(Pattern):
    """Result only: the constant `value` in the dtype of the bound pattern `like`."""

    def __init__(self, value, like):
        self.value = value
        self.like = like


def floordiv(a, b): return PNode(E.FloorDiv, a, b)
def floormod(a, b): return PNode(E.FloorMod, a, b)
def tdiv(a, b): return PNode(E.Div, a, b)
def tmod(a, b): return PNode(E.Mod, a, b)
def pmin(a, b): return PNode(E.Min, a, b)
def pmax(a, b): return PNode(E.Max, a, b)
def eq(a, b): return PNode(E.EQ, a, b)
def ne(a, b): return PNode(E.NE, a, b)
def select(c, t, f): return PNode(E.Select, c, t, f)
def if_then_else(c, t, f): return PCall("tir.if_then_else", c, t, f)
def zero_like(x): return PLike(0, x)
def one_like(x): return PLike(1, x)


TRUE = PLike(True, None)
FALSE = PLike(False, None)


# --- matching --------------------------------------------------------------------------

_FIELDS = {E.Select: ("condition", "true_value", "false_value"), E.Not: ("a",)}


def compile_match(pattern):
    """A function `(expr, binds, same) -> bool` that matches `pattern`, filling `binds`;
    `same(a, b)` says whether two expressions are equal (`expr_deep_equal`)."""
    if isinstance(pattern, PVar):
        name, const = pattern.name, pattern.const

        def match_var(e, binds, same):
            if const and not isinstance(e, E.IntImm):
                return False
            bound = binds.get(name)
            if bound is None:
                binds[name] = e
                return True
            if const:
                return bound.value == e.value
            return bound is e or same(bound, e)
        return match_var
    if isinstance(pattern, (int, bool)):
        value = int(pattern)
        return lambda e, binds, same: isinstance(e, E.IntImm) and e.value == value
    if isinstance(pattern, PCall):
        subs = [compile_match(a) for a in pattern.args]
        name = pattern.op_name

        def match_call(e, binds, same):
            return (isinstance(e, E.Call) and e.op == name and len(e.args) == len(subs)
                    and all(m(a, binds, same) for m, a in zip(subs, e.args)))
        return match_call
    cls = pattern.cls
    fields = _FIELDS.get(cls, ("a", "b"))
    subs = [(f, compile_match(a)) for f, a in zip(fields, pattern.args)]
    if len(subs) == 2:              # the common binary case, without a generator
        (fa, ma), (fb, mb) = subs

        def match_binary(e, binds, same):
            return (isinstance(e, cls) and ma(getattr(e, fa), binds, same)
                    and mb(getattr(e, fb), binds, same))
        return match_binary

    def match_node(e, binds, same):
        return isinstance(e, cls) and all(m(getattr(e, f), binds, same) for f, m in subs)
    return match_node


def build(pattern, binds):
    """Evaluate a result pattern under `binds` (an expression, or a Python int literal)."""
    if isinstance(pattern, PVar):
        return binds[pattern.name]
    if isinstance(pattern, (int, bool)):
        return pattern
    if isinstance(pattern, PLike):
        if pattern.like is None:
            return op.const(pattern.value)
        return op.const(pattern.value, build(pattern.like, binds).dtype)
    args = [build(a, binds) for a in pattern.args]
    if isinstance(pattern, PCall):
        return op.if_then_else(*args)
    return BUILD[pattern.cls](*args)


def _operand_kinds(pattern):
    """The node class each operand of a binary pattern must have (None: anything)."""
    if not isinstance(pattern, PNode) or len(pattern.args) != 2:
        return ()
    return tuple(_kind(arg) for arg in pattern.args)


def _kind(arg):
    if isinstance(arg, PNode):
        return arg.cls
    if isinstance(arg, PCall):
        return E.Call
    if isinstance(arg, (int, bool)) or (isinstance(arg, PVar) and arg.const):
        return E.IntImm
    return None


class Binds(dict):
    """Match results; `m.x` is the expression bound to x, `m.c1` a constant's value."""

    def __getattr__(self, name):
        e = self[name]
        return e.value if isinstance(e, E.IntImm) else e


class Rule:
    """`src` (one pattern or a list of alternatives) rewrites to `dst` when `cond` holds.

    `dst` is a result pattern or a function `(binds, simplifier) -> expr`; `cond` is a
    function `(binds, simplifier) -> bool`; a `recursive` rule simplifies its result
    again (TVM's TVM_TRY_RECURSIVE_REWRITE).
    """

    __slots__ = ("patterns", "matchers", "dst", "cond", "recursive", "operand_kinds")

    def __init__(self, src, dst, cond=None, recursive=False):
        alternatives = src if isinstance(src, list) else [src]
        self.patterns = alternatives
        self.matchers = None            # compiled from `patterns` by the first `apply`
        self.dst = dst
        self.cond = cond
        self.recursive = recursive
        self.operand_kinds = [_operand_kinds(p) for p in alternatives]

    def may_match(self, operand_types):
        """False when no alternative can match operands of these classes."""
        return any(all(kind is None or issubclass(t, kind) for kind, t in zip(kinds, operand_types))
                   for kinds in self.operand_kinds)

    def apply(self, e, simplifier):
        """The rewritten expression, or None when the rule does not apply."""
        if self.matchers is None:
            self.matchers = [compile_match(p) for p in self.patterns]
        same = simplifier.analyzer.interner.same
        for matcher in self.matchers:
            found = {}
            if not matcher(e, found, same):
                continue
            binds = Binds(found)
            if self.cond is None or self.cond(binds, simplifier):
                result = (self.dst(binds, simplifier) if callable(self.dst)
                          else build(self.dst, binds))
                result = op.convert(result)
                return simplifier.recursive_rewrite(result) if self.recursive else result
        return None
