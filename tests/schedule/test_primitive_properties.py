"""Property: the schedule primitives of TVM's legacy `te.Stage` and `te.Schedule` (tile,
fuse of none or one axis, split by a symbolic factor or without predication, several
producers at one loop, cache_read, cache_write with relayout) mixed with
split/fuse/reorder/compute_at, on a matmul, a conv2d and a row reduction, compute what
numpy computes."""
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from minitvm import te
from minitvm.tir.expr import IterVarType
from primitive_programs import (CONV_SETTINGS, SETTINGS, Program, attach_somewhere, data_steps, loop_steps,
                                random_ints)
from sched_workloads import Conv, elementwise, matmul


@SETTINGS
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6), st.data())
def test_matmul_with_copies_of_both_inputs(n, m, k, data):
    A, B, C = matmul(n, m, k, dtype="int32")
    AA = te.compute(A.shape, lambda i, j: A[i, j], name="AA")
    BB = te.compute(B.shape, lambda i, j: B[i, j], name="BB")
    r = te.reduce_axis((0, k), name="r")
    D = te.compute((n, m), lambda i, j: te.sum(AA[i, r] * BB[r, j], axis=r), name="D")
    a, b = random_ints(n, (n, k)), random_ints(m, (k, m))
    prog = Program([A, B, D], [a, b])
    s = te.create_schedule(D.op)
    loop_steps(data, prog, s[D])
    for t in (AA, BB):
        loop_steps(data, prog, s[t], count=2)
    attach_somewhere(data, [s[AA], s[BB]], s[D])
    np.testing.assert_array_equal(prog.run(s), a @ b)


@SETTINGS
@given(st.integers(1, 7), st.integers(1, 9), st.data())
def test_row_reduction(n, m, data):
    A = te.placeholder((n, m), "int32", name="A")
    k = te.reduce_axis((0, m), name="k")
    B = te.compute((n,), lambda i: te.sum(A[i, k], axis=k), name="B")
    a = random_ints(n * 10 + m, (n, m))
    prog = Program([A, B], [a])
    s = te.create_schedule(B.op)
    loop_steps(data, prog, s[B], count=5)
    np.testing.assert_array_equal(prog.run(s), a.sum(axis=1))


@CONV_SETTINGS
@given(st.integers(2, 4), st.integers(2, 4), st.data())
def test_conv2d(height, width, data):
    conv = Conv(height, width, 1, 2, block=2)
    rng = np.random.default_rng(height * 10 + width)
    x = rng.integers(-128, 128, tuple(int(v) for v in conv.data.shape)).astype("int8")
    w = rng.integers(-128, 128, tuple(int(v) for v in conv.kernel.shape)).astype("int8")
    prog = Program(conv.args, [x, w])
    expected = prog.reference()
    s = conv.s
    for t in (conv.res_shr, conv.res_max, conv.res_min):
        s[t].compute_inline()
    loop_steps(data, prog, s[conv.res])
    loop_steps(data, prog, s[conv.res_conv])
    attach_somewhere(data, [s[conv.res_conv]], s[conv.res])
    attach_somewhere(data, [s[conv.data_buf], s[conv.kernel_buf]], s[conv.res_conv])
    np.testing.assert_array_equal(prog.run(s), expected)


@SETTINGS
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6), st.data())
def test_matmul_with_cache_read_and_cache_write(n, m, k, data):
    A, B, C = matmul(n, m, k, dtype="int32")
    a, b = random_ints(n, (n, k)), random_ints(m, (k, m))
    prog = Program([A, B, C], [a, b])
    s = te.create_schedule(C.op)
    reducer = C
    if data.draw(st.booleans()):
        data_steps(data, prog, s[C])
        reducer = s.cache_write(C, data.draw(st.sampled_from(["local", "global"])))
    AA = s.cache_read(A, "local", [reducer])
    BB = s.cache_read(B, "shared", reducer)
    for t in [C] if reducer is C else [C, reducer]:
        loop_steps(data, prog, s[t], count=3)
    if reducer is not C:
        attach_somewhere(data, [s[reducer]], s[C])
    loop_steps(data, prog, s[AA], count=1)
    attach_somewhere(data, [s[AA], s[BB]], s[reducer])
    np.testing.assert_array_equal(prog.run(s), a @ b)


@CONV_SETTINGS
@given(st.integers(2, 4), st.integers(2, 4), st.data())
def test_conv2d_with_cache_read_and_cache_write(height, width, data):
    conv = Conv(height, width, 1, 2, block=2)
    rng = np.random.default_rng(height * 10 + width)
    x = rng.integers(-128, 128, tuple(int(v) for v in conv.data.shape)).astype("int8")
    w = rng.integers(-128, 128, tuple(int(v) for v in conv.kernel.shape)).astype("int8")
    prog = Program(conv.args, [x, w])
    expected = prog.reference()
    s = conv.s
    for t in (conv.res_shr, conv.res_max, conv.res_min):
        s[t].compute_inline()
    conv_out = s.cache_write(conv.res_conv, "local")
    dd = s.cache_read(conv.data_buf, "local", [conv_out])
    kk = s.cache_read(conv.kernel_buf, "local", [conv_out])
    loop_steps(data, prog, s[conv.res])
    loop_steps(data, prog, s[conv_out], count=3)
    attach_somewhere(data, [s[conv.res_conv]], s[conv.res])
    attach_somewhere(data, [s[conv_out]], s[conv.res_conv])
    attach_somewhere(data, [s[dd], s[kk]], s[conv_out])
    np.testing.assert_array_equal(prog.run(s), expected)


