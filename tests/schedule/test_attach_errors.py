"""Illegal compute_at / compute_inline, one test per rule, raised where TVM raises it.

TVM's `Stage::compute_at` checks only that the axis is a loop of the parent and the group
rule; everything else about an attachment is checked when lowering, on the finished
schedule: a cycle of attachments in CreateAttachPath ("Find loop in compute_at attach
group"), an output not at the root and a consumer outside the loop in InferRootBound,
what can be inlined in InjectInline. minitvm raises each at the same point, a
ScheduleError (a TVMError, hence a RuntimeError as TVM's) with its own message."""
import pytest

import minitvm as tvm
from minitvm import te
from minitvm.schedule import ScheduleError
from sched_workloads import elementwise, matmul


def schedule(*outputs):
    return te.create_schedule([t.op for t in outputs])


def lowering_fails(s, args, message):
    with pytest.raises(ScheduleError, match=message) as info:
        tvm.lower(s, args)
    assert isinstance(info.value, RuntimeError)


# --- checked by the primitive itself, as TVM checks them ------------------------------------

def test_compute_at_an_axis_that_is_not_a_loop_of_the_parent():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"compute_at on stage 'B', axis 'i': the axis is "
                                            r"not a loop of stage 'D'"):
        s[B].compute_at(s[D], C.op.axis[0])


def test_compute_at_a_parent_that_is_not_a_stage():
    A, B, C, D = elementwise()
    s = schedule(D)
    with pytest.raises(ScheduleError, match=r"argument 'parent' to compute_at on stage 'B': "
                                            r"must be a stage"):
        s[B].compute_at(D, D.op.axis[0])


def test_compute_at_a_group():
    # a group has no loops: refused as a parent, for a stage as for a group
    A, B, C, D = elementwise()
    s = schedule(D)
    g = s.create_group(outputs=C, inputs=A)
    for child in (s[D], g):
        with pytest.raises(ScheduleError, match=r"argument 'parent' to compute_at on "
                                                r"(stage 'D'|group): must be a stage"):
            child.compute_at(g, D.op.axis[0])


# --- deferred to lowering, as TVM defers them -------------------------------------------

def test_compute_at_itself():
    A, B, C, D = elementwise()
    s = schedule(D)
    s[C].compute_at(s[C], C.op.axis[0])
    lowering_fails(s, [A, D], r"compute_at on stage 'C': it is computed at a loop of itself")


def test_compute_at_attachments_forming_a_cycle():
    A, B, C, D = elementwise()
    s = schedule(D)
    s[B].compute_at(s[C], C.op.axis[0])
    s[C].compute_at(s[B], B.op.axis[0])
    lowering_fails(s, [A, D], r"compute_at on stage '[BC]': the compute_at attachments form "
                              r"a cycle \(stage '[BC]' -> stage '[BC]' -> stage '[BC]'\)")


def test_compute_at_of_an_output():
    A, B, C, D = elementwise()
    E = te.compute(A.shape, lambda i, j: D[i, j] + C[i, j], name="E")
    s = schedule(D, E)
    s[D].compute_at(s[E], E.op.axis[0])
    lowering_fails(s, [A, D, E], r"compute_at on stage 'D', axis 'i': 'D' is an output of "
                                 r"the schedule, which must stay at the root")


def test_compute_at_a_stage_that_does_not_consume_it():
    A, B, C, D = elementwise()
    E = te.compute(A.shape, lambda i, j: A[i, j] - 1.0, name="E")
    s = schedule(D, E)
    s[B].compute_at(s[E], E.op.axis[0])
    lowering_fails(s, [A, D, E], r"compute_at on stage 'B', axis 'i': stage 'E' does not "
                                 r"consume 'B'; its consumer 'C' is not computed inside")


def test_compute_at_with_a_consumer_outside_the_loop():
    A, B, C, D = elementwise()
    s = schedule(D)
    s[B].compute_at(s[D], D.op.axis[1])      # B is read by C, which stays at the root
    lowering_fails(s, [A, D], r"compute_at on stage 'B', axis 'j': its consumer 'C' is not "
                              r"computed inside that loop")


def test_compute_at_an_axis_fused_away_as_the_outer_part():
    # TVM's LegalizeInvalidAttach follows a split's inner part and a fuse's inner
    # operand; the outer operand of a fuse has nowhere to go
    A, B, C, D = elementwise()
    s = schedule(D)
    s[C].compute_at(s[D], D.op.axis[0])
    s[D].fuse(*D.op.axis)
    lowering_fails(s, [A, D], r"compute_at on stage 'C', axis 'i': the axis is no longer a "
                              r"loop of stage 'D'")


def test_compute_at_of_a_group_at_its_member():
    A, B, C, D = elementwise()
    s = schedule(D)
    g = s.create_group(outputs=C, inputs=A)
    g.compute_at(s[C], C.op.axis[0])
    lowering_fails(s, [A, D], r"the compute_at attachments form a cycle \(group -> "
                              r"stage 'C' -> group\)")


def test_compute_at_of_a_group_at_a_stage_not_consuming_it():
    A, B, C, D = elementwise()
    E = te.compute(A.shape, lambda i, j: A[i, j] - 1.0, name="E")
    s = schedule(D, E)
    g = s.create_group(outputs=C, inputs=A)
    g.compute_at(s[E], E.op.axis[0])
    lowering_fails(s, [A, D, E], r"compute_at on group \(of its member '[BC]'\), axis 'i': "
                                 r"stage 'E' does not consume '[BC]'")


def test_inlining_a_placeholder():
    A, B, C, D = elementwise()
    s = schedule(D)
    s[A].compute_inline()
    lowering_fails(s, [A, D], r"compute_inline on stage 'A': only a compute can be inlined")


def test_inlining_a_reduction():
    A, B, C = matmul()
    D = te.compute(C.shape, lambda i, j: C[i, j] * 2.0, name="D")
    s = schedule(D)
    s[C].compute_inline()
    lowering_fails(s, [A, B, D], r"compute_inline on stage 'C': a reduction cannot be inlined")


def test_inlining_an_output():
    # TVM leaves an inlined output uncomputed; minitvm refuses it where TVM inlines
    A, B, C, D = elementwise()
    s = schedule(D)
    s[D].compute_inline()
    lowering_fails(s, [A, D], r"compute_inline on stage 'D': an output of the schedule "
                              r"cannot be inlined")


def test_undoing_an_illegal_attachment_before_lowering_is_fine():
    # the point of deferring: only the finished schedule has to be legal
    A, B, C, D = elementwise()
    s = schedule(D)
    s[C].compute_at(s[C], C.op.axis[0])
    s[D].compute_inline()
    s[C].compute_root()
    s[D].compute_root()
    assert "for i, j in T.grid(10, 6)" in str(tvm.lower(s, [A, D]))
