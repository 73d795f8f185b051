"""The default schedule of TOPI's generic operators on the CPU (TVM's
`topi.generic.default`): one stage per operator, optionally with injective
producers inlined and the output's axes fused. Needs a CPU target in scope
(`with tvm.target.Target("llvm"):`), as TVM's does."""
from __future__ import annotations

from ...error import TVMError
from ...target import Target
from ...te import ComputeOp, create_schedule
from ...te.tensor import Tensor
from ...tir.expr import Reduce


def default_schedule(outs, auto_inline):
    """A schedule of `outs` (a tensor or a list of them)."""
    outs = as_list(outs)
    target = Target.current()
    if target is None:
        raise TVMError("topi.generic's schedules need a target: no target is in scope: use "
                       "`with tvm.target.Target('llvm'):` around this call")
    if target.kind.name not in ("llvm", "c"):
        raise TVMError(f"schedule not registered for '{target}': topi.generic's "
                       f"schedules are for the CPU ('llvm')")
    s = create_schedule([x.op for x in outs])
    if auto_inline:
        auto_inline_injective(s)
        s[outs[0]].fuse(*s[outs[0]].op.axis)
    return s


def as_list(outs):
    return [outs] if isinstance(outs, Tensor) else list(outs)


def auto_inline_injective(s):
    """Inline every stage that is not an output and computes without a reduction
    (TVM's `te.schedule.AutoInlineInjective`)."""
    for stage in s.stages:
        if not stage.is_output and isinstance(stage.op, ComputeOp) and \
                not isinstance(stage.op.body[0], Reduce):
            stage.compute_inline()
