"""VectorizeLoop: a vectorized loop becomes vector expressions (ramps and broadcasts,
printed as slices), or a serial `<var>.s` loop where TVM's rules scalarize it; an
allocation accessed in whole aligned vectors gets a vector element type. The expected
texts are derived by hand from TVM's rules; every program is also run against numpy."""
import numpy as np
import pytest

import minitvm as tvm
from minitvm import te
from minitvm.tir import expr as E
from minitvm.tir import stmt as S
from minitvm.tir.functor import post_order_visit
from minitvm.codegen.context import HostCodegenError
from minitvm.codegen.vector_lanes import lanes_as_loops
from minitvm.tir.op import const
from minitvm.transform.vectorize_loop import VectorizeError, vectorize_loop

from irbuild import param


def op_true():
    return const(True, "bool")


def loops(func):
    found = []
    post_order_visit(func.body, lambda n: found.append((n.loop_var.name, n.kind))
                     if isinstance(n, S.For) else None)
    return sorted(found)


def split_and_vectorize(n, fcompute, factor=4):
    A = te.placeholder((n,), name="A")
    B = te.placeholder((n,), name="B")
    C = te.compute(A.shape, lambda i: fcompute(A, B, i), name="C")
    s = te.create_schedule(C.op)
    outer, inner = s[C].split(C.op.axis[0], factor=factor)
    s[C].vectorize(inner)
    return s, [A, B, C]


def vector_add(n):
    return split_and_vectorize(n, lambda A, B, i: A[i] + B[i])


def body_lines(s, args):
    text = str(tvm.lower(s, args, simple_mode=True))
    return [line.strip() for line in text.splitlines()[8:]]


def run(s, args, size):
    f = tvm.build(s, args)
    arrays = [np.random.rand(size).astype("float32") for _ in args[:-1]]
    out = tvm.nd.array(np.zeros(size, "float32"))
    f(*[tvm.nd.array(a) for a in arrays], out)
    return arrays, out.numpy()


def test_lanes_become_ramps_printed_as_slices():
    # i = i_outer * 4 + ramp(0, 1, 4) = ramp(i_outer * 4, 1, 4): each access a 4-slice
    lines = body_lines(*vector_add(64))
    assert lines[:2] == ["for i_outer in range(16):", "cse_var_1: T.int32 = i_outer * 4"]
    assert lines[-1] == ("C_1[cse_var_1:cse_var_1 + 4] = A_1[cse_var_1:cse_var_1 + 4] + "
                         "B_1[cse_var_1:cse_var_1 + 4]")
    assert loops(tvm.lower(*vector_add(64))["main"]) == [("i.outer", "serial")]


def test_a_scalar_operand_is_broadcast_and_a_stride_prints_as_a_step():
    # A[i * 2 % 64]: ramp(i_outer * 8, 2, 4) % 64, which stays below 64: a step-2 slice
    s, args = split_and_vectorize(64, lambda A, B, i: A[i * 2 % 64] * 3.0)
    assert body_lines(s, args)[-1] == ("C_1[i_outer * 4:i_outer * 4 + 4] = A_1[i_outer % 8 * 8:"
                                       "i_outer % 8 * 8 + 8:2] * T.Broadcast(T.float32(3), 4)")
    (a, _), c = run(s, args, 64)
    np.testing.assert_allclose(c, a[np.arange(64) * 2 % 64] * 3, rtol=1e-6)


def test_guarded_lanes_become_a_serial_loop():
    s, args = vector_add(te.var("n"))
    assert loops(tvm.lower(s, args, simple_mode=True)["main"]) == [("i.inner.s", "serial"), ("i.outer", "serial")]


def test_a_lane_dependent_if_then_else_is_scalarized():
    s, args = split_and_vectorize(64, lambda A, B, i: tvm.tir.if_then_else(i % 2 == 0, A[i],
                                                                           B[i]))
    assert loops(tvm.lower(s, args)["main"]) == [("i.inner.s", "serial"), ("i.outer", "serial")]
    (a, b), c = run(s, args, 64)
    np.testing.assert_array_equal(c, np.where(np.arange(64) % 2 == 0, a, b))


def test_a_call_without_a_vector_form_is_scalarized():
    s, args = split_and_vectorize(
        64, lambda A, B, i: tvm.tir.call_pure_extern("float32", "myfn", A[i]))
    assert loops(tvm.lower(s, args)["main"]) == [("i.inner.s", "serial"), ("i.outer", "serial")]


def test_a_math_call_is_vectorized():
    s, args = split_and_vectorize(64, lambda A, B, i: te.exp(A[i]))
    assert loops(tvm.lower(s, args)["main"]) == [("i.outer", "serial")]
    (a, _), c = run(s, args, 64)
    np.testing.assert_allclose(c, np.exp(a), rtol=1e-6)


@pytest.mark.parametrize("size", [5, 64])
def test_both_compute_the_sum(size):
    s, args = vector_add(te.var("n") if size == 5 else size)
    (a, b), c = run(s, args, size)
    np.testing.assert_allclose(c, a + b, rtol=1e-6)


