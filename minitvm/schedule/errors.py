"""The errors an illegal schedule raises.

Every message starts with the primitive, the stage and (when there is one) the axis,
then states the rule that was broken: "split on stage 'C', axis 'i': ...".
"""

from ..error import TVMError


class ScheduleError(TVMError, ValueError):
    """A schedule primitive was given arguments that break one of its rules."""


class TensorizeError(ScheduleError):
    """The loops under a tensorized axis do not compute what the intrinsic declares."""


def axis_name(iv):
    return iv.var.name if hasattr(iv, "var") else repr(iv)


def stage_name(stage):
    """"stage 'C'", or "group" for a create_group group (it has no op)."""
    return "group" if stage.op is None else f"stage '{stage.op.name}'"


def schedule_error(primitive, stage, rule, axis=None, cls=ScheduleError):
    """The error for `primitive` on `stage` (a Stage), about `axis` (an IterVar)."""
    where = f"{primitive} on {stage_name(stage)}"
    if axis is not None:
        where += f", axis '{axis_name(axis)}'"
    return cls(f"{where}: {rule}")


def argument_error(primitive, stage, argument, rule, value):
    """Exo-style: "argument 'factor' to split on stage 'C': must be ..., got 0"."""
    return ScheduleError(f"argument '{argument}' to {primitive} on {stage_name(stage)}: "
                         f"{rule}, got {value!r}")
