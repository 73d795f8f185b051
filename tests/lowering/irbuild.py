"""Helpers for writing pre-flatten IR by hand in the tests, and for checking index
expressions by value rather than by shape (the simplifier owns the shape)."""
from minitvm.tir import expr as E
from minitvm.tir import stmt as S
from minitvm.tir.buffer import decl_buffer
from minitvm.tir.function import PrimFunc
from ir_eval import evaluate  # noqa: F401  (re-exported for the tests)


def i32(v):
    return E.IntImm("int32", v)


def var(name):
    return E.Var(name, "int32")


def param(name, shape, dtype="int8"):
    """A parameter: (handle var, N-d Buffer) like GetBinds makes."""
    buf = decl_buffer(shape, dtype, name)
    return E.Var(name, "handle"), buf


def loop(v, extent, body, kind=S.ForKind.SERIAL):
    return S.For(v, i32(0), i32(extent), kind, body)


def nest(vars_extents, body):
    for v, extent in reversed(vars_extents):
        body = loop(v, extent, body)
    return body


def realize(buffer, bounds, body):
    ranges = tuple(E.Range(b[0] if isinstance(b[0], E.PrimExpr) else i32(b[0]), i32(b[1]))
                   for b in bounds)
    return S.BufferRealize(buffer, ranges, E.IntImm("bool", 1), body)


def func(params, body, phases=()):
    return PrimFunc(tuple(v for v, _ in params), body, {v: b for v, b in params},
                    phases=tuple(phases))


def collect(node, cls):
    """Every node of class `cls` below `node`, in visiting order."""
    from minitvm.tir.functor import post_order_visit
    found = []
    post_order_visit(node, lambda n: found.append(n) if isinstance(n, cls) else None)
    return found
