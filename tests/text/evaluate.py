"""A reference evaluator for integer/boolean expressions, for checking the simplifier."""
from minitvm.tir import expr as E


def _trunc_div(a, b):
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


_BINARY = {
    E.Add: lambda a, b: a + b, E.Sub: lambda a, b: a - b, E.Mul: lambda a, b: a * b,
    E.FloorDiv: lambda a, b: a // b, E.FloorMod: lambda a, b: a % b,
    E.Div: _trunc_div, E.Mod: lambda a, b: a - _trunc_div(a, b) * b,
    E.Min: min, E.Max: max, E.LT: lambda a, b: a < b, E.LE: lambda a, b: a <= b,
    E.GT: lambda a, b: a > b, E.GE: lambda a, b: a >= b, E.EQ: lambda a, b: a == b,
    E.NE: lambda a, b: a != b, E.And: lambda a, b: a and b, E.Or: lambda a, b: a or b,
}


def evaluate(e, env):
    """The value of `e` with variables taken from `env` (Var -> int)."""
    if isinstance(e, E.IntImm):
        return e.value
    if isinstance(e, E.Var):
        return env[e]
    if isinstance(e, E.BufferLoad):      # env maps the buffer to a 1-d sequence
        return env[e.buffer][evaluate(e.indices[0], env)]
    if isinstance(e, E.Not):
        return not evaluate(e.a, env)
    if isinstance(e, E.Select):
        return evaluate(e.true_value if evaluate(e.condition, env) else e.false_value, env)
    if isinstance(e, E.Call) and e.op == "tir.if_then_else":
        cond, then_value, else_value = e.args
        return evaluate(then_value if evaluate(cond, env) else else_value, env)
    if isinstance(e, E.Cast):
        return int(evaluate(e.value, env))
    for cls, fn in _BINARY.items():
        if isinstance(e, cls):
            return fn(evaluate(e.a, env), evaluate(e.b, env))
    raise TypeError(f"cannot evaluate {type(e).__name__}")
