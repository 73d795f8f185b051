"""Code generation for the host CPU: lowered loop IR -> Python/numpy source -> HostModule.

Where it sits: `minitvm.build` (driver) lowers a schedule, then calls `build_host`.
Inside: `function_emitter` walks the statements; each loop nest goes through `region`
(collect its stores; `unfuse` splits fused loops), `dependence` (prove that running
each store as whole-array operations keeps the sequential result) and `vector_stmt`
(numpy statements, with `vector_expr` for expressions); a nest that is not proven
safe runs as Python loops (`scalar_expr`). `affine` gives index forms and bounds.
"""
from .build import build_host
from .context import HostCodegenError

__all__ = ["build_host", "HostCodegenError"]
