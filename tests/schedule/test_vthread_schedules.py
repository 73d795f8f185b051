"""Virtual threads on attached, nested and shifted-read stages: what TVM refuses is
refused naming the stage, the axis and the storage scope; what TVM accepts computes what
numpy computes, each thread writing its own copy of thread-private storage.

Each refused schedule below once lowered silently (wrong rows, an index `0 - i`, a bare
KeyError in the host build, a read past a buffer's end, an unbound `cthread`)."""
import numpy as np
import pytest

import minitvm as tvm
from minitvm import te
from minitvm.schedule import ScheduleError
from minitvm.tir import stmt as S
from minitvm.tir.functor import post_order_visit


def chain(n=4, m=6):
    """A -> B = A + 1 -> C = B * 2."""
    A = te.placeholder((n, m), name="A", dtype="float32")
    B = te.compute((n, m), lambda i, j: A[i, j] + 1.0, name="B")
    C = te.compute((n, m), lambda i, j: B[i, j] * 2.0, name="C")
    return A, B, C


def shifted(n=4, m=4):
    """C[i, j] = B[i, j - 1] (0 at j = 0) + B[i, j], B = A * 3."""
    A = te.placeholder((n, m), name="A", dtype="int32")
    B = te.compute((n, m), lambda i, j: A[i, j] * 3, name="B")
    C = te.compute((n, m), lambda i, j: tvm.tir.if_then_else(j >= 1, B[i, j - 1], 0)
                   + B[i, j], name="C")
    return A, B, C


def shifted_numpy(a):
    b = a * 3
    return np.concatenate([np.zeros((b.shape[0], 1), b.dtype), b[:, :-1]], axis=1) + b


def run(s, args, *inputs):
    f = tvm.build(s, args)
    out = args[-1]
    result = tvm.nd.empty(tuple(int(x) for x in out.shape), out.dtype)
    f(*[tvm.nd.array(x) for x in inputs], result)
    return result.numpy()


CHAIN_INPUT = np.arange(24, dtype="float32").reshape(4, 6)
SHIFTED_INPUT = np.arange(16, dtype="int32").reshape(4, 4)


def refused(s, args, *parts):
    with pytest.raises(ScheduleError) as info:
        tvm.lower(s, args, simple_mode=True)
    for part in parts:
        assert part in str(info.value)
    return str(info.value)


# --- refused, as TVM refuses them -------------------------------------------------------

@pytest.mark.parametrize("tag", ["vthread", "cthread"])
def test_thread_on_an_axis_fixed_by_the_attachment_is_refused(tag):
    A, B, C = chain()
    s = te.create_schedule(C.op)
    s[B].compute_at(s[C], C.op.axis[1])
    s[B].bind(B.op.axis[0], te.thread_axis(tag))
    refused(s, [A, C], "bind on stage 'B', axis 'i'", f"virtual thread '{tag}'",
            "computed at stage 'C', axis 'j'", "scope 'global'", "[i, i + 1)")


def test_thread_inside_a_consumer_thread_on_local_storage_is_refused():
    """B inside C's cthread is thread-private ('local'): its rows are fixed per thread."""
    A, B, C = chain()
    s = te.create_schedule(C.op)
    s[C].bind(C.op.axis[0], te.thread_axis("cthread"))
    s[B].compute_at(s[C], C.op.axis[0])
    s[B].bind(B.op.axis[0], te.thread_axis("vthread"))
    refused(s, [A, C], "bind on stage 'B', axis 'i'", "scope 'local'",
            "[cthread, cthread + 1)")


def test_nested_threads_at_an_inner_consumer_loop_are_refused():
    A, B, C = chain()
    s = te.create_schedule(C.op)
    s[C].bind(C.op.axis[0], te.thread_axis("cthread"))
    s[B].compute_at(s[C], C.op.axis[1])
    s[B].bind(B.op.axis[0], te.thread_axis("cthread"))
    refused(s, [A, C], "bind on stage 'B', axis 'i'", "axis 'j'", "scope 'local'")


def test_thread_on_a_root_axis_read_at_a_shifted_index_is_refused():
    """C reads B[i, j - 1], so B is computed over j in [-1, 4): not from 0."""
    A, B, C = shifted()
    s = te.create_schedule(C.op)
    s[B].bind(B.op.axis[1], te.thread_axis("cthread"))
    refused(s, [A, C], "bind on stage 'B', axis 'j'", "computed at the root",
            "scope 'global'", "[-1, 4)")


