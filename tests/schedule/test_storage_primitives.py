"""set_store_predicate, storage_align and double_buffer: what they print and compute.
Strides, sizes and loop structures are derived by hand; results compared with numpy."""
import numpy as np
import pytest

import minitvm as tvm
from minitvm import te
from minitvm.transform.inject_double_buffer import DoubleBufferError
from sched_workloads import matmul


def run(s, args, inputs, fill=0.0):
    f = tvm.build(s, args)
    out = args[-1]
    result = tvm.nd.array(np.full(tuple(int(x) for x in out.shape), fill, out.dtype))
    f(*[tvm.nd.array(x) for x in inputs], result)
    return result.numpy()


def chain(n=6, m=5):
    A = te.placeholder((n, m), name="A")
    B = te.compute((n, m), lambda i, j: A[i, j] * 2.0, name="B")
    C = te.compute((n, m), lambda i, j: B[i, j] + 1.0, name="C")
    return A, B, C


def test_store_predicate_guards_the_store_only():
    A, B, C = chain()
    s = te.create_schedule(C.op)
    s[C].set_store_predicate(C.op.axis[0].var < 3)
    text = str(tvm.lower(s, [A, C], simple_mode=True))
    assert "if i < 3:" in text and "T.likely" not in text
    a = np.arange(30, dtype="float32").reshape(6, 5)
    expected = np.full((6, 5), -7.0, "float32")
    expected[:3] = a[:3] * 2 + 1
    np.testing.assert_array_equal(run(s, [A, C], [a], fill=-7.0), expected)


def test_storage_align_pads_the_stride_of_the_dimension():
    """Rows of 5 aligned to 8k + 1: stride 9, so the 6 rows take 54 elements."""
    A, B, C = chain()
    s = te.create_schedule(C.op)
    s[B].storage_align(B.op.axis[0], 8, 1)
    text = str(tvm.lower(s, [A, C], simple_mode=True))
    assert 'B = T.allocate([54], "float32", "global")' in text
    assert "B_1[i * 9 + j] = " in text
    a = np.arange(30, dtype="float32").reshape(6, 5)
    np.testing.assert_array_equal(run(s, [A, C], [a]), a * 2 + 1)


def test_storage_align_of_an_attached_tile():
    """B attached at C's row loop holds one row (5); aligning its innermost dimension to
    4k + 2 gives stride 2 between elements: 10 elements allocated."""
    A, B, C = chain()
    s = te.create_schedule(C.op)
    s[B].compute_at(s[C], C.op.axis[0])
    s[B].storage_align(B.op.axis[1], 4, 2)
    text = str(tvm.lower(s, [A, C], simple_mode=True))
    assert 'B = T.allocate([10], "float32", "global")' in text
    a = np.arange(30, dtype="float32").reshape(6, 5)
    np.testing.assert_array_equal(run(s, [A, C], [a]), a * 2 + 1)


def double_buffered_matmul(n=3, m=2, k=8, factor=2):
    A, B, C = matmul(n, m, k)
    s = te.create_schedule(C.op)
    AA = s.cache_read(A, "shared", [C])
    ko, ki = s[C].split(C.op.reduce_axis[0], factor=factor)
    s[AA].compute_at(s[C], ko)
    s[AA].double_buffer()
    return s, (A, B, C), ko


def test_double_buffer_doubles_the_tile_and_pipelines_the_loop():
    """k (8) split by 2: ko has 4 iterations. A.shared (2 elements per iteration) gets 4;
    the first tile is loaded before the loop, which runs 3 iterations, each loading the
    next tile into the other half; the last iteration follows without loading."""
    s, args, ko = double_buffered_matmul()
    text = str(tvm.lower(s, list(args), simple_mode=True))
    assert 'A_shared = T.allocate([4], "float32", "shared")' in text
    assert "for k_outer_outer in range(3):" in text
    assert 'with T.attr(A_shared, "double_buffer_write", 1):' in text
    assert "A_shared_1[(k_outer_outer + 1) % 2 * 2 + ax1]" in text
    assert "k_outer_outer % 2 * 2 + k_inner" in text
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (3, 8)).astype("float32")
    b = rng.uniform(-1, 1, (8, 2)).astype("float32")
    np.testing.assert_allclose(run(s, list(args), [a, b]), a @ b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("split_loop", [2, 4])
def test_double_buffer_with_split_loop(split_loop):
    """The loop over k.outer (5 iterations, 4 before the last) in copies of split_loop."""
    s, args, ko = double_buffered_matmul(k=10)
    with tvm.transform.PassContext(config={"tir.InjectDoubleBuffer":
                                           {"split_loop": split_loop}}):
        text = str(tvm.lower(s, list(args), simple_mode=True))
        f = tvm.build(s, list(args))
    assert f"for k_outer_outer in range({4 // split_loop}):" in text
    rng = np.random.default_rng(1)
    a = rng.uniform(-1, 1, (3, 10)).astype("float32")
    b = rng.uniform(-1, 1, (10, 2)).astype("float32")
    c = tvm.nd.empty((3, 2), "float32")
    f(tvm.nd.array(a), tvm.nd.array(b), c)
    np.testing.assert_allclose(c.numpy(), a @ b, rtol=1e-5, atol=1e-5)


def test_double_buffer_of_a_stage_outside_any_loop():
    A, B, C = chain()
    s = te.create_schedule(C.op)
    s[B].double_buffer()
    with pytest.raises(DoubleBufferError, match=r"double_buffer of 'B': the stage is not "
                                                r"computed inside a loop of its consumer"):
        tvm.lower(s, [A, C])
