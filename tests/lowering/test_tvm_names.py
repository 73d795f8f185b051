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


def scale_split():
    m = te.var("m")
    A = te.placeholder((m,), name="A")
    B = te.compute((m,), lambda i: A[i] * 2, name="B")
    s = te.create_schedule(B.op)
    s[B].split(B.op.axis[0], factor=32)
    return s, A, B


def test_save_json_round_trips_a_lowered_module():
    s, A, B = scale_split()
    mod = tvm.lower(s, [A, B])
    again = tvm.ir.load_json(tvm.ir.save_json(mod))
    assert str(again) == str(mod)


def test_te_schedule_names_of_tvms_tests():
    s, A, B = scale_split()
    s = s.normalize()
    bounds = tvm.te.schedule.InferBound(s)
    assert isinstance(bounds, Map)
    outer = s[B].leaf_iter_vars[0]
    tvm.testing.assert_prim_expr_equal(bounds[outer].extent, (A.shape[0] + 31) // 32)
    assert isinstance(tvm.te.schedule.ScheduleOps(s, bounds), tvm.tir.Stmt)
    graph = tvm.te.schedule.CreateReadGraph([B.op])
    assert list(graph[B.op]) == [A]
    assert list(tvm.te.schedule.PostDFSOrder([B.op], graph)) == [A.op, B.op]


@pytest.mark.parametrize("error", [
    "minitvm.schedule.errors.ScheduleError", "minitvm.schedule.errors.TensorizeError",
    "minitvm.transform.storage_flatten.FlattenError", "minitvm.transform.buffer_bind.BindError",
    "minitvm.transform.storage_rewrite.StorageRewriteError",
    "minitvm.transform.unroll_loop.UnrollError",
    "minitvm.transform.inject_virtual_thread.VirtualThreadError",
    "minitvm.codegen.context.HostCodegenError",
    "minitvm.transform.inject_double_buffer.DoubleBufferError",
    "minitvm.transform.storage_liveness.AccessPatternError"])
def test_schedule_and_lowering_errors_are_tvm_errors(error):
    """As in TVM, a RuntimeError (tvm.error.TVMError); still a ValueError, as before."""
    import importlib
    module, name = error.rsplit(".", 1)
    cls = getattr(importlib.import_module(module), name)
    assert issubclass(cls, tvm.error.TVMError) and issubclass(cls, RuntimeError)
    assert issubclass(cls, ValueError)


def test_an_unknown_dtype_is_a_tvm_error_naming_it():
    with pytest.raises(tvm.error.TVMError, match="unknown dtype 'foo'"):
        te.placeholder((4,), dtype="foo", name="A")


def test_pass_order_error_is_a_tvm_error():
    from minitvm.transform.pass_infra import PassOrderError
    assert issubclass(PassOrderError, tvm.error.TVMError)


def test_an_illegal_schedule_is_caught_as_a_tvm_error():
    A = te.placeholder((8,), name="A")
    B = te.compute((8,), lambda i: A[i] + 1, name="B")
    s = te.create_schedule(B.op)
    with pytest.raises(tvm.error.TVMError, match="split on stage 'B'"):
        s[B].split(B.op.axis[0], factor=0)
