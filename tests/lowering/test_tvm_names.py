"""Names minitvm offers at TVM's paths: te.size_var, te.floordiv/floormod,
tir.indexdiv/indexmod/truncdiv/truncmod, tir.stmt_functor, runtime.convert's Array and Map,
and the tvm.testing helpers TVM's TE tests use."""
import pytest

import minitvm as tvm
import minitvm.testing
from minitvm import te
from minitvm.ir.container import Array, Map
from minitvm.tir import expr as E


def test_size_var_is_a_size_variable_usable_as_a_dimension():
    n = te.size_var("n")
    assert isinstance(n, E.SizeVar) and n.name == "n" and n.dtype == "int32"
    A = te.placeholder((n,), name="A")
    B = te.compute((n,), lambda i: A[i] + 1, name="B")
    func = tvm.lower(te.create_schedule(B.op), [A, B])["main"]
    assert all(b.buffer_type == "auto_broadcast" for b in func.buffer_map.values())


@pytest.mark.parametrize("a, b", [(7, 2), (-7, 2), (7, -2), (-7, -2)])
def test_index_division_rounds_as_tvm(a, b):
    """indexdiv/indexmod (and te.floordiv/floormod) round toward minus infinity,
    truncdiv/truncmod toward zero (C's rule), on constants as on expressions."""
    tir = tvm.tir
    assert tir.indexdiv(a, b).value == te.floordiv(a, b).value == a // b
    assert tir.indexmod(a, b).value == te.floormod(a, b).value == a % b
    assert tir.truncdiv(a, b).value == int(a / b)
    assert tir.truncmod(a, b).value == a - int(a / b) * b


def test_stmt_functor_path():
    from minitvm.tir import stmt_functor
    i = E.Var("i")
    seen = []
    stmt_functor.post_order_visit(i + 1, seen.append)
    assert seen[0] is i
    tvm.testing.assert_prim_expr_equal(stmt_functor.substitute(i + 1, {i: E.IntImm("int32", 2)}),
                                       3)


def test_convert_gives_array_and_map():
    arr = tvm.runtime.convert([1, 2])
    assert isinstance(arr, Array) and repr(arr) == "[1, 2]"
    mapping = tvm.runtime.convert({"a": 1})
    assert isinstance(mapping, Map) and mapping["a"].value == 1
    with pytest.raises(TypeError, match="immutable"):
        mapping["b"] = 2


def test_assert_prim_expr_equal_simplifies_before_comparing():
    i = E.Var("i")
    tvm.testing.assert_prim_expr_equal(i * 2 + i, i * 3)
    with pytest.raises(AssertionError, match="difference simplifies to"):
        tvm.testing.assert_prim_expr_equal(i * 2, i * 3)


def test_gpu_helpers_say_there_is_no_gpu():
    assert tvm.testing.device_enabled("llvm") and not tvm.testing.device_enabled("cuda")

    @tvm.testing.uses_gpu
    def test():
        return "ran"
    assert test() == "ran"
