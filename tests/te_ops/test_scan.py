"""te.scan: recurrences lowered and run on the CPU against numpy loops; the schedule of
the scan's body (compute_at inside the scan, splits); one test per misuse rule."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitvm as tvm
from minitvm import te
from minitvm.te import TEError

from run import run


def cumulative(m, n, extra_stage=False):
    X = te.placeholder((m, n), name="X")
    state = te.placeholder((m, n), name="state")
    init = te.compute((1, n), lambda _, i: X[0, i], name="init")
    if extra_stage:
        mid = te.compute((m, n), lambda t, i: state[t - 1, i] * 0.5, name="mid")
        update = te.compute((m, n), lambda t, i: mid[t, i] + X[t, i], name="update")
    else:
        mid = None
        update = te.compute((m, n), lambda t, i: state[t - 1, i] + X[t, i], name="update")
    return X, mid, update, te.scan(init, update, state, inputs=[X])


def reference(x, decay):
    out = x.copy()
    for t in range(1, len(x)):
        out[t] = out[t - 1] * decay + x[t]
    return out


@settings(max_examples=12, deadline=None)
@given(m=st.integers(1, 6), n=st.integers(1, 9), factor=st.integers(1, 5),
       attach=st.sampled_from(["none", "outer", "inner"]))
def test_scan_with_scheduled_body(m, n, factor, attach):
    X, mid, update, out = cumulative(m, n, extra_stage=attach != "none")
    s = te.create_schedule(out.op)
    xo, xi = s[update].split(update.op.axis[1], factor=factor)
    if mid is not None:
        s[mid].compute_at(s[update], xo if attach == "outer" else xi)
    x = np.random.default_rng(m * 10 + n).random((m, n), dtype="float32")
    (got,) = run(s, [X, out], [x])
    np.testing.assert_allclose(got, reference(x, 0.5 if mid is not None else 1.0),
                               rtol=1e-5)


@settings(max_examples=8, deadline=None)
@given(m=st.integers(2, 6), n=st.integers(1, 5), l=st.integers(1, 4),
       init_rows=st.integers(1, 2))
def test_two_states_and_several_init_rows(m, n, l, init_rows):
    init_rows = min(init_rows, m)
    X = te.placeholder((m, n), name="X")
    s1, s2 = te.placeholder((m, n), name="s1"), te.placeholder((m, l), name="s2")
    i1 = te.compute((init_rows, n), lambda r, i: X[r, i], name="i1")
    i2 = te.compute((init_rows, l), lambda r, i: te.const(1.0), name="i2")
    u1 = te.compute((m, n), lambda t, i: s1[t - 1, i] + X[t, i], name="u1")
    u2 = te.compute((m, l), lambda t, i: s2[t - 1, i] * 2.0 + s1[t - 1, 0], name="u2")
    o1, o2 = te.scan([i1, i2], [u1, u2], [s1, s2], inputs=[X])
    assert o1.op.scan_axis.dom.min.value == init_rows and o2.value_index == 1
    x = np.random.default_rng(m + n + l).random((m, n), dtype="float32")
    got1, got2 = run(te.create_schedule(o1.op), [X, o1, o2], [x])
    want1, want2 = x.copy(), np.ones((m, l), "float32")
    for t in range(init_rows, m):
        want1[t] = want1[t - 1] + x[t]
        want2[t] = want2[t - 1] * 2 + want1[t - 1, 0]
    np.testing.assert_allclose(got1, want1, rtol=1e-5)
    np.testing.assert_allclose(got2, want2, rtol=1e-5)


def test_scan_read_by_a_later_compute():
    X, _, update, out = cumulative(5, 3)
    total = te.compute((3,), lambda i: out[4, i] * 2.0, name="total")
    x = np.random.default_rng(3).random((5, 3), dtype="float32")
    (got,) = run(te.create_schedule(total.op), [X, total], [x])
    np.testing.assert_allclose(got, x.sum(axis=0) * 2, rtol=1e-5)


def test_scan_structure():
    X, _, update, out = cumulative(te.var("m"), te.var("n"))
    op = out.op
    assert op.scan_axis.var.name == "scan.idx" and op.input_tensors == op.init + op.update
    (spatial,) = op.spatial_axis
    assert spatial.var.name == "scan.out0.i1"
    s = te.create_schedule(op)
    assert s[out].leaf_iter_vars == [op.scan_axis]    # spatial axes are not loops
    # TVM's scan group: the body's stages are at the root of a group (kGroupRoot) that
    # goes inside the scan loop (kScanUpdate)
    assert s[update].attach_type == 1
    assert s[update].group.attach_type == 5 and s[update].group.attach_stage is s[out]


# --- misuse: one test per rule ------------------------------------------------------------

def parts(shape_init=(1, 4), shape_update=(6, 4), shape_state=(6, 4), dtype="float32"):
    state = te.placeholder(shape_state, name="state", dtype=dtype)
    init = te.compute(shape_init, lambda *i: te.const(0, "float32"), name="init")
    update = te.compute(shape_update, lambda *i: te.const(1, "float32"), name="update")
    return init, update, state


def test_mismatched_counts():
    init, update, state = parts()
    with pytest.raises(TEError, match="'scan': give one init.*got 2, 1 and 1"):
        te.scan([init, init], [update], [state])


def test_mismatched_dtypes_name_the_tensors():
    init, update, state = parts(dtype="int32")
    with pytest.raises(TEError, match="init 'init', update 'update' and state 'state' must "
                                      "have one dtype"):
        te.scan(init, update, state)


def test_mismatched_dimensions():
    init, update, state = parts(shape_update=(6, 5))
    with pytest.raises(TEError, match="dimension 1 of init 'init', update 'update'"):
        te.scan(init, update, state)


def test_mismatched_ranks():
    init, update, state = parts(shape_init=(1,))
    with pytest.raises(TEError, match="same number of dimensions"):
        te.scan(init, update, state)


def test_inits_with_different_numbers_of_rows():
    init, update, state = parts()
    init2, update2, state2 = parts(shape_init=(2, 4))
    with pytest.raises(TEError, match="'scan': every init must have as many rows as 'init'"):
        te.scan([init, init2], [update, update2], [state, state2])


def test_state_that_is_not_a_tensor():
    init, update, _ = parts()
    with pytest.raises(TEError, match="'scan': 3 is not a tensor"):
        te.scan(init, update, 3)


def test_two_symbolic_states_of_different_widths():
    """The two outputs share the scan's name; each gets its own strides when built."""
    m, n, l = te.var("m"), te.var("n"), te.var("l")
    X = te.placeholder((m, n), name="X")
    s1, s2 = te.placeholder((m, n)), te.placeholder((m, l))
    i1 = te.compute((1, n), lambda _, i: X[0, i])
    i2 = te.compute((1, l), lambda _, i: 0.0)
    u1 = te.compute((m, n), lambda t, i: s1[t - 1, i] + X[t, i])
    u2 = te.compute((m, l), lambda t, i: s2[t - 1, i] + s1[t - 1, 0])
    o1, o2 = te.scan([i1, i2], [u1, u2], [s1, s2], inputs=[X])
    x = np.random.default_rng(7).random((4, 5), dtype="float32")
    f = tvm.build(te.create_schedule(o1.op), [X, o1, o2])
    b1, b2 = tvm.nd.empty((4, 5)), tvm.nd.empty((4, 2))
    f(tvm.nd.array(x), b1, b2)
    cumsum = np.cumsum(x, axis=0)
    np.testing.assert_allclose(b1.numpy(), cumsum, rtol=1e-5)
    want2 = np.zeros((4, 2), "float32")
    for t in range(1, 4):
        want2[t] = want2[t - 1] + cumsum[t - 1, 0]
    np.testing.assert_allclose(b2.numpy(), want2, rtol=1e-5)