def attached_producer():
    A = te.placeholder((64,), name="A")
    D = te.compute(A.shape, lambda i: A[i] * 2, name="D")
    C = te.compute(A.shape, lambda i: D[i] + 1, name="C")
    s = te.create_schedule(C.op)
    outer, inner = s[C].split(C.op.axis[0], factor=4)
    s[C].vectorize(inner)
    s[D].compute_at(s[C], inner)
    return s, [A, C]


def test_an_allocation_inside_the_loop_gets_one_element_per_lane():
    # D's one element becomes 4, one per lane, accessed as one aligned vector: StorageRewrite
    # then types it float32x4 with extent 1
    s, args = attached_producer()
    text = str(tvm.lower(s, args, simple_mode=True))
    assert 'D = T.allocate([1], "float32x4", "global")' in text
    assert "D_1[0] = A_1[cse_var_1:cse_var_1 + 4] * T.Broadcast(T.float32(2), 4)" in text
    (a,), c = run(s, args, 64)
    np.testing.assert_allclose(c, a * 2 + 1, rtol=1e-6)


def test_an_unaligned_vector_access_keeps_the_allocation_scalar():
    # B (64 elements) is written in 4-aligned vectors, C reads it at ramp(i_outer * 4, 1, 4),
    # ramp(i_outer * 4 + 2, 1, 4) (unaligned) and ramp(i_outer * 4 + 4, 1, 4): stays float32
    A = te.placeholder((64,), name="A")
    B = te.compute((64,), lambda i: A[i] * 2, name="B")
    C = te.compute((60,), lambda i: B[i] + B[i + 2] + B[i + 4], name="C")
    s = te.create_schedule(C.op)
    for stage in (s[B], s[C]):
        outer, inner = stage.split(stage.op.axis[0], factor=4)
        stage.vectorize(inner)
    text = str(tvm.lower(s, [A, C], simple_mode=True))
    assert 'B = T.allocate([64], "float32", "global")' in text
    f = tvm.build(s, [A, C])
    a = np.random.rand(64).astype("float32")
    c = tvm.nd.array(np.zeros(60, "float32"))
    f(tvm.nd.array(a), c)
    b = a * 2
    np.testing.assert_allclose(c.numpy(), b[:60] + b[2:62] + b[4:], rtol=1e-6)


def test_a_symbolic_extent_cannot_be_vectorized():
    n = te.var("n")
    A = te.placeholder((n,), name="A")
    C = te.compute(A.shape, lambda i: A[i] + 1, name="C")
    s = te.create_schedule(C.op)
    s[C].vectorize(C.op.axis[0])
    with pytest.raises(VectorizeError, match="loop 'i' has extent n.*constant") as err:
        tvm.lower(s, [A, C])
    assert isinstance(err.value, tvm.error.TVMError)


def test_a_while_loop_cannot_be_vectorized():
    A = te.placeholder((4,), name="A", dtype="int32")

    def build(ins, outs):
        ib = tvm.tir.ir_builder.create()
        out = ib.buffer_ptr(outs[0])
        with ib.for_range(0, 4, name="i", kind="vectorize") as i:
            out[i] = 0
            with ib.while_loop(out[i] < 10):
                out[i] = out[i] + 1
        return ib.get()
    B = te.extern((4,), [A], build, name="B", dtype="int32")
    with pytest.raises(VectorizeError, match="'i' holds a while loop"):
        tvm.lower(te.create_schedule(B.op), [A, B])


def test_a_vectorized_loop_must_start_at_zero():
    A = te.placeholder((8,), name="A", dtype="int32")

    def build(ins, outs):
        ib = tvm.tir.ir_builder.create()
        out = ib.buffer_ptr(outs[0])
        with ib.for_range(2, 6, name="i", kind="vectorize") as i:
            out[i] = i
        return ib.get()
    B = te.extern((8,), [A], build, name="B", dtype="int32")
    with pytest.raises(VectorizeError, match="loop 'i' starts at 2; a vectorized loop must "
                                             "start at 0"):
        tvm.lower(te.create_schedule(B.op), [A, B])


def test_a_let_variable_bound_to_two_values_is_refused():
    # (let x = i in x) + (let x = i + 1 in x) inside a vectorized loop over i
    i, x = E.Var("i", "int32"), E.Var("x", "int32")
    value = E.Add(E.Let(x, i, x), E.Let(x, E.Add(i, E.IntImm("int32", 1)), x))
    out = tvm.tir.decl_buffer((4,), "int32", "out")
    body = S.For(i, E.IntImm("int32", 0), E.IntImm("int32", 4), S.ForKind.VECTORIZED,
                 S.BufferStore(out, value, (i,)))
    func = tvm.tir.PrimFunc([out.data], body)
    with pytest.raises(VectorizeError, match="let variable 'x' is bound to two different"):
        vectorize_loop(func)


