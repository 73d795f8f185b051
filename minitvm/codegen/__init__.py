"""Code generation for the host CPU: lowered loop IR -> Python/numpy source -> HostModule.

Pipeline inside: `function_emitter` walks statements; each loop nest goes through
`region` (collect stores), `dependence` (prove whole-array execution is safe) and
`vector_stmt` (numpy statements), or else runs as Python loops (`scalar_expr`).
"""
from .build import build_host
from .context import HostCodegenError

__all__ = ["build_host", "HostCodegenError"]
