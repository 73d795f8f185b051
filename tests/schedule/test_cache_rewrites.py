"""cache_read and cache_write rewrite the dataflow as TVM's do: the names
("A.local", "A.d.local", "C.local"), where the new stage goes, which op reads which
tensor, the relayout of a scheduled output, and the loop nests they lower to, derived
by hand."""
import numpy as np

import minitvm as tvm
from minitvm import te
from sched_workloads import elementwise, matmul, run


def reads(tensor):
    """Names of the ops the current op of a tensor's stage reads."""
    return [t.op.name for t in tensor.op.input_tensors]


def test_cache_read_inserts_a_copy_stage_after_the_tensor():
    A, B, C = matmul(4, 3, 5)
    s = te.create_schedule(C.op)
    AA = s.cache_read(A, "local", [C])
    assert AA.op.name == "A.local"
    assert [st.op.name for st in s.stages] == ["A", "A.local", "B", "C"]
    assert [iv.var.name for iv in AA.op.axis] == ["ax0", "ax1"]
    assert reads(AA) == ["A"] and s[AA].scope == "local"
    assert sorted(reads(s[C])) == ["A.local", "B"]
    assert s[C].origin_op is C.op                 # the user's tensor still names it


def test_cache_read_of_one_tensor_twice_gets_distinct_names():
    """TVM's rule: w.shared, then w.d.shared, w.d.d.shared."""
    A, B, C, D = elementwise()
    s = te.create_schedule(D.op)
    first = s.cache_read(C, "shared", [D])
    second = s.cache_read(C, "shared", [first])
    third = s.cache_read(C, "shared", [second])
    assert [t.op.name for t in (first, second, third)] == ["C.shared", "C.d.shared",
                                                           "C.d.d.shared"]


def test_cache_read_for_several_readers():
    A = te.placeholder((6,), name="A")
    B = te.compute((6,), lambda i: A[i] + 1.0, name="B")
    C = te.compute((6,), lambda i: A[i] * 2.0, name="C")
    D = te.compute((6,), lambda i: B[i] - C[i], name="D")
    s = te.create_schedule(D.op)
    AA = s.cache_read(A, "global", [B, C.op])     # tensors or ops, as TVM accepts
    assert reads(s[B]) == ["A.global"] and reads(s[C]) == ["A.global"]
    a = np.arange(6, dtype="float32")
    np.testing.assert_array_equal(run(s, [A, D], [a]), (a + 1) - a * 2)


def test_cache_read_attached_inside_the_reader_copies_one_tile():
    """A.local attached at C's row loop holds one row of A: 5 elements."""
    A, B, C = matmul(4, 3, 5)
    s = te.create_schedule(C.op)
    AA = s.cache_read(A, "local", [C])
    s[AA].compute_at(s[C], C.op.axis[0])
    text = str(tvm.lower(s, [A, B, C], simple_mode=True))
    assert 'A_local = T.allocate([5], "float32", "local")' in text


def test_cache_write_computes_in_the_cache_and_copies_back():
    A, B, C = matmul(4, 3, 5)
    s = te.create_schedule(C.op)
    CL = s.cache_write(C, "local")
    assert CL.op.name == "C.local"
    assert [st.op.name for st in s.stages] == ["A", "B", "C.local", "C"]
    assert [iv.var.name for iv in CL.op.axis] == ["i.c", "j.c"]
    assert [iv.var.name for iv in CL.op.reduce_axis] == ["k"]
    assert s[C].op.reduce_axis == () and reads(s[C]) == ["C.local"]
    assert s[C].leaf_iter_vars == list(C.op.axis) and s[CL].scope == "local"


def test_cache_write_relayouts_a_split_output():
    """i (6) split by 4: the cache is stored as [i.outer, i.inner, j] = (2, 4, 5), its
    rows past 6 guarded; C reads it back at [i // 4, i % 4, j]."""
    A, B, C = matmul(6, 5, 7)
    s = te.create_schedule(C.op)
    s[C].split(C.op.axis[0], factor=4)
    CL = s.cache_write(C, "local")
    assert [iv.var.name for iv in CL.op.axis] == ["i.outer.c", "i.inner.c", "j.c"]
    assert [int(x) for x in CL.shape] == [2, 4, 5]
    assert s[C].relations == []
    text = str(tvm.lower(s, [A, B, C], simple_mode=True))
    assert 'C_local = T.allocate([40], "float32", "local")' in text
    assert "if i_outer_c * 4 + i_inner_c < 6:" in text
    a = np.arange(42, dtype="float32").reshape(6, 7) / 7
    b = np.arange(35, dtype="float32").reshape(7, 5) / 5
    np.testing.assert_allclose(run(s, [A, B, C], [a, b]), a @ b, rtol=1e-5)


def test_cache_write_of_an_elementwise_stage():
    A, B, C, D = elementwise(4, 3)
    s = te.create_schedule(D.op)
    s[C].split(C.op.axis[1], factor=2)
    CC = s.cache_write(C, "global")
    assert [int(x) for x in CC.shape] == [4, 2, 2]
    a = np.arange(12, dtype="float32").reshape(4, 3)
    np.testing.assert_array_equal(run(s, [A, D], [a]), (a * 2 + 1) ** 2)


def test_cache_write_and_cache_read_of_a_multi_output_compute():
    """cache_write takes all the outputs of one compute and returns one cache tensor per
    output; cache_read of output 1 is named `B.v1.<scope>`, as TVM names it."""
    A = te.placeholder((4, 6), name="A")
    B0, B1 = te.compute((4, 6), lambda i, j: (A[i, j] + 1.0, A[i, j] * 2.0), name="B")
    C = te.compute((4, 6), lambda i, j: B0[i, j] - B1[i, j], name="C")
    s = te.create_schedule(C.op)
    s[B0].split(B0.op.axis[1], factor=4)
    local = s.cache_write([B0, B1], "local")
    assert [t.value_index for t in local] == [0, 1] and local[0].op is local[1].op
    assert [int(x) for x in local[0].shape] == [4, 2, 4]
    shared = s.cache_read(B1, "shared", [C])
    assert shared.op.name == "B.v1.shared"
    a = np.arange(24, dtype="float32").reshape(4, 6)
    np.testing.assert_array_equal(run(s, [A, C], [a]), (a + 1) - a * 2)