def test_local_producer_outside_its_readers_thread_is_refused():
    A = te.placeholder((5, 4), name="A", dtype="int32")
    P = te.compute((5, 4), lambda i, j: A[i, j] * 2, name="P")
    Q = te.compute((5, 4), lambda i, j: P[i, j] >> 1, name="Q")
    s = te.create_schedule(Q.op)
    outer, _ = s[Q].split(Q.op.axis[1], nparts=4)
    s[Q].bind(outer, te.thread_axis("cthread"))
    s[P].set_scope("local")
    refused(s, [A, Q], "stage 'P'", "scope 'local'", "stage 'Q'", "'cthread'",
            "axis 'j.outer'")


# --- accepted: each computes what numpy computes ----------------------------------------

@pytest.mark.parametrize("outer_tag", ["vthread", "cthread"])
@pytest.mark.parametrize("inner_tag", ["vthread", "cthread"])
@pytest.mark.parametrize("scope", ["global", "local"])
def test_split_axis_thread_inside_a_consumer_thread(outer_tag, inner_tag, scope):
    A, B, C = chain()
    s = te.create_schedule(C.op)
    c_outer, _ = s[C].split(C.op.axis[0], nparts=2)
    s[C].bind(c_outer, te.thread_axis(outer_tag))
    s[B].compute_at(s[C], c_outer)
    s[B].set_scope(scope)
    b_outer, _ = s[B].split(B.op.axis[1], factor=4)          # 6 = 4 + 2: guarded
    s[B].bind(b_outer, te.thread_axis(inner_tag))
    np.testing.assert_array_equal(run(s, [A, C], CHAIN_INPUT), (CHAIN_INPUT + 1) * 2)


@pytest.mark.parametrize("tag", ["vthread", "cthread"])
def test_global_producer_inside_a_consumer_thread_computes_every_row(tag):
    """The fix the refusal above suggests: shared storage relaxes the consumer's thread."""
    A, B, C = chain()
    s = te.create_schedule(C.op)
    s[C].bind(C.op.axis[0], te.thread_axis("cthread"))
    s[B].compute_at(s[C], C.op.axis[0])
    s[B].bind(B.op.axis[0], te.thread_axis(tag))
    s[B].set_scope("global")
    np.testing.assert_array_equal(run(s, [A, C], CHAIN_INPUT), (CHAIN_INPUT + 1) * 2)


@pytest.mark.parametrize("factor", [1, 2, 3, 5])
@pytest.mark.parametrize("part", [0, 1])
def test_split_thread_on_a_root_axis_read_at_a_shifted_index(factor, part):
    A, B, C = shifted()
    s = te.create_schedule(C.op)
    parts = s[B].split(B.op.axis[1], factor=factor)
    s[B].bind(parts[part], te.thread_axis("vthread" if part else "cthread"))
    np.testing.assert_array_equal(run(s, [A, C], SHIFTED_INPUT),
                                  shifted_numpy(SHIFTED_INPUT))


@pytest.mark.parametrize("factor", [1, 2, 3])
def test_shifted_local_producer_with_its_own_thread_inside_the_readers_thread(factor):
    A, B, C = shifted()
    s = te.create_schedule(C.op)
    c_outer, _ = s[C].split(C.op.axis[1], factor=factor)
    s[C].bind(c_outer, te.thread_axis("cthread"))
    s[B].set_scope("local")
    s[B].compute_at(s[C], c_outer)
    b_outer, _ = s[B].split(B.op.axis[0], nparts=2)
    s[B].bind(b_outer, te.thread_axis("vthread"))
    np.testing.assert_array_equal(run(s, [A, C], SHIFTED_INPUT),
                                  shifted_numpy(SHIFTED_INPUT))


def test_each_thread_gets_its_own_copy_of_local_storage():
    """TVM's InjectVirtualThread: B (12 elements a thread) is allocated for both threads
    of C's cthread and each thread's accesses are offset by 12."""
    A, B, C = chain()
    s = te.create_schedule(C.op)
    c_outer, _ = s[C].split(C.op.axis[0], nparts=2)
    s[C].bind(c_outer, te.thread_axis("cthread"))
    s[B].compute_at(s[C], c_outer)
    s[B].set_scope("local")
    func = tvm.lower(s, [A, C], simple_mode=True)["main"]
    allocs = []
    post_order_visit(func.body, lambda n: allocs.append(n)
                     if isinstance(n, S.Allocate) else None)
    assert [(a.buffer_var.name, [int(e) for e in a.extents]) for a in allocs] == [("B", [24])]
    np.testing.assert_array_equal(run(s, [A, C], CHAIN_INPUT), (CHAIN_INPUT + 1) * 2)
