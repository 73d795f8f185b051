"""`Stage.env_threads` on a scan (TVM's persistent-kernel schedules): the threads become
the scan's outermost loops, launched around its loop, and the scan's stages bind to
them; one test per rule of the primitive."""
import pytest

import minitvm as tvm
from minitvm import te
from minitvm.schedule import ScheduleError
from minitvm.tir import stmt as S
from minitvm.tir.functor import post_order_visit

STEPS, ROWS = 6, 32


def recurrence():
    state = te.placeholder((STEPS, ROWS), name="state")
    init = te.compute((1, ROWS), lambda _, i: 1.0, name="init")
    update = te.compute((STEPS, ROWS), lambda t, i: state[t - 1, i] * 2.0, name="update")
    return init, update, te.scan(init, update, state)


def persistent_schedule():
    init, update, out = recurrence()
    s = te.create_schedule(out.op)
    bx = te.thread_axis((0, 2), "blockIdx.x")
    tx = te.thread_axis((0, 4), "threadIdx.x")
    s[out].env_threads([bx, tx])
    for stage in (s[init], s[update]):
        xo, xi = stage.split(stage.op.axis[1], nparts=2)
        to, _ = stage.split(xi, nparts=4)
        stage.bind(xo, bx)
        stage.bind(to, tx)
    return s, out, (bx, tx)


def test_env_threads_launch_around_the_scan_loop():
    s, out, (bx, tx) = persistent_schedule()
    assert s[out].leaf_iter_vars[:2] == [bx, tx]
    body = tvm.lower(s, [out])["main"].body
    launches, loops = [], []

    def visit(node):
        if isinstance(node, S.AttrStmt) and node.attr_key == "thread_extent":
            launches.append((node.node.var.name, int(node.value), node))
        if isinstance(node, S.For) and node.loop_var.name == "scan.idx":
            loops.append(node)
    post_order_visit(body, visit)
    assert {(name, extent) for name, extent, _ in launches} == {("blockIdx.x", 2),
                                                                 ("threadIdx.x", 4)}
    (scan_loop,) = loops
    inside = []
    post_order_visit(scan_loop, lambda n: inside.append(n))
    # the scan's launches enclose its loop: no launch inside it
    assert not any(a is n for _, _, a in launches for n in inside)


def test_building_env_threads_for_the_cpu_is_refused():
    s, out, _ = persistent_schedule()
    with pytest.raises(tvm.TVMError):
        tvm.build(s, [out])


def test_env_threads_of_axes_without_range():
    init, update, out = recurrence()
    s = te.create_schedule(out.op)
    with pytest.raises(ScheduleError, match=r"argument 'threads' to env_threads on stage "
                                            r"'scan': must be thread axes with a range"):
        s[out].env_threads([te.thread_axis("threadIdx.x")])


def test_env_threads_set_twice():
    init, update, out = recurrence()
    s = te.create_schedule(out.op)
    s[out].env_threads([te.thread_axis((0, 2), "blockIdx.x")])
    with pytest.raises(ScheduleError, match=r"env_threads on stage 'scan': the threads are "
                                            r"already set"):
        s[out].env_threads([te.thread_axis((0, 4), "threadIdx.x")])
