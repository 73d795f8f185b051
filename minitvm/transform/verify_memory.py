"""VerifyMemory: refuses a host build of a function that launches GPU threads.

TVM's `tir.transform.VerifyMemory`, run by `build` on functions for a CPU target: host
code can only touch memory outside of a thread launch, so a schedule with loops bound to
`blockIdx`/`threadIdx` (a `thread_extent` scope) cannot run there. minitvm has no GPU code
generator at all, so such a schedule is lowered and printed but never built; this check
says so, naming the thread, instead of failing deep in the host code generator. It runs
first in `driver.BUILD_PIPELINE`, before any host-only rewrite.
"""
from __future__ import annotations

from ..error import TVMError
from ..tir import expr as E
from ..tir import stmt as S
from ..tir.functor import post_order_visit


class MemoryVerificationError(TVMError):
    """Host code would access memory inside a GPU thread launch."""


def verify_memory(func, target):
    """`func` unchanged when it launches no GPU thread; else MemoryVerificationError."""
    launches = []
    post_order_visit(func.body, lambda n: launches.append(n.node)
                     if isinstance(n, S.AttrStmt) and n.attr_key == "thread_extent"
                     and isinstance(n.node, E.IterVar) else None)
    if launches:
        tags = ", ".join(sorted({iv.thread_tag for iv in launches}))
        raise MemoryVerificationError(
            f"build for '{target.kind.name}': the function binds loops to GPU threads "
            f"({tags}), which a CPU target cannot run, and minitvm has no GPU code "
            "generator; lower it to read the listing, or drop the bind to build for the CPU")
    return func
