"""rfactor as TVM's: the factored stage `B.rf`, the combining reduction over `k.inner.v`,
the loop nest of TVM's reduction tutorial, factor_axis, and a reduction with two
reduction axes, checked against numpy."""
import numpy as np

import minitvm as tvm
from minitvm import te
from reference_text import ir_listings, tutorial_output
from sched_workloads import run
from test_primitive_ir import control_lines


def row_sum(n, m):
    A = te.placeholder((n, m), name="A")
    k = te.reduce_axis((0, m), "k")
    B = te.compute((n,), lambda i: te.sum(A[i, k], axis=k), name="B")
    return A, B


def test_rfactor_loop_nest_matches_tvms_reduction_tutorial():
    A, B = row_sum(te.var("n"), te.var("m"))
    s = te.create_schedule(B.op)
    ko, ki = s[B].split(B.op.reduce_axis[0], factor=16)
    BF = s.rfactor(B, ki)
    listing = ir_listings(tutorial_output("reduction"))[3]
    assert control_lines(str(tvm.lower(s, [A, B], simple_mode=True))) == \
        control_lines("\n".join(listing))
    assert BF.op.name == "B.rf"
    assert [iv.var.name for iv in BF.op.axis] == ["k.inner", "i"]
    assert [iv.var.name for iv in BF.op.reduce_axis] == ["k.outer"]


def test_the_stage_becomes_a_reduction_of_the_factored_tensor():
    A, B = row_sum(5, 37)
    s = te.create_schedule(B.op)
    ko, ki = s[B].split(B.op.reduce_axis[0], factor=16)
    BF = s.rfactor(B, ki)
    body = s[B].op.body[0]
    assert [iv.var.name for iv in s[B].op.axis] == ["ax0"]
    assert [iv.var.name for iv in body.axis] == ["k.inner.v"]
    assert int(body.axis[0].dom.extent) == 16
    assert body.source[0].producer is BF
    assert [st.op.name for st in s.stages] == ["A", "B.rf", "B.repl"]
    assert s[B].leaf_iter_vars == list(s[B].op.root_iter_vars)


def test_factor_axis_places_the_factored_axis():
    A, B = row_sum(5, 37)
    s = te.create_schedule(B.op)
    ko, ki = s[B].split(B.op.reduce_axis[0], factor=16)
    BF = s.rfactor(B, ko, factor_axis=-1)
    assert [int(x) for x in BF.shape] == [5, 3]      # ceil(37 / 16) outer parts
    a = np.random.default_rng(0).uniform(-1, 1, (5, 37)).astype("float32")
    np.testing.assert_allclose(run(s, [A, B], [a]), a.sum(axis=1), rtol=1e-5, atol=1e-5)


def test_rfactor_of_one_of_two_reduction_axes():
    """sum over (r, c) of A[i, r, c]: factoring c keeps r a reduction axis of B.rf."""
    A = te.placeholder((3, 4, 5), name="A", dtype="int32")
    r = te.reduce_axis((0, 4), "r")
    c = te.reduce_axis((0, 5), "c")
    B = te.compute((3,), lambda i: te.sum(A[i, r, c], axis=[r, c]), name="B")
    s = te.create_schedule(B.op)
    BF = s.rfactor(B, c)
    assert [iv.var.name for iv in BF.op.axis] == ["c", "i"]
    assert [iv.var.name for iv in BF.op.reduce_axis] == ["r"]
    a = np.arange(60, dtype="int32").reshape(3, 4, 5)
    np.testing.assert_array_equal(run(s, [A, B], [a]), a.sum(axis=(1, 2)))
