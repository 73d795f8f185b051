"""Integer evaluation of index expressions, for tests that check lowered indices by value
rather than by their printed shape."""
from minitvm.tir import expr as E

_OPS = {E.Add: lambda a, b: a + b, E.Sub: lambda a, b: a - b, E.Mul: lambda a, b: a * b,
        E.FloorDiv: lambda a, b: a // b, E.FloorMod: lambda a, b: a % b,
        E.Min: min, E.Max: max}


def evaluate(e, env):
    """The integer value of an index expression under `env` (Var -> int)."""
    if isinstance(e, E.IntImm):
        return e.value
    if isinstance(e, E.Var):
        return env[e]
    for cls, fn in _OPS.items():
        if isinstance(e, cls):
            return fn(evaluate(e.a, env), evaluate(e.b, env))
    if isinstance(e, E.Cast):
        return evaluate(e.value, env)
    raise TypeError(f"cannot evaluate {type(e).__name__}")
