"""`vta.build_config`, `vta.lower` and `vta.build`: compiling a schedule for VTA.

VTA adds its passes to minitvm's lowering pipeline through the pass context
(`tir.add_lower_pass`), at TVM's phases (spec vta.md 5.1):

    phase 1 (after StorageFlatten)   copies -> DMA, ALU stages onto the compute queue,
                                     lift scopes and allocations, dependence tokens,
                                     early storage rewrite [, debug mode]
    phase 2 (after virtual threads)  ALU stages -> ALU micro-ops
    phase 3 (after Simplify)         check the GEMM micro-op kernels, SRAM indices,
                                     GEMM micro-op loops, host pointers

The on-chip SRAMs are registered as special memory scopes (unit = one element, capacity
= the buffer size) every time a configuration is made, so that the storage rewrites pack
tiles into them and refuse tiles that do not fit.
"""
from __future__ import annotations

from minitvm.transform import MemoryInfo, PassContext, register_memory_info

from . import transform as vta_passes
from .environment import get_env

ADD_LOWER_PASS = "tir.add_lower_pass"


def register_memory_scopes(env=None):
    """Declare VTA's input, weight and accumulator SRAMs of `env` (default: the current
    environment) as the special memories behind their storage scopes."""
    env = env or get_env()
    for scope, elem_bits, size_bytes in ((env.inp_scope, env.INP_ELEM_BITS, env.INP_BUFF_SIZE),
                                         (env.wgt_scope, env.WGT_ELEM_BITS, env.WGT_BUFF_SIZE),
                                         (env.acc_scope, env.ACC_ELEM_BITS, env.ACC_BUFF_SIZE)):
        register_memory_info(scope, MemoryInfo(unit_bits=elem_bits, max_simd_bits=elem_bits,
                                               max_num_bits=size_bytes * 8))


def pass_list(debug_flag=0):
    """VTA's `(phase, pass)` additions to the lowering pipeline, in order."""
    passes = [
        (1, vta_passes.inject_dma_intrin),
        (1, vta_passes.inject_skip_copy),
        (1, vta_passes.annotate_alu_coproc_scope),
        (1, vta_passes.lift_attr_scope("coproc_uop_scope")),
        (1, vta_passes.lift_alloc_to_scope_begin),
        (1, vta_passes.lift_attr_scope("coproc_scope")),
        (1, vta_passes.inject_coproc_sync),
        (1, vta_passes.early_rewrite),
    ]
    if debug_flag:
        passes.append((1, vta_passes.add_debug(debug_flag)))
    passes += [
        (2, vta_passes.inject_alu_intrin),
        (3, vta_passes.verify_gemm_kernels),
        (3, vta_passes.lower_device_storage_access_info),
        (3, vta_passes.fold_uop_loop),
        (3, vta_passes.cpu_access_rewrite),
    ]
    return passes


def build_config(debug_flag=0, disabled_pass=None, **kwargs):
    """A `PassContext` that lowers for VTA (TVM's `vta.build_config`); use it as
    `with vta.build_config(disabled_pass={...}): vta.build(...)`. `debug_flag` sets the
    runtime's debug mode at function entry; other keywords go to PassContext (a `config`
    dictionary is merged into VTA's)."""
    register_memory_scopes()
    config = {ADD_LOWER_PASS: pass_list(debug_flag)}
    config.update(kwargs.pop("config", None) or {})
    return PassContext(config=config, disabled_pass=disabled_pass, **kwargs)


def lower(sch, args=None, name="main", simple_mode=False, binds=None):
    """`tvm.lower` with VTA's passes. Like TVM's `vta.lower`, it always opens a fresh
    `build_config()`, so options of an enclosing context do not apply."""
    from minitvm import driver
    with build_config():
        return driver.lower(sch, args, name=name, simple_mode=simple_mode, binds=binds)


def build(inputs, args=None, target=None, name="main", binds=None):
    """`tvm.build` with VTA's passes, inside `build_config()` unless the current context
    already adds lowering passes (e.g. `with vta.build_config(disabled_pass=...)`).
    For an ext_dev target (the default) the result is a `VTAModule` running on the
    simulator; for a CPU target it is the host build's module."""
    if PassContext.current().config.get(ADD_LOWER_PASS):
        return _build(inputs, args, target, name, binds)
    with build_config():
        return _build(inputs, args, target, name, binds)


def _build(inputs, args, target, name, binds):
    from minitvm import driver
    from minitvm.target import Target
    from minitvm.tir.function import IRModule
    from .module import VTAModule
    target = Target("ext_dev" if target is None else target)
    if target.kind.name != "ext_dev":
        return driver.build(inputs, args, target=target, name=name, binds=binds)
    mod = inputs if isinstance(inputs, IRModule) else driver.lower(inputs, args, name=name,
                                                                   binds=binds)
    if name not in mod:
        raise ValueError(f"vta.build: the module has no function {name!r} "
                         f"(it has {', '.join(mod.functions)})")
    return VTAModule(mod[name], name, get_env())