def reduction_loops(stage):
    return [iv for iv in stage.leaf_iter_vars if iv.iter_type == IterVarType.COMM_REDUCE]


def rfactor_somewhere(data, prog, s, tensor):
    """Maybe split a reduction loop, rfactor one reduction loop to a random position,
    schedule both stages, and maybe attach the factored one inside the other."""
    stage = s[tensor]
    if data.draw(st.booleans()):
        stage.split(data.draw(st.sampled_from(reduction_loops(stage))),
                    factor=prog.factor(data, "k"))
    axis = data.draw(st.sampled_from(reduction_loops(stage)))
    ndim = len(tensor.shape)
    factored = s.rfactor(tensor, axis, factor_axis=data.draw(st.integers(-ndim - 1, ndim)))
    loop_steps(data, prog, s[factored], count=3)
    loop_steps(data, prog, s[tensor], count=2)
    attach_somewhere(data, [s[factored]], s[tensor])


@SETTINGS
@given(st.integers(1, 6), st.integers(1, 9), st.data())
def test_row_reduction_with_rfactor(n, m, data):
    A = te.placeholder((n, m), "int32", name="A")
    k = te.reduce_axis((0, m), name="k")
    B = te.compute((n,), lambda i: te.sum(A[i, k], axis=k), name="B")
    a = random_ints(n * 10 + m, (n, m))
    prog = Program([A, B], [a])
    s = te.create_schedule(B.op)
    rfactor_somewhere(data, prog, s, B)
    np.testing.assert_array_equal(prog.run(s), a.sum(axis=1))


@SETTINGS
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 7), st.data())
def test_matmul_with_rfactor(n, m, k, data):
    A, B, C = matmul(n, m, k, dtype="int32")
    a, b = random_ints(n, (n, k)), random_ints(m, (k, m))
    prog = Program([A, B, C], [a, b])
    s = te.create_schedule(C.op)
    loop_steps(data, prog, s[C], count=1)
    if reduction_loops(s[C]) and not any(
            iv.iter_type == IterVarType.COMM_REDUCE and iv not in C.op.root_iter_vars
            and iv.var.name.endswith("fused") for iv in s[C].leaf_iter_vars):
        rfactor_somewhere(data, prog, s, C)
    np.testing.assert_array_equal(prog.run(s), a @ b)


@SETTINGS
@given(st.integers(2, 5), st.integers(1, 5), st.integers(2, 9), st.data())
def test_matmul_with_storage_primitives(n, m, k, data):
    """Both inputs cached and attached at the outer reduction loop, each maybe double
    buffered and with a dimension aligned; the output maybe stored on its first rows
    only."""
    A, B, C = matmul(n, m, k, dtype="int32")
    a, b = random_ints(n, (n, k)), random_ints(m, (k, m))
    prog = Program([A, B, C], [a, b])
    s = te.create_schedule(C.op)
    caches = [s.cache_read(A, "local", [C]), s.cache_read(B, "shared", [C])]
    data_steps(data, prog, s[C])
    ko, ki = s[C].split(C.op.reduce_axis[0], factor=data.draw(st.integers(1, k)))
    for t in caches:
        if data.draw(st.booleans()):
            factor = data.draw(st.integers(1, 8))
            s[t].storage_align(data.draw(st.sampled_from(t.op.axis)), factor,
                               data.draw(st.integers(0, factor - 1)))
        s[t].compute_at(s[C], ko)
        if data.draw(st.booleans()):
            s[t].double_buffer()
    expected = a @ b
    rows = data.draw(st.integers(0, n))
    if rows < n:
        s[C].set_store_predicate(C.op.axis[0].var < rows)
        expected[rows:] = 0
    np.testing.assert_array_equal(prog.run(s), expected)


@SETTINGS
@given(st.integers(1, 7), st.integers(1, 6), st.data())
def test_elementwise_chain_with_a_group(n, m, data):
    """B and C grouped; the group at a random loop of D (or the root), B maybe at a
    loop of C; every stage's loops transformed at random."""
    A, B, C, D = elementwise(n, m)
    a = np.random.default_rng(n * 10 + m).uniform(-2, 2, (n, m)).astype("float32")
    prog = Program([A, D], [a])
    s = te.create_schedule(D.op)
    group = s.create_group(outputs=C, inputs=A)
    for t in (D, C, B):
        loop_steps(data, prog, s[t], count=2)
    if data.draw(st.booleans()):
        group.compute_at(s[D], data.draw(st.sampled_from(s[D].leaf_iter_vars)))
    attach_somewhere(data, [s[B]], s[C])
    np.testing.assert_array_equal(prog.run(s), (a * 2 + 1) ** 2)
