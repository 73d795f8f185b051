"""`Schedule.schedule_record` and `primitive_record` (TVM's ScheduleContext): when the
PassContext in force at `create_schedule` has the config "te.keep_schedule_record", the
schedule keeps a copy of itself as it was created ("vanilla") and after every stage
primitive, with the primitive's name. As in TVM, only stage primitives are recorded
(not cache_read, cache_write, rfactor, create_group), a composite one by its parts
(tile: split, split, reorder); unlike TVM, a primitive that raises records nothing.
"""
from __future__ import annotations

import functools

KEEP_RECORD = "te.keep_schedule_record"


def start_record(sch):
    """Set up the schedule's record from the current PassContext."""
    from ..transform.pass_infra import PassContext
    sch.keep_schedule_record = bool(PassContext.current().config.get(KEEP_RECORD, False))
    if sch.keep_schedule_record:
        _push(sch, "vanilla")


def recorded(name):
    """Decorator of a Stage primitive: record the schedule after it, as `name` (a string,
    or a function of the call's arguments giving it)."""
    def wrap(method):
        @functools.wraps(method)
        def run(stage, *args, **kwargs):
            result = method(stage, *args, **kwargs)
            sch = stage.schedule
            if sch.keep_schedule_record:
                _push(sch, name if isinstance(name, str) else name(*args, **kwargs))
            return result
        return run
    return wrap


def _push(sch, name):
    from .normalize import copy_schedule
    sch.schedule_record.append(copy_schedule(sch))
    sch.primitive_record.append(name)
