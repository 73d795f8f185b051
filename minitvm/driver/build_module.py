"""`tvm.driver.build_module`: `schedule_to_module`, `lower` and `build`, and the one place
that lists the pass pipeline, in order.

    schedule --schedule_to_module-->  IRModule of the loop nest over TE tensors
             --PIPELINE-->            flat, simplified loop IR (an IRModule)
             --codegen.build_host-->  a callable module (build only)

`PIPELINE` is TVM's legacy `CreatePassList` reduced to the passes minitvm implements
(vta.md §5.1). Each entry is `(phase, name, pass)`; the `USER` entries are where the
passes of the current `PassContext(config={"tir.add_lower_pass": [(phase, fn), ...]})`
run, in the order given. A pass named in `PassContext(disabled_pass=...)` is skipped.

TVM passes left out, and why the printed IR does not need them: InjectPrefetch,
TextureFlatten, the TIR-block passes, NarrowDataType(32),
RenormalizeSplitPattern (nothing it matches occurs in TE schedules minitvm
accepts). LoopPartition runs unless `lower(..., simple_mode=True)`, as in TVM.

`build` lowers under one extra config entry, "tir.reuse_require_exact_matched_dtype"
(StorageRewrite then shares memory only between arrays of one element type, TVM's rule
for targets that cannot reinterpret memory, which the numpy host build cannot either).

Set `MINITVM_DUMP_IR=1` (or pass `dump=True`, or `dump=callable(phase, name, func)`)
to see the IR after every pass.
"""
from __future__ import annotations

import importlib
import os
import sys

from ..tir.depth import deep_ir_step
from ..tir.function import IRModule, PrimFunc
from ..transform import (common_subexpr_elim, inject_virtual_thread, remove_no_op,
                        rewrite_unsafe_select, simplify, storage_flatten, storage_rewrite,
                        unroll_loop)
from ..transform.hoist_if_then_else import hoist_if_then_else
from ..transform.inject_double_buffer import inject_double_buffer
from ..transform.lower_intrin import lower_intrin
from ..transform.pass_infra import PassContext, pass_name
from ..transform.loop_partition import loop_partition
from ..transform.vectorize_loop import vectorize_loop
from ..transform.verify_memory import verify_memory

USER = "user passes of this phase (PassContext config 'tir.add_lower_pass')"

PIPELINE = [
    (0, "user", USER),
    # phase 1: from TE stages to flat memory
    (1, "tir.StorageFlatten", storage_flatten),
    (1, "tir.Simplify", simplify),
    (1, "user", USER),
    # phase 2: replicate virtual threads, then plan memory over the result
    (2, "tir.LoopPartition", loop_partition),      # not in simple_mode (see lower)
    (2, "tir.VectorizeLoop", vectorize_loop),
    (2, "tir.InjectVirtualThread", inject_virtual_thread),
    (2, "tir.InjectDoubleBuffer", inject_double_buffer),
    (2, "tir.StorageRewrite", storage_rewrite),
    (2, "tir.HoistIfThenElse", hoist_if_then_else),
    (2, "tir.UnrollLoop", unroll_loop),
    (2, "user", USER),
    # phase 3: clean up what the rewrites left, then name common subexpressions
    (3, "tir.Simplify", simplify),
    (3, "tir.RemoveNoOp", remove_no_op),
    (3, "tir.RewriteUnsafeSelect", rewrite_unsafe_select),
    (3, "user", USER),
    (3, "tir.CommonSubexprElimTIR", common_subexpr_elim),
]

# What `build` runs after `lower`, for its target (TVM's host finalization passes): each
# is `(name, pass(func, target))`.
BUILD_PIPELINE = [
    ("tir.VerifyMemory", verify_memory),
    ("tir.LowerIntrin", lower_intrin),
]


def pipeline(ctx=None):
    """The concrete `(phase, name, pass)` steps under `ctx` (default: the current context):
    PIPELINE with its USER entries replaced by the context's passes, disabled ones dropped."""
    ctx = ctx or PassContext.current()
    steps = []
    for phase, name, fn in PIPELINE:
        if fn is USER:
            steps.extend((phase, pass_name(fn), fn) for fn in ctx.user_passes(phase))
        else:
            steps.append((phase, name, fn))
    return [step for step in steps if ctx.pass_enabled(step[1])]


