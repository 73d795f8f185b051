"""The schedule's dataflow rewrites and attachment primitives on the stages of a scan's
body, run against a numpy loop: as in TVM, where the body is the scan's group, a cache
or a factored reduction of a body stage is computed in each step of the scan, the scan
reads the rewritten update, and compute_root keeps a body stage inside the scan's loop.
Two misuses the scan makes illegal are refused, one test each."""
import numpy as np
import pytest

import minitvm as tvm
from minitvm import te
from minitvm.schedule import ScheduleError

from run import run

M, N = 5, 4


def recurrence():
    """out[0] = X[0]; out[t] = sum_k out[t-1, k] * W[k, i] + X[t, i]."""
    X = te.placeholder((M, N), name="X")
    W = te.placeholder((N, N), name="W")
    state = te.placeholder((M, N), name="state")
    init = te.compute((1, N), lambda _, i: X[0, i], name="init")
    k = te.reduce_axis((0, N), name="k")
    mid = te.compute((M, N), lambda t, i: te.sum(state[t - 1, k] * W[k, i], axis=k),
                     name="mid")
    update = te.compute((M, N), lambda t, i: mid[t, i] + X[t, i], name="update")
    out = te.scan(init, update, state, inputs=[X])
    return dict(X=X, W=W, state=state, mid=mid, update=update, out=out)


def reference(x, w):
    out = x.copy()
    for t in range(1, M):
        out[t] = out[t - 1] @ w + x[t]
    return out


def cache_write_mid(s, t):
    s.cache_write(t["mid"], "local")


def cache_write_update(s, t):
    s.cache_write(t["update"], "local")


def cache_read_state(s, t):
    s.cache_read(t["state"], "local", [t["mid"], t["mid"]])


def cache_read_input(s, t):
    s.cache_read(t["X"], "local", [t["update"]])


def inline_mid(s, t):
    s[t["mid"]].compute_at(s[t["update"]], t["update"].op.axis[1])
    s[t["mid"]].compute_root()


def rfactor_mid(s, t):
    ko, _ = s[t["mid"]].split(t["mid"].op.reduce_axis[0], factor=2)
    s.rfactor(t["mid"], ko)


def attach_mid(s, t):
    s[t["mid"]].compute_at(s[t["update"]], t["update"].op.axis[1])


@pytest.mark.parametrize("rewrite", [cache_write_mid, cache_write_update, cache_read_state,
                                     cache_read_input, inline_mid, rfactor_mid, attach_mid])
def test_rewriting_the_body_computes_the_recurrence(rewrite):
    t = recurrence()
    s = te.create_schedule(t["out"].op)
    rewrite(s, t)
    assert_computes_the_recurrence(s, t)


def assert_computes_the_recurrence(s, t):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (M, N)).astype("float32")
    w = rng.uniform(-0.5, 0.5, (N, N)).astype("float32")
    (got,) = run(s, [t["X"], t["W"], t["out"]], [x, w])
    np.testing.assert_allclose(got, reference(x, w), rtol=1e-5, atol=1e-5)


def test_inlining_a_body_stage_computes_the_recurrence():
    X = te.placeholder((M, N), name="X")
    state = te.placeholder((M, N), name="state")
    init = te.compute((1, N), lambda _, i: X[0, i], name="init")
    mid = te.compute((M, N), lambda t, i: state[t - 1, i] * 0.5, name="mid")
    update = te.compute((M, N), lambda t, i: mid[t, i] + X[t, i], name="update")
    out = te.scan(init, update, state, inputs=[X])
    s = te.create_schedule(out.op)
    s[mid].compute_inline()
    x = np.random.default_rng(1).uniform(-1, 1, (M, N)).astype("float32")
    (got,) = run(s, [X, out], [x])
    expected = x.copy()
    for step in range(1, M):
        expected[step] = expected[step - 1] * 0.5 + x[step]
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_double_buffer_of_a_stage_computed_in_each_step_of_a_scan():
    t = recurrence()
    s = te.create_schedule(t["out"].op)
    s[t["mid"]].double_buffer()
    te.schedule.InferBound(s.normalize())          # TVM's bound inference does not check it
    with pytest.raises(ScheduleError, match=r"double_buffer on stage 'mid': the stage is "
                                            r"computed in each step of scan 'scan'"):
        tvm.lower(s, [t["X"], t["W"], t["out"]])


def test_inlining_the_update_of_a_scan():
    t = recurrence()
    s = te.create_schedule(t["out"].op)
    s[t["update"]].compute_inline()
    with pytest.raises(ScheduleError, match=r"compute_inline on stage 'update': scan 'scan' "
                                            r"reads it as a whole tensor"):
        tvm.lower(s, [t["X"], t["W"], t["out"]])


def test_the_body_is_a_group_that_nests_and_moves_as_tvms():
    # TVM's scan group: the body's stages share a group computed in the scan's loop; a
    # group made inside it nests in it and can be computed at a body stage's loop
    t = recurrence()
    s = te.create_schedule(t["out"].op)
    body = s[t["mid"]].group
    assert body is s[t["update"]].group and body.attach_stage is s[t["out"]]
    inner = s.create_group(outputs=t["mid"], inputs=[t["state"], t["W"]])
    assert inner.group is body and s[t["mid"]].group is inner
    inner.compute_at(s[t["update"]], t["update"].op.axis[1])
    assert_computes_the_recurrence(s, t)


def test_compute_at_of_the_scan_body_group():
    t = recurrence()
    s = te.create_schedule(t["out"].op)
    with pytest.raises(ScheduleError, match=r"compute_at on group, axis 'i': the group is "
                                            r"the body of scan 'scan'"):
        s[t["mid"]].group.compute_at(s[t["update"]], t["update"].op.axis[1])
