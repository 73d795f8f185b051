"""Helpers for building flattened IR by hand in the VTA pass tests, and for checking
index expressions by value (their shape belongs to the simplifier)."""
import itertools

from minitvm.tir import expr as E
from minitvm.tir import op
from minitvm.tir import stmt as S
from minitvm.tir.buffer import Buffer
from minitvm.tir.function import PrimFunc
from minitvm.tir.functor import post_order_visit
from minitvm.transform.pass_infra import FLATTENED
from ir_eval import evaluate  # noqa: F401  (re-exported for the tests)


def i32(v):
    return E.IntImm("int32", v)


def var(name):
    return E.Var(name, "int32")


def flat(name, dtype, size, scope="global"):
    """A 1-D buffer over a fresh handle var in `scope`."""
    data = E.Var(name, "handle", E.PointerType(dtype, scope))
    return Buffer(data, dtype, (i32(size),), (), i32(0), name)


def loop(v, extent, body):
    return S.For(v, i32(0), op.convert(extent), S.ForKind.SERIAL, body)


def nest(vars_extents, body):
    for v, extent in reversed(vars_extents):
        body = loop(v, extent, body)
    return body


def alloc(buf, body):
    return S.Allocate(buf.data, buf.dtype, buf.shape, E.IntImm("bool", 1), body)


def store(buf, index, value):
    return S.BufferStore(buf, op.convert(value), (op.convert(index),))


def load(buf, index):
    return E.BufferLoad(buf, (op.convert(index),))


def pragma(key, body, name="i0"):
    iv = E.IterVar(None, var(name), E.IterVarType.DATA_PAR)
    return S.AttrStmt(iv, "pragma_" + key, i32(1), body)


def func(body, params=()):
    """A flattened PrimFunc over the given parameter buffers."""
    handles = tuple(E.Var(b.name + "_handle", "handle") for b in params)
    return PrimFunc(handles, body, dict(zip(handles, params)), phases=(FLATTENED,))


def same_values(got, want, ranges):
    """Whether expression `got` equals the Python function `want` over every point of
    `ranges` ({Var: range})."""
    keys = list(ranges)
    for point in itertools.product(*(ranges[k] for k in keys)):
        env = dict(zip(keys, point))
        if evaluate(got, env) != want(*point):
            return False
    return True


def collect(node, cls):
    found = []
    post_order_visit(node, lambda n: found.append(n) if isinstance(n, cls) else None)
    return found


def calls(node, name):
    """Every call of extern function or builtin `name` below `node`, in order."""
    out = []
    for c in collect(node, E.Call):
        if c.op == name or (c.op == "tir.call_extern" and c.args[0].value == name):
            out.append(c)
    return out


def extern_args(call):
    """The arguments of a call_extern after the function name."""
    return call.args[1:]


def attrs(node, key):
    return [a for a in collect(node, S.AttrStmt) if a.attr_key == key]


def extern_stmt(name, *args):
    return S.Evaluate(op.call_extern("int32", name, *args))
