"""minitvm.te: declarations keep TVM's names and meaning, and malformed expressions fail
with errors naming the tensor."""
import pytest

import minitvm as tvm
from minitvm import te, topi
from minitvm.tir import expr as E
from sched_outline import expr


def test_compute_axes_take_the_lambdas_argument_names():
    A = te.placeholder((2, 3), "int8", name="A")
    named = te.compute((2, 3), lambda bo, co: A[bo, co], name="named", tag="copy")
    star = te.compute((2, 3), lambda *i: A(*i), "star")
    assert [iv.var.name for iv in named.op.axis] == ["bo", "co"]
    assert [iv.var.name for iv in star.op.axis] == ["i0", "i1"]
    assert (named.op.name, named.op.tag, star.op.tag) == ("named", "copy", "")
    assert [int(x) for x in star.shape] == [2, 3] and star.dtype == "int8"
    assert star.ndim == 2 and star.name == "star" and star.op.output(0) is star
    assert star.op.input_tensors == (A,)
    assert A.op.input_tensors == () and A.op.name == "A"


def test_indexing_and_calling_read_the_tensor():
    A = te.placeholder((4, 5), name="A")
    i, j = te.var("i"), te.var("j")
    for load in (A[i, j], A[i][j], A(i, j)):
        assert isinstance(load, E.ProducerLoad) and load.producer is A
        assert load.indices == (i, j) and load.dtype == "float32"


def test_reductions_and_elementwise_max_min():
    A = te.placeholder((4, 5), "int8", name="A")
    k = te.reduce_axis((0, 5), name="k")
    total = te.compute((4,), lambda i: te.sum(A[i, k].astype("int32"), axis=k), name="total")
    body = total.op.body[0]
    assert isinstance(body, E.Reduce) and total.op.reduce_axis == (k,)
    assert expr(body.combiner.identity_element[0]) == "0" and total.dtype == "int32"
    biggest = te.compute((4,), lambda i: te.max(A[i, k], axis=[k]), name="biggest")
    assert biggest.op.body[0].combiner.identity_element[0].value == -128
    clipped = te.compute((4, 5), lambda *i: tvm.te.min(tvm.te.max(A(*i), 0), 100), "clip")
    assert expr(clipped.op.body[0]) == "min(max(A[i0, i1], 0), 100)"
    assert k.iter_type == E.IterVarType.COMM_REDUCE and int(k.dom.extent) == 5


def test_comm_reducer_builds_a_custom_reduction():
    product = te.comm_reducer(lambda x, y: x * y, lambda t: te.const(1, t), name="product")
    A = te.placeholder((3, 4), "int32", name="A")
    k = te.reduce_axis((0, 4), name="k")
    P = te.compute((3,), lambda i: product(A[i, k], axis=k), name="P")
    assert expr(P.op.body[0].combiner.result[0]) == "(x * y)"    # TVM names one value x, y


def test_thread_axis_and_const():
    tx = te.thread_axis("cthread")
    assert (tx.var.name, tx.thread_tag, tx.dom) == ("cthread", "cthread", None)
    assert tx.iter_type == E.IterVarType.THREAD_INDEX
    assert te.const(3, "int8").dtype == "int8"


def test_pad_matches_topi():
    data = te.placeholder((1, 2, 4, 4, 1, 3), "int8", name="data")
    padded = topi.nn.pad(data, [0, 0, 1, 2, 0, 0], name="data_buf")
    assert [int(x) for x in padded.shape] == [1, 2, 6, 8, 1, 3]     # after = before
    assert expr(padded.op.body[0]) == (
        "tir.if_then_else(((((i2 >= 1) and (i2 < 5)) and (i3 >= 2)) and (i3 < 6)), "
        "data[i0, i1, (i2 - 1), (i3 - 2), i4, i5], 0)")
    assert padded.op.body[0].args[2].dtype == "int8"
    after = topi.nn.pad(data, [0, 0, 0, 0, 0, 0], [0, 0, 0, 1, 0, 0], pad_value=7)
    assert expr(after.op.body[0]) == (
        "tir.if_then_else(((i3 >= 0) and (i3 < 4)), data[i0, i1, i2, i3, i4, i5], 7)")
    assert after.op.name == "PadInput"


# --- errors ---------------------------------------------------------------------------

def test_te_errors_are_tvm_errors():
    # TVM's C++ checks raise tvm.error.TVMError (a RuntimeError); Tensor.__call__ raises
    # ValueError for a wrong number of indices, so TensorIndexError is both.
    assert issubclass(te.TEError, tvm.error.TVMError) and tvm.TVMError is tvm.error.TVMError
    assert issubclass(tvm.error.TVMError, RuntimeError)
    assert issubclass(te.TensorIndexError, ValueError)
    assert not issubclass(te.TensorIndexError, IndexError)


