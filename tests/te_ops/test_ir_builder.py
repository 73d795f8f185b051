"""tvm.tir.ir_builder and Buffer.access_ptr: statements built imperatively, run inside
extern ops against numpy, their structure checked by hand; one test per misuse rule."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minitvm as tvm
from minitvm import te
from minitvm.tir import expr as E
from minitvm.tir import stmt as S
from minitvm.tir.ir_builder import IRBuilderError

from run import run


def extern_of(shape, inputs, build):
    """An extern op whose body `build(ib, ins, outs)` writes with an ir_builder."""
    def fcompute(ins, outs):
        ib = tvm.tir.ir_builder.create()
        build(ib, [ib.buffer_ptr(b) for b in ins], [ib.buffer_ptr(b) for b in outs])
        return ib.get()
    return te.extern(shape, inputs, fcompute, name="E")


@settings(max_examples=12, deadline=None)
@given(n=st.integers(1, 7), m=st.integers(1, 5), threshold=st.floats(0, 1, width=32))
def test_loops_branches_allocation_and_let(n, m, threshold):
    """Row-wise prefix sums of the entries above `threshold` (others count as -1)."""
    A = te.placeholder((n, m), name="A")

    def build(ib, ins, outs):
        a, out = ins[0], outs[0]
        acc = ib.allocate("float32", (1,), name="acc", scope="local")
        with ib.for_range(0, n, name="i") as i:
            acc[0] = 0.0
            with ib.for_range(0, m, name="j") as j:
                x = ib.let("x", a[i, j])
                with ib.if_scope(x > threshold):
                    acc[0] = acc[0] + x
                with ib.else_scope():
                    acc[0] = acc[0] - 1.0
                out[i * m + j] = acc[0]       # one index into a 2-d buffer: row-major
    B = extern_of((n, m), [A], build)
    a = np.random.default_rng(n * 10 + m).random((n, m), dtype="float32")
    (b,) = run(te.create_schedule(B.op), [A, B], [a])
    np.testing.assert_allclose(b, np.cumsum(np.where(a > threshold, a, -1), axis=1),
                               rtol=1e-5)


def test_while_loop_and_new_scope():
    A = te.placeholder((1,), name="A", dtype="int32")

    def build(ib, ins, outs):
        count = ib.allocate("int32", (1,), name="count", scope="local")
        count[0] = 0
        with ib.while_loop(count[0] * count[0] < ins[0][0]):
            count[0] = count[0] + 1
        with ib.new_scope():
            outs[0][0] = count[0]
    B = extern_of((1,), [A], build)
    for value in (0, 1, 10, 49, 50):
        (b,) = run(te.create_schedule(B.op), [A, B], [np.array([value], "int32")])
        assert b[0] == int(np.ceil(np.sqrt(value)))


def test_structure_and_loop_names():
    ib = tvm.tir.ir_builder.create()
    names = []
    for _ in range(5):
        with ib.for_range(0, 2) as v:
            names.append(v.name)
    ib.scope_attr(E.IntImm("int32", 0), "thread_extent", 0)
    ib.emit(tvm.tir.call_extern("int32", "f"))
    stmt = ib.get()
    assert names == ["i", "j", "k", "i_0", "i_1"]
    assert isinstance(stmt, S.SeqStmt) and len(stmt.seq) == 6
    attr = stmt.seq[5]
    # thread extents are at least 1 (TVM's rule); the attribute wraps what follows it
    assert attr.attr_key == "thread_extent" and attr.value.value == 1
    assert isinstance(attr.body, S.Evaluate) and attr.body.value.op == "tir.call_extern"
    loop = stmt.seq[0]
    assert isinstance(loop, S.For) and loop.extent.value == 2 and loop.kind == "serial"
    assert isinstance(loop.body, S.Evaluate)      # an empty scope holds a no-op


def test_for_range_kinds_and_offsets():
    ib = tvm.tir.ir_builder.create()
    with ib.for_range(3, 10, name="x", kind="unroll"):
        pass
    loop = ib.get()
    assert loop.kind == "unrolled" and loop.min.value == 3 and loop.extent.value == 7


def test_access_ptr_extents_by_hand():
    s1 = te.var("s1")
    b = tvm.tir.decl_buffer((16, 64), "float32", "B", strides=[s1, 1], offset_factor=1)
    ptr = b.access_ptr("r")
    annotation, data, offset, extent, mask = ptr.args
    assert ptr.op == "tir.tvm_access_ptr" and annotation.dtype == "float32"
    assert data is b.data and offset is b.elem_offset and mask.value == 1
    assert str(extent) == "s1 * 16"                 # stride of the outer dim x its extent
    c = tvm.tir.decl_buffer((4, 8), "int8", "C")
    assert c.access_ptr("rw").args[3].value == 32 and c.access_ptr("rw").args[4].value == 3
    assert c.access_ptr("w", offset=8).args[3].value == 24     # to the end of the buffer
    assert c.access_ptr(2, extent=5).args[3].value == 5


def test_tensor_intrin_scalar_params():
    alpha = te.var("alpha", "float32")
    a = te.placeholder((4,), name="a")
    c = te.compute((4,), lambda i: a[i] * alpha, name="c")
    seen = []

    def fcompute(ins, outs, params):
        seen.append(params)
        return tvm.tir.call_extern("int32", "scale", outs[0].access_ptr("w"),
                                   ins[0].access_ptr("r"), params[0])
    intrin = te.decl_tensor_intrin(c.op, fcompute, scalar_params=[alpha])
    assert intrin.scalar_params == (alpha,) and seen == [[alpha]]


# --- misuse: one test per rule ------------------------------------------------------------

def test_else_without_if():
    ib = tvm.tir.ir_builder.create()
    ib.emit(tvm.tir.call_extern("int32", "f"))
    with pytest.raises(IRBuilderError, match="else_scope can only follow an if_scope"):
        ib.else_scope()


def test_get_inside_an_open_scope():
    ib = tvm.tir.ir_builder.create()
    ib.for_range(0, 4)                        # entered scope never closed
    with pytest.raises(IRBuilderError, match="get called inside an open scope"):
        ib.get()


def test_store_of_the_wrong_dtype_names_the_buffer():
    ib = tvm.tir.ir_builder.create()
    x = ib.allocate("int32", (4,), name="xs")
    with pytest.raises(IRBuilderError, match="buffer 'xs' holds int32; cannot store .* "
                                             "float32"):
        x[0] = tvm.tir.const(1.5, "float32")


def test_wrong_number_of_indices_names_the_buffer():
    ib = tvm.tir.ir_builder.create()
    y = ib.allocate("float32", (2, 3, 4), name="ys")
    with pytest.raises(IRBuilderError, match="buffer 'ys' has 3 dimensions .* 2 indices"):
        y[0, 1]


def test_unknown_loop_kind():
    ib = tvm.tir.ir_builder.create()
    with pytest.raises(IRBuilderError, match="kind must be one of .*'gpu'"):
        ib.for_range(0, 4, kind="gpu")


def test_non_integer_loop_bounds():
    ib = tvm.tir.ir_builder.create()
    with pytest.raises(IRBuilderError, match="for_range 'i'.*float32"):
        ib.for_range(0, tvm.tir.const(4.0, "float32"))


def test_emitting_something_that_is_not_a_statement():
    ib = tvm.tir.ir_builder.create()
    with pytest.raises(IRBuilderError, match="neither a statement"):
        ib.emit(3)


def test_buffer_ptr_of_something_that_is_not_a_buffer():
    ib = tvm.tir.ir_builder.create()
    with pytest.raises(IRBuilderError, match="buffer_ptr expects a tvm.tir.Buffer"):
        ib.buffer_ptr(te.placeholder((2,), name="A"))


def test_bad_access_mask_names_the_buffer():
    c = tvm.tir.decl_buffer((4,), "int8", "C")
    with pytest.raises(tvm.TVMError, match="access_ptr of buffer 'C'.*'x'"):
        c.access_ptr("x")


def test_scalar_param_that_is_not_a_var():
    a = te.placeholder((4,), name="a")
    c = te.compute((4,), lambda i: a[i], name="c")
    with pytest.raises(te.TensorIntrinError, match="scalar parameter 2"):
        te.decl_tensor_intrin(c.op, lambda i, o, p: None, scalar_params=[2])