def test_the_host_build_refuses_a_strided_read_of_a_vector_typed_buffer():
    # a float32x4 allocation read at ramp(0, 2, 2) (every other vector): not whole, not
    # contiguous
    data = E.Var("v", "handle", E.PointerType("float32x4"))
    vec = tvm.tir.decl_buffer((4,), "float32x4", "v", data=data)
    out = tvm.tir.decl_buffer((8,), "float32", "out")
    ramp = E.Ramp(E.IntImm("int32", 0), E.IntImm("int32", 2), 2)
    store = S.BufferStore(out, E.BufferLoad(vec, (ramp,)),
                          (E.Ramp(E.IntImm("int32", 0), E.IntImm("int32", 1), 8),))
    body = S.Allocate(data, "float32x4", (E.IntImm("int32", 4),), op_true(), store)
    func = tvm.tir.PrimFunc([E.Var("out", "handle")], body, buffer_map={})
    with pytest.raises(HostCodegenError, match="buffer 'v' of float32x4 is indexed by"):
        lanes_as_loops(func)


def test_an_operand_of_another_lane_count_is_refused():
    # inp[0:3] (3 lanes, not reading i) + i (4 lanes) inside a vectorized loop over i
    i = E.Var("i", "int32")
    inp = tvm.tir.decl_buffer((8,), "int32", "inp")
    out = tvm.tir.decl_buffer((4,), "int32", "out")
    three = E.BufferLoad(inp, (E.Ramp(E.IntImm("int32", 0), E.IntImm("int32", 1), 3),))
    body = S.For(i, E.IntImm("int32", 0), E.IntImm("int32", 4), S.ForKind.VECTORIZED,
                 S.BufferStore(out, E.Add(three, i), (i,)))
    func = tvm.tir.PrimFunc([inp.data, out.data], body)
    with pytest.raises(VectorizeError, match="cannot broadcast .* of 3 lanes to 4"):
        vectorize_loop(func)


def test_a_store_whose_lanes_the_last_index_cannot_make_is_refused():
    # 12 lanes of i stored at a scalar index of a float32x8 buffer: 12 is no multiple of 8
    i = E.Var("i", "int32")
    out = tvm.tir.decl_buffer((4,), "float32x8", "out")
    body = S.For(i, E.IntImm("int32", 0), E.IntImm("int32", 12), S.ForKind.VECTORIZED,
                 S.BufferStore(out, E.Cast("float32", i), (E.IntImm("int32", 0),)))
    func = tvm.tir.PrimFunc([out.data], body)
    with pytest.raises(VectorizeError, match="storing to buffer 'out', cannot produce 12 "
                       "lanes by changing the last index"):
        vectorize_loop(func)


def _vectorized_read(scale, offset=0):
    """for y in T.vectorized(4): out[y] = inp[y * scale + offset]; `scale` a constant or
    a parameter."""
    y = E.Var("y", "int32")
    (inp, a), (out, c) = param("inp", (64,), "int32"), param("out", (4,), "int32")
    index = E.Add(E.Mul(y, scale), const(offset))
    body = S.For(y, const(0), const(4), S.ForKind.VECTORIZED,
                 S.BufferStore(c, E.BufferLoad(a, (index,)), (y,)))
    scalars = (scale,) if isinstance(scale, E.Var) else ()
    return tvm.tir.PrimFunc((inp, out) + scalars, body, {inp: a, out: c})


def test_only_a_provably_positive_scale_folds_into_the_ramp():
    """TVM's VectorizeLoop folds ramp * x into one ramp only when x > 0 is proven; else
    it keeps the vector product (the phase-3 Simplify folds it later)."""
    def index(scale):       # y * scale + 0
        return vectorize_loop(_vectorized_read(scale)).body.value.indices[0]
    folded = index(const(3))
    assert isinstance(folded, E.Ramp) and (folded.base.value, folded.stride.value) == (0, 3)
    for scale in (const(-3), E.Var("n", "int32")):
        kept = index(scale).a
        assert isinstance(kept, E.Mul) and isinstance(kept.a, E.Ramp)
        assert isinstance(kept.b, E.Broadcast) and kept.b.value is scale


@pytest.mark.parametrize("n", [-3, 0, 5])
def test_a_scale_of_unknown_sign_reads_as_numpy(n):
    """`y * n` stays a vector product through VectorizeLoop (n > 0 unproven); whatever
    its sign at run time the lanes read inp[y * n + 30]."""
    f = tvm.build(_vectorized_read(E.Var("n", "int32"), 30))
    a = np.arange(64, dtype="int32") * 7
    out = tvm.nd.array(np.zeros(4, "int32"))
    f(tvm.nd.array(a), out, n)
    np.testing.assert_array_equal(out.numpy(), a[np.arange(4) * n + 30])


def test_the_host_build_refuses_a_vector_it_has_no_lanes_of():
    # a float32x4 variable stored at ramp(0, 1, 4): no ramp, broadcast, load or operation
    out = tvm.tir.decl_buffer((4,), "float32", "out")
    store = S.BufferStore(out, E.Var("v", "float32x4"),
                          (E.Ramp(E.IntImm("int32", 0), E.IntImm("int32", 1), 4),))
    func = tvm.tir.PrimFunc([E.Var("out", "handle")], store, buffer_map={})
    with pytest.raises(HostCodegenError, match=r"build_host\(main\): the host build has no "
                       r"lane-wise form of the vector expression v"):
        lanes_as_loops(func)