def test_wrong_number_of_indices():
    A = te.placeholder((4, 5), name="A")
    with pytest.raises(te.TensorIndexError, match="tensor 'A' has 2 dimensions but was "
                                                  "called with 1 indices"):
        A(1)
    with pytest.raises(te.TensorIndexError, match="tensor 'A' has 2 dimensions but was "
                                                  "indexed with 3 indices"):
        A[1, 2, 3]
    with pytest.raises(te.TensorIndexError, match="tensor 'A' has 2 dimensions but was "
                                                  "indexed with 1 indices"):
        te.compute((4,), lambda i: A[i] + 1.0)


def test_float_index():
    A = te.placeholder((4, 5), name="A")
    with pytest.raises(te.TensorIndexError, match="tensor 'A': index 0 has dtype float32; "
                                                  "tensor indices must be integers"):
        te.compute((4,), lambda i: A[i * 0.5, 1])


def test_wrong_index_count_is_the_value_error_tvm_raises():
    """TVM's Tensor.__call__ raises ValueError for a wrong number of indices; a float index
    is refused by TVM's C++ checks (TVMError). Neither is an IndexError here."""
    A = te.placeholder((4, 5), name="A")
    for bad in (lambda: A(1), lambda: A[1, 2, 3], lambda: A[0.5, 1], lambda: A["x", 1]):
        with pytest.raises(ValueError, match="tensor 'A'") as info:
            bad()
        assert isinstance(info.value, tvm.error.TVMError)
        assert not isinstance(info.value, IndexError)


@pytest.mark.parametrize("declare", [
    lambda shape: te.placeholder(shape, name="T"),
    lambda shape: te.compute(shape, lambda *i: 0, name="T"),
])
@pytest.mark.parametrize("shape, dim, value", [((0, 4), 0, 0), ((4, -2), 1, -2)])
def test_non_positive_dimension_is_refused_naming_the_tensor(declare, shape, dim, value):
    with pytest.raises(te.ShapeError, match=f"tensor 'T': dimension {dim} of the shape is "
                                            f"{value}; extents must be positive"):
        declare(shape)


def test_shape_that_is_not_a_sequence_is_refused_naming_the_tensor():
    with pytest.raises(te.ShapeError, match="tensor 'T': the shape must be a tuple or list "
                                            "of extents, got None"):
        te.placeholder(None, name="T")


def test_symbolic_dimension_is_accepted():
    n = te.var("n")
    assert te.placeholder((n, 4), name="T").shape[0] is n


@pytest.mark.parametrize("body", ["abc", object()])
def test_compute_body_that_is_not_a_number_is_refused(body):
    with pytest.raises(te.ComputeBodyError, match="te.compute 'C': the index function "
                                                  "returned .* not a numeric expression"):
        te.compute((3,), lambda i: body, name="C")
    assert issubclass(te.ComputeBodyError, tvm.error.TVMError)


def test_reduction_outside_a_compute():
    A = te.placeholder((4,), name="A")
    k = te.reduce_axis((0, 4), name="k")
    with pytest.raises(te.ReductionError, match=r"te.sum over \['k'\] built outside "
                                                "te.compute"):
        te.sum(A[k], axis=k)


def test_reduction_not_at_the_top_of_the_body():
    A = te.placeholder((4, 4), name="A")
    k = te.reduce_axis((0, 4), name="k")
    with pytest.raises(te.ReductionError, match=r"te.compute 'B': a reduction over \['k'\] "
                                                "must be the whole body"):
        te.compute((4,), lambda i: te.sum(A[i, k], axis=k) * 2.0, name="B")


def test_mismatched_dtypes_name_the_tensors():
    A = te.placeholder((4,), "float32", name="A")
    flag = te.placeholder((4,), "bool", name="flag")
    with pytest.raises(te.TEDTypeError, match="te.compute 'B': cannot combine an operand "
                                              "reading 'A' of dtype float32 with an operand "
                                              "reading 'flag' of dtype bool"):
        te.compute((4,), lambda i: A[i] + flag[i], name="B")


def test_tensor_intrin_checks_its_inputs_and_buffers():
    A = te.placeholder((4,), "int8", name="A")
    B = te.compute((4,), lambda i: A[i] + 1, name="B")
    C = te.compute((4,), lambda i: B[i] * 2, name="C")
    with pytest.raises(te.TensorIntrinError, match="input 'B' must be a te.placeholder"):
        te.decl_tensor_intrin(C.op, lambda ins, outs: None, name="bad")
    wrong = tvm.tir.decl_buffer((4,), "int32", "wrong")
    with pytest.raises(te.TensorIntrinError, match="the buffer bound to tensor 'A' is 1-d "
                                                   "int32, the tensor is 1-d int8"):
        te.decl_tensor_intrin(B.op, lambda ins, outs: None, binds={A: wrong})
    intrin = te.decl_tensor_intrin(
        B.op, lambda ins, outs: tvm.tir.call_extern("int32", "add_one", outs[0].data),
        name="add_one")
    assert isinstance(intrin.body, tvm.tir.Evaluate)
    assert intrin.reduce_init is None and intrin.reduce_update is None
    assert [b.name for b in intrin.buffers] == ["A", "B"]
