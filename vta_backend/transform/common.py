"""The IR vocabulary the VTA passes share: the coprocessor axis and its scope attributes,
the builtin calls of the lowered program (micro-op pushes, dependence tokens, the command
handle), `tvm_access_ptr` and pragma matching.

Every `coproc_scope` must hang off one IterVar (CoProcSync names the `tir.vta.*` token
calls after it), so the axis is a single object here, as `env.dev.vta_axis` is in TVM.
"""
from __future__ import annotations

from minitvm.tir import expr as E
from minitvm.tir import op
from minitvm.tir import stmt as S
from minitvm.tir.functor import Visitor, post_order_visit

VTA_AXIS = E.IterVar(None, E.Var("vta", "int32"), E.IterVarType.THREAD_INDEX, "vta")

COPROC_SCOPE = "coproc_scope"
UOP_SCOPE = "coproc_uop_scope"
# One shared object: LiftAttrScope merges neighbouring GEMM kernels' scopes only when
# their values are the same node (ALU scopes get a fresh StringImm each, never merged).
PUSH_GEMM = E.StringImm("VTAPushGEMMOp")
PUSH_ALU_NAME = "VTAPushALUOp"

UOP_PUSH = "tir.vta.uop_push"
DEP_PUSH = "tir.vta.coproc_dep_push"
DEP_POP = "tir.vta.coproc_dep_pop"
COPROC_SYNC = "tir.vta.coproc_sync"
COMMAND_HANDLE = "tir.vta.command_handle"
THREAD_CONTEXT = "tir.tvm_thread_context"
ACCESS_PTR = "tir.tvm_access_ptr"

ACCESS_MASK = {"r": 1, "w": 2, "rw": 3}


def coproc_scope(qid, body):
    """`body` issued on VTA queue `qid` (1 load, 2 compute, 3 store)."""
    return S.AttrStmt(VTA_AXIS, COPROC_SCOPE, op.const(qid), body)


def uop_scope(push_fn, body):
    """`body` recorded as one micro-op kernel and issued by `push_fn` (a StringImm)."""
    return S.AttrStmt(VTA_AXIS, UOP_SCOPE, push_fn, body)


def command_handle():
    """`tvm_thread_context(tir.vta.command_handle())`: the runtime's command queue."""
    return E.Call("handle", THREAD_CONTEXT, (E.Call("handle", COMMAND_HANDLE, ()),))


def int_call(name, *args):
    """An int32 builtin call `name(args)` as a statement."""
    return S.Evaluate(E.Call("int32", name, tuple(op.convert(a) for a in args)))


def extern(name, *args):
    """`call_extern("int32", name, args)` as a statement."""
    return S.Evaluate(op.call_extern("int32", name, *args))


def uop_push(*args):
    return int_call(UOP_PUSH, *args)


def access_ptr(data, dtype, offset, extent, mask="r", ptr_dtype="int32"):
    """TVM's `Buffer.access_ptr(mask, ptr_dtype)`: the region `[offset, offset+extent)` of
    the `dtype` array behind handle `data`."""
    annotation = E.Call(dtype, "tir.type_annotation", ())
    return E.Call(ptr_dtype, ACCESS_PTR, (annotation, data, op.convert(offset),
                                          op.convert(extent), op.const(ACCESS_MASK[mask])))


def match_pragma(stmt, key):
    """Whether `stmt` is the `pragma_<key>` attribute (or a `pragma_scope` naming key)."""
    if not isinstance(stmt, S.AttrStmt):
        return False
    if stmt.attr_key == "pragma_" + key:
        return True
    return (stmt.attr_key == "pragma_scope" and isinstance(stmt.value, E.StringImm)
            and stmt.value.value == key)


def is_call(expr, name):
    return isinstance(expr, E.Call) and expr.op == name


def uses_var(node, var):
    """Whether `var` occurs anywhere in the expression or statement `node`."""
    found = []
    post_order_visit(node, lambda n: found.append(n) if n is var else None)
    return bool(found)


def strip_loops(stmt):
    """`(loops, innermost statement)` of a perfect loop nest."""
    loops = []
    while isinstance(stmt, S.For):
        loops.append(stmt)
        stmt = stmt.body
    return loops, stmt


class _FreeVars(Visitor):
    """Variables a statement uses but does not bind, in order of first use."""

    def __init__(self):
        self.bound, self.free = set(), []

    def visit_Var(self, v):
        if v not in self.bound and v not in self.free:
            self.free.append(v)

    def _bind(self, var, node):
        self.bound.add(var)
        self.generic_visit(node)

    def visit_For(self, s):
        self._bind(s.loop_var, s)

    def visit_LetStmt(self, s):
        self._bind(s.var, s)

    def visit_Let(self, e):
        self._bind(e.var, e)

    def visit_Allocate(self, s):
        self._bind(s.buffer_var, s)

    def visit_BufferLoad(self, e):
        self.visit_Var(e.buffer.data)
        self.generic_visit(e)

    def visit_BufferStore(self, s):
        self.visit_Var(s.buffer.data)
        self.generic_visit(s)


def free_vars(stmt):
    """Variables `stmt` uses but does not bind (loop, let, allocation), in order of first
    use: what a micro-op kernel closes over."""
    finder = _FreeVars()
    finder.visit(stmt)
    return finder.free
