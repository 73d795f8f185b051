"""Compile a lowered VTA function (host code) into a Python callable driving the runtime.

Where it sits: after `vta.build` has lowered a schedule (VTA's phase 3 passes done), the
function is host code: loops and lets around calls of the runtime's C API
(`VTALoadBuffer2D`, `tir.vta.coproc_dep_push`, ...) and `coproc_uop_scope` attributes whose
bodies record micro-op kernels. This module writes it as Python source, reusing the host
build's statement walker and scalar expression emitter (`minitvm.codegen`) for loops,
lets, conditions and index arithmetic; what VTA adds is handled here:

    call of a runtime function      _VTALoadBuffer2D(_q, ...), a module-level name bound
                                      to _extern['VTALoadBuffer2D']   (externs.EXTERNS)
    tvm_thread_context(command_handle())  _q, the command queue the call runs on
    coproc_uop_scope "VTAPushGEMMOp"  a kernel function `_uop_kernel_<site>(key)` holding
        { body }                      the body, defined at the top of the entry function
                                      (it uses the entry's _q), and at the scope's place
                                      _VTAPushGEMMOp(_q, _site_<site>, _uop_kernel_<site>, key)
    let x_ptr = VTABufferCPUPtr(cmd, x)  a typed numpy view of x's DRAM bytes, which the
                                      host's own loops (CPUAccessRewrite) index
    Allocate (global scope)           a DRAM workspace (VTABufferAlloc), freed after its body

TVM turns a uop scope into a closure over the body's free variables, packed into a
struct whose size must be 0 or 4 bytes (spec vta.md 4.3, 5.15): the runtime keys a
site's kernels by that one int32 value (in practice the virtual-thread index). A body
with more free variables, or a non-int32 one, is refused here, naming the variables.

The generated function takes the command queue first, then one argument per parameter
(the `DramBuffer` behind each array); `compile_host` returns its source, the number of
call sites and the `Signature` the arguments are checked against.

The first call of a module runs this code once per instruction it queues (thousands to
hundreds of thousands), so the code does per instruction only what it must: runtime
functions and call sites' kernel maps are plain names bound once (no dictionary or
`_sites[...]` lookup per call), and a push hands over the kernel function itself (no
closure made per push).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List

from minitvm.codegen import HostCodegenError
from minitvm.codegen.context import Context, Writer
from minitvm.codegen.function_emitter import FunctionEmitter
from minitvm.codegen.naming import python_identifier
from minitvm.codegen.scalar_expr import ScalarEmitter
from minitvm.runtime.device import EXT_DEV
from minitvm.runtime.signature import BufferParam, Signature
from minitvm.tir import dtype as dt
from minitvm.tir import expr as E
from minitvm.tir import stmt as S
from minitvm.tir.function import PrimFunc
from minitvm.tir.functor import post_order_visit

from ..environment import VTAError
from ..transform.common import free_vars
from .externs import EXTERNS, IMPLICIT_QUEUE, PUSH_OPS

QUEUE = "_q"
UOP_SCOPE = "coproc_uop_scope"
THREAD_CONTEXT = "tir.tvm_thread_context"
COMMAND_HANDLE = "tir.vta.command_handle"
CPU_PTR = "VTABufferCPUPtr"


class VTAHostCompileError(VTAError, HostCodegenError):
    """The lowered function cannot be turned into VTA host code."""


@dataclass(frozen=True)
class HostProgram:
    """Generated source, its entry function's name, the number of micro-op call sites, the
    parameters' signature and the runtime functions the source calls."""
    source: str
    entry: str
    num_sites: int
    signature: Signature
    externs: frozenset


def compile_host(func: PrimFunc, name: str) -> HostProgram:
    """Python source for the lowered VTA function `func` (see the module docstring)."""
    if not isinstance(func, PrimFunc):
        raise VTAHostCompileError(f"compile_host({name}): expected a PrimFunc, got "
                                  f"{type(func).__name__}")
    ctx = _VTAContext(name, EXTERNS)
    signature, arg_names = _parameters(ctx, func, name)
    kernels: List[str] = []
    ctx.out.depth = 1
    emitter = _HostEmitter(ctx, kernels)
    emitter.visit(func.body)
    entry = python_identifier(name)
    lines = [f"# minitvm VTA host code for {name!r}: drives the command queue {QUEUE}.",
             "# Generated from the lowered loop IR; micro-op kernels are recorded by the",
             "# _uop_kernel_<site> functions the first time their (site, key) is pushed.", ""]
    lines += [f"{alias} = _extern[{extern!r}]" for extern, alias in ctx.aliases.items()]
    lines += ["", f"def {entry}({', '.join([QUEUE] + arg_names)}):"]
    lines += [f"    {_site(site)} = _sites[{site}]" for site in range(emitter.sites)]
    lines += ["    " + line if line else line for line in kernels]
    lines += ctx.out.lines or ["    pass"]
    lines += ["", f"__entry__ = {entry}"]
    return HostProgram("\n".join(lines) + "\n", entry, emitter.sites, signature,
                       frozenset(ctx.used_externs))


