"""One test per rule of the legacy schedule primitives added for issue 14 (tile, split
by an expression, cache_read, cache_write, rfactor, storage_align, double_buffer,
set_store_predicate, create_group, env_threads): each raises a ScheduleError (a
ValueError, as TVM's Python checks raise) whose message names the primitive, the stage
and the axis or tensor."""
import pytest

from minitvm import te
from minitvm.schedule import ScheduleError
from sched_workloads import elementwise, matmul


def schedule(*outputs):
    return te.create_schedule([t.op for t in outputs])


def test_tile_of_an_axis_of_another_stage():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"tile on stage 'D', axis 'i': the axis belongs "
                                            r"to stage 'C', not to this one"):
        s[D].tile(C.op.axis[0], D.op.axis[1], 2, 2)


def test_tile_of_one_axis_twice():
    A, B, C, D = elementwise()
    s = schedule(D)
    i = D.op.axis[0]
    with pytest.raises(ScheduleError, match=r"tile on stage 'D', axis 'i': x_parent and "
                                            r"y_parent must be two different axes"):
        s[D].tile(i, i, 2, 2)


def test_split_by_a_non_integer_expression():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"argument 'factor' to split on stage 'D': must "
                                            r"be a positive integer or an integer expression, not of dtype "
                                            r"float32"):
        s[D].split(D.op.axis[0], factor=te.var("f", "float32"))
