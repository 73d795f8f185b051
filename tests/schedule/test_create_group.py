"""create_group and Stage.group: the members, their attachment through the group, and
what they compute (numpy)."""
import warnings

import numpy as np
import pytest

import minitvm as tvm
from minitvm import te
from minitvm.schedule import ScheduleError
from sched_workloads import elementwise, run
from test_primitive_ir import control_lines


def test_members_are_the_stages_between_inputs_and_outputs():
    A, B, C, D = elementwise()
    s = te.create_schedule(D.op)
    g = s.create_group(outputs=C, inputs=A)
    assert [st.op.name for st in g.members()] == ["B", "C"]
    assert s[B].group is g and s[C].group is g and s[D].group is None and s[A].group is None
    g2 = te.create_schedule(D.op).create_group(outputs=[C], inputs=[A], include_inputs=True)
    assert [st.op.name for st in g2.members()] == ["A", "B", "C"]


def test_the_group_moves_its_members_inside_a_loop():
    """B and C at D's row loop: per row, B then C then D, each over the 6 columns."""
    A, B, C, D = elementwise(n=10, m=6)
    s = te.create_schedule(D.op)
    g = s.create_group(outputs=C, inputs=A)
    g.compute_at(s[D], D.op.axis[0])
    assert control_lines(str(tvm.lower(s, [A, D], simple_mode=True))) == [
        "for i in range(10):", "for j in range(6):", "for j in range(6):",
        "for j in range(6):"]
    a = np.arange(60, dtype="float32").reshape(10, 6)
    np.testing.assert_array_equal(run(s, [A, D], [a]), (a * 2 + 1) ** 2)


def test_a_member_computed_at_another_member():
    A, B, C, D = elementwise(n=10, m=6)
    s = te.create_schedule(D.op)
    g = s.create_group(outputs=C, inputs=A)
    g.compute_at(s[D], D.op.axis[0])
    s[B].compute_at(s[C], C.op.axis[1])
    assert control_lines(str(tvm.lower(s, [A, D], simple_mode=True))) == [
        "for i in range(10):", "for j in range(6):", "for j in range(6):"]
    a = np.arange(60, dtype="float32").reshape(10, 6)
    np.testing.assert_array_equal(run(s, [A, D], [a]), (a * 2 + 1) ** 2)


def test_a_member_attached_outside_the_group_goes_with_the_group():
    A, B, C, D = elementwise()
    s = te.create_schedule(D.op)
    s[B].compute_at(s[D], D.op.axis[1])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s.create_group(outputs=C, inputs=A)
    assert "stage 'B' was computed at stage 'D', outside the group" in str(caught[0].message)
    assert s[B].attach_stage is None


def test_a_group_of_a_group_and_its_input_nests_as_tvms():
    # TVM's create_group: the new group goes in the innermost group enclosing all
    # members and takes in whole the groups below it (test of include_inputs)
    A, B, C, D = elementwise()
    s = te.create_schedule(D.op)
    inner = s.create_group(outputs=C, inputs=B)             # C alone
    outer = s.create_group(outputs=C, inputs=B, include_inputs=True)
    assert s[C].group is inner and inner.group is outer and s[B].group is outer
    assert (outer.num_child_stages, inner.num_child_stages) == (2, 1)
    outer.compute_at(s[D], D.op.axis[0])
    a = np.random.RandomState(0).uniform(size=(10, 6)).astype("float32")
    np.testing.assert_allclose(run(s, [A, D], [a]), (a * 2 + 1) ** 2, rtol=1e-6)


def _group():
    A, B, C, D = elementwise()
    s = te.create_schedule(D.op)
    return s.create_group(outputs=C, inputs=A), D


def test_a_group_has_no_loop_to_annotate():
    g, D = _group()
    with pytest.raises(ScheduleError, match=r"pragma on group: a group has no loops; "
                                            r"schedule its members"):
        g.pragma(D.op.axis[0], "auto_unroll_max_step", 16)


@pytest.mark.parametrize("primitive, what, call", [
    ("set_scope", "storage", lambda g: g.set_scope("local")),
    ("double_buffer", "buffer", lambda g: g.double_buffer()),
    ("set_store_predicate", "store", lambda g: g.set_store_predicate(tvm.tir.const(True)))])
def test_what_tvm_ignores_on_a_group_is_ignored_with_a_warning(primitive, what, call):
    """TVM's Stage methods set these on a group stage, which has no op: nothing uses them,
    so a TVM script calling them lowers as without the call."""
    def grouped():
        A, B, C, D = elementwise()
        s = te.create_schedule(D.op)
        return s, s.create_group(outputs=C, inputs=A), [A, D]

    s, _, args = grouped()
    expected = str(tvm.lower(s, args, simple_mode=True))
    s, g, args = grouped()
    with pytest.warns(UserWarning, match=rf"{primitive} on group \(of 'B', 'C'\): a group has "
                                         rf"no {what} of its own, so this does nothing \(as "
                                         rf"in TVM\); apply {primitive} to its members"):
        call(g)
    assert str(tvm.lower(s, args, simple_mode=True)) == expected