class _VTAContext(Context):
    """The host build's code-generation state, reporting errors as VTA's; `lets` holds
    the let-bound variables in scope (for the kernel-closure error)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lets = set()
        self.aliases = {}           # runtime function name -> its module-level name

    def error(self, message):
        return VTAHostCompileError(f"VTA host code for {self.func_name!r}: {message}")

    def extern(self, name):
        """The module-level name bound to runtime function `name` (checked and counted as
        used by the host build's context)."""
        super().extern(name)
        if name not in self.aliases:
            alias = "_" + re.sub(r"\W", "_", name)
            self.aliases[name] = alias if alias not in self.aliases.values() \
                else f"{alias}_{len(self.aliases)}"
        return self.aliases[name]


def _parameters(ctx, func, name):
    """Each parameter is an array: the code sees its device buffer under the buffer's name."""
    params, arg_names = [], []
    for var in func.params:
        buffer = func.buffer_map.get(var)
        if buffer is None:
            raise ctx.error(f"parameter {var.name!r} is not an array; VTA functions take "
                            f"arrays on ext_dev only")
        shape = []
        for dim in buffer.shape:
            if not isinstance(dim, E.IntImm):
                raise ctx.error(f"parameter {buffer.name!r} has shape dimension {dim!r}; VTA "
                                f"functions need constant shapes")
            shape.append(dim.value)
        params.append(BufferParam(buffer.name, buffer.dtype, tuple(shape)))
        arg_names.append(ctx.namer.name(buffer.data, hint=buffer.name))
        ctx.namer.alias(var, buffer.data)
        ctx.defined.update((var, buffer.data))
    return Signature(tuple(params), (), EXT_DEV), arg_names


class _HostExpr(ScalarEmitter):
    """Scalar expressions, with the runtime's calls taking the command queue."""

    def visit_Call(self, e):
        if e.op == THREAD_CONTEXT:
            return self.visit(e.args[0])
        if e.op == COMMAND_HANDLE:
            return QUEUE, True
        if e.op == "tir.call_extern":
            return self._runtime_call(e.args[0].value, e.args[1:]), True
        if e.op.startswith("tir.vta."):
            return self._runtime_call(e.op, e.args), True
        return super().visit_Call(e)

    def _runtime_call(self, name, args):
        if name not in EXTERNS or name in PUSH_OPS:
            raise self.ctx.error(f"the function calls {name!r}, which is not a function of "
                                 f"VTA's runtime (known: {', '.join(sorted(EXTERNS))})")
        texts = [QUEUE] if name in IMPLICIT_QUEUE else []
        texts += [self.exact(a) for a in args]
        return f"{self.ctx.extern(name)}({', '.join(texts)})"


class _HostEmitter(FunctionEmitter):
    """Statements of VTA host code; micro-op kernels go to `kernels` as functions."""

    def __init__(self, ctx, kernels: List[str], sites: int = 0):
        super().__init__(ctx, vectorize=False)
        self.expr = _HostExpr(ctx)
        self.kernels = kernels
        self.sites = sites

    def visit_AttrStmt(self, s):
        if s.attr_key != UOP_SCOPE:
            self.visit(s.body)
            return
        push = s.value.value if isinstance(s.value, E.StringImm) else None
        if push not in PUSH_OPS:
            raise self.ctx.error(f"coproc_uop_scope names {s.value!r}; it must be one of "
                                 f"{', '.join(PUSH_OPS)}")
        site, self.sites = self.sites, self.sites + 1
        key = _kernel_key(self.ctx, s.body, site, push)
        function = self._kernel_function(s.body, site, key)
        key_text = self.ctx.use(key) if key is not None else "None"
        self.out.line(f"{self.ctx.extern(push)}({QUEUE}, {_site(site)}, {function}, {key_text})")

    def _kernel_function(self, body, site, key):
        """Write `def _uop_kernel_<site>(key): body` among the kernels (the runtime calls it
        with the key; `_key` when the kernel has none)."""
        ctx = self.ctx
        name = f"_uop_kernel_{site}"
        outer_out, outer_defined = ctx.out, ctx.defined
        ctx.out, ctx.defined = Writer(), {key} if key is not None else set()
        try:
            param = ctx.namer.name(key) if key is not None else "_key"
            ctx.out.line(f"def {name}({param}):")
            inner = _HostEmitter(ctx, self.kernels, self.sites)
            inner.body(body)
            self.sites = inner.sites
            self.kernels.extend(ctx.out.lines + [""])
        finally:
            ctx.out, ctx.defined = outer_out, outer_defined
        return name

    def visit_LetStmt(self, s):
        value = s.value
        if (isinstance(value, E.Call) and value.op == "tir.call_extern"
                and value.args[0].value == CPU_PTR):
            self._cpu_pointer(s)
            return
        self.ctx.lets.add(s.var)
        super().visit_LetStmt(s)
        self.ctx.lets.discard(s.var)

    def _cpu_pointer(self, s):
        """`x_ptr = VTABufferCPUPtr(cmd, x)`: a typed host view that loads and stores index."""
        dtype = getattr(s.var.type_annotation, "element_dtype", None)
        if dtype is None:
            raise self.ctx.error(f"{s.var.name!r} is bound to VTABufferCPUPtr but has no "
                                 f"pointer type saying what it points to")
        name = self.ctx.declare_memory(s.var, dtype, None)
        args = ", ".join(self.expr.exact(a) for a in s.value.args[1:])
        self.out.line(f"{name} = {self.ctx.extern(CPU_PTR)}({args}, np.{dtype})")
        self.visit(s.body)
        self.ctx.memory.pop(s.var)

    def visit_Allocate(self, s):
        """A DRAM workspace (global scope) for the body, freed after it."""
        scope = getattr(s.buffer_var.type_annotation, "storage_scope", "global")
        if scope != "global":
            raise self.ctx.error(f"allocation {s.buffer_var.name!r} in scope {scope!r} is left "
                                 f"in host code; only global (DRAM) allocations can be made "
                                 f"by the host")
        if any(not isinstance(e, E.IntImm) for e in s.extents):
            raise self.ctx.error(f"allocation {s.buffer_var.name!r} has a symbolic size")
        count = 1
        for extent in s.extents:
            count *= extent.value
        nbytes = count * ((dt.bits(s.dtype) + 7) // 8)
        name = self.ctx.namer.name(s.buffer_var)
        self.ctx.defined.add(s.buffer_var)
        self.out.line(f"{name} = {self.ctx.extern('VTABufferAlloc')}({QUEUE}, {nbytes})")
        self.out.line("try:")
        self.body(s.body)
        self.out.line("finally:")
        self.out.indent()
        self.out.line(f"{self.ctx.extern('VTABufferFree')}({QUEUE}, {name})")
        self.out.dedent()
        self.ctx.defined.discard(s.buffer_var)


def _site(site):
    """The entry function's local name for the kernel map of call site `site`."""
    return f"_site_{site}"


def _kernel_key(ctx, body, site, push):
    """The one int32 variable the kernel body closes over (None if it uses none)."""
    free = free_vars(body)
    if not free:
        return None
    if len(free) > 1 or free[0].dtype != "int32":
        names = ", ".join(f"{v.name} ({v.dtype})" for v in free)
        raise ctx.error(f"micro-op kernel {site} ({push}{_loop_names(body)}) uses "
                        f"{names} from outside its coproc_uop_scope; VTA's runtime keys a "
                        f"call site's kernels by a single int32 value (spec vta.md 4.3), so a "
                        f"kernel may depend on at most one int32 variable, such as the "
                        f"virtual-thread index{_hoisting_advice(ctx, free)}")
    return free[0]


def _loop_names(body):
    names = []
    post_order_visit(body, lambda n: names.insert(0, f"'{n.loop_var.name}'")
                     if isinstance(n, S.For) else None)
    return f", loops {', '.join(names)}" if names else ""


def _hoisting_advice(ctx, free):
    """Why a let-bound variable is there: CSE (the last pass of lowering) moved part of
    the kernel's indices out of it, which VTA's convolution tutorial avoids by
    disabling the pass."""
    hoisted = [v.name for v in free if v in ctx.lets]
    if not hoisted:
        return ""
    return (f". {', '.join(hoisted)} holds an index computation that common-subexpression "
            f"elimination moved out of the kernel: build as VTA's convolution tutorial does, "
            f"with `with vta.build_config(disabled_pass={{\"tir.CommonSubexprElimTIR\"}}): "
            f"vta.build(...)`, or attach the stage lower so that the kernel shares no index "
            f"computation with the code around it")
