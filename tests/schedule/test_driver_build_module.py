"""`tvm.driver.build_module` at TVM's path: `schedule_to_module` returns the module before
any lowering pass, `lower` of that module is `lower` of the schedule, and what it prints
is what TVM printed for the schedule-primitives tutorial's first listing."""
import pytest

import minitvm as tvm
from minitvm import te
from minitvm.driver.build_module import get_binds, schedule_to_module
from minitvm.tir import stmt as S
from minitvm.tir.functor import post_order_visit
from reference_text import tutorial_listings, without_global_symbol


def elementwise_product():
    m, n = te.var("m"), te.var("n")
    A = te.placeholder((m, n), name="A")
    B = te.placeholder((m, n), name="B")
    C = te.compute((m, n), lambda i, j: A[i, j] * B[i, j], name="C")
    return te.create_schedule(C.op), [A, B, C]


def node_types(func):
    seen = set()
    post_order_visit(func.body, lambda node: seen.add(type(node).__name__))
    return seen


def test_schedule_to_module_is_the_module_before_the_passes():
    s, args = elementwise_product()
    func = schedule_to_module(s, args, name="f")["f"]
    assert func.phases == ()
    # TE's realize of the output is still there: StorageFlatten has not run
    assert "BufferRealize" in node_types(func)
    assert "BufferRealize" not in node_types(tvm.lower(s, args)["main"])


def test_lower_of_schedule_to_module_prints_tvms_listing():
    s, args = elementwise_product()
    text = str(tvm.lower(schedule_to_module(s, args), simple_mode=True))
    assert without_global_symbol(text).splitlines() == tutorial_listings("schedule_primitives")[0]
    assert text == str(tvm.lower(s, args, simple_mode=True))


def test_driver_package_reexports_build_module():
    from minitvm.driver import build_module
    assert tvm.driver.lower is build_module.lower is tvm.lower
    assert tvm.driver.build is build_module.build is tvm.build


def test_get_binds_returns_binds_and_argument_buffers_as_tvm():
    s, (A, B, C) = elementwise_product()
    n = te.var("n")
    binds, arg_list = get_binds([A, B, C, n])
    assert set(binds) == {A, B, C}
    assert arg_list == [binds[A], binds[B], binds[C], n]
    assert [b.name for b in arg_list[:3]] == ["A", "B", "C"]


def test_schedule_to_module_without_args_is_refused():
    s, _ = elementwise_product()
    with pytest.raises(TypeError, match="argument tensors are missing"):
        schedule_to_module(s)
