"""`tvm.tir.vscale()`: an int32 expression of the target's scalable-vector multiple,
printed `T.vscale()`. A split by a multiple of it lowers as a split by any symbolic
factor (a bound check unless `disable_predication`); the host build, which has no
scalable vectors, refuses it with a TVMError naming the call."""
import pytest

import minitvm as tvm
from minitvm import te
from minitvm.driver.build_module import schedule_to_module
from minitvm.tir import stmt as S
from minitvm.tir.functor import post_order_visit


def test_vscale_is_an_int32_call_printed_as_tvm_prints_it():
    v = tvm.tir.vscale()
    assert v.dtype == "int32" and v.op.name == "tir.vscale"
    assert str(v) == "T.vscale()"
    assert str(4 * v) == "4 * T.vscale()"


def split_by_vscale(disable_predication):
    A = te.placeholder((43,), name="A")
    B = te.compute(A.shape, lambda i: A[i] + 2.0, name="B")
    s = te.create_schedule(B.op)
    s[B].split(B.op.axis[0], factor=4 * tvm.tir.vscale(),
               disable_predication=disable_predication)
    return s, [A, B]


@pytest.mark.parametrize("disable_predication", [True, False])
def test_split_by_a_vscale_multiple_is_guarded_unless_predication_is_disabled(
        disable_predication):
    s, args = split_by_vscale(disable_predication)
    guards = []
    post_order_visit(schedule_to_module(s, args)["main"].body,
                     lambda n: guards.append(n) if isinstance(n, S.IfThenElse) else None)
    # 43 is a multiple of no 4 * vscale the compiler can know
    assert len(guards) == (0 if disable_predication else 1)
    # the whole pipeline runs over the opaque call; the loops still count by it
    loops = []
    post_order_visit(tvm.lower(s, args)["main"].body,
                     lambda n: loops.append(n) if isinstance(n, S.For) else None)
    assert all("T.vscale()" in str(loop.extent) for loop in loops) and len(loops) == 2


def test_building_vscale_for_the_host_is_a_tvm_error():
    s, args = split_by_vscale(False)
    with pytest.raises(tvm.TVMError, match="tir.vscale"):
        tvm.build(s, args)