def get_binds(args, compact=False, binds=None):
    """TVM's `get_binds`: `(binds, arg_list)`, the `{tensor: Buffer}` map for the tensors
    of `args` (`binds`' buffers first, else new ones) and `args` with each tensor replaced
    by its buffer."""
    schedule = importlib.import_module("minitvm.schedule")
    binds = schedule.get_binds(args, binds, compact=compact)
    return binds, [binds.get(arg, arg) if _is_tensor(arg) else arg for arg in args]


def schedule_to_module(sch, args=None, name="main", binds=None):
    """The IRModule of schedule `sch` before any lowering pass: one PrimFunc `name` whose
    body is the loop nest over TE tensors (`lower` runs PIPELINE over it)."""
    if args is None:
        raise TypeError("schedule_to_module(schedule, args): the argument tensors are missing")
    schedule = importlib.import_module("minitvm.schedule")
    return IRModule({name: schedule.schedule_to_primfunc(sch, list(args), name, binds=binds)})


def lower(inp, args=None, name="main", simple_mode=False, binds=None, dump=None):
    """Lower a schedule (with its argument tensors), a PrimFunc or an IRModule to an
    IRModule of flat loop IR. `simple_mode` leaves LoopPartition out, as TVM's does."""
    with deep_ir_step("schedule_to_module"):
        funcs = _to_primfuncs(inp, args, name, binds)
    show = _dumper(dump)
    ctx = PassContext.current()
    steps = [step for step in pipeline(ctx)
             if not (simple_mode and step[1] == "tir.LoopPartition")]
    lowered = {}
    for fname, func in funcs.items():
        for phase, step_name, fn in steps:
            func = _run(fn, step_name, func)
            if show is not None:
                show(phase, step_name, func)
        lowered[fname] = func
    return IRModule(lowered)


def build(inp, args=None, target="llvm", name="main", binds=None):
    """Lower (if needed) and compile for the host CPU: a module callable with
    `minitvm.nd` arrays in the order of `args`."""
    target = _check_target(target)
    if isinstance(inp, IRModule):
        mod = inp
    else:
        # The host build does not reinterpret memory: plan storage per element type.
        exact = {"tir.reuse_require_exact_matched_dtype": True}
        with PassContext.current().with_config(exact):
            mod = lower(inp, args, name=name, binds=binds)
    if name not in mod:
        raise KeyError(f"build: the module has no function {name!r} "
                       f"(it has {', '.join(mod.functions)})")
    func = mod[name]
    for step_name, fn in BUILD_PIPELINE:
        func = _run(lambda f: fn(f, target), step_name, func)
    codegen = importlib.import_module("minitvm.codegen")
    with deep_ir_step("build (host code generation)"):
        return codegen.build_host(func, name)


def _run(fn, step_name, func):
    with deep_ir_step(step_name):
        result = fn(func)
    if not isinstance(result, PrimFunc):
        raise TypeError(f"pass {step_name} returned {type(result).__name__}, not a PrimFunc")
    if result.phases[-1:] != (step_name,):
        result = result.with_phase(step_name)
    return result


def _to_primfuncs(inp, args, name, binds):
    if isinstance(inp, IRModule):
        return dict(inp.functions)
    if isinstance(inp, PrimFunc):
        return {name: inp}
    if args is None:
        raise TypeError("lower(schedule, args): the argument tensors are missing")
    return dict(schedule_to_module(inp, args, name, binds).functions)


def _is_tensor(arg):
    return isinstance(arg, importlib.import_module("minitvm.te.tensor").Tensor)


def _dumper(dump):
    if dump is None:
        dump = os.environ.get("MINITVM_DUMP_IR", "") not in ("", "0")
    if dump is False:
        return None
    if callable(dump):
        return dump

    def to_stderr(phase, step_name, func):
        print(f"# ---- after {step_name} (phase {phase}) ----", file=sys.stderr)
        print(IRModule({func.attrs.get("global_symbol", "main"): func}), file=sys.stderr)
    return to_stderr


def _check_target(target):
    """Parse `target` (refusing unknown kinds, naming them, and GPU kinds, which have no
    backend); minitvm.build compiles host code either way: VTA code is host code
    calling the VTA runtime."""
    target_module = importlib.import_module("minitvm.target")
    target = target_module.Target(target)
    target_module.require_backend(target)
    return target
