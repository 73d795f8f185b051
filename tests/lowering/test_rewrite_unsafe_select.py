"""RewriteUnsafeSelect: a Select reading memory in a branch becomes if_then_else; a Select
whose branches are pure arithmetic stays (TVM's rule)."""
import minitvm as tvm
from minitvm import te
from minitvm.tir import expr as E
from minitvm.transform.rewrite_unsafe_select import is_unsafe


def lowered(body):
    A = te.placeholder((8,), name="A")
    B = te.compute((8,), lambda i: body(A, i), name="B")
    return str(tvm.lower(te.create_schedule(B.op), [A, B], simple_mode=True))


def test_branch_loading_memory_becomes_if_then_else():
    text = lowered(lambda A, i: tvm.tir.Select(i > 2, A[i], A[0]))
    assert "T.if_then_else(2 < i, A_1[i], A_1[0])" in text and "Select" not in text


def test_pure_branches_stay_a_select():
    # the condition may read memory: both branches are still safe to evaluate
    text = lowered(lambda A, i: tvm.tir.Select(A[i] > 0, tvm.tir.const(1.0), tvm.tir.const(2.0)))
    assert "T.Select(" in text and "if_then_else" not in text


def test_unsafe_rules():
    x = E.Var("x", "float32")
    load = E.BufferLoad(tvm.tir.decl_buffer((4,), "float32", "A"), (E.IntImm("int32", 0),))
    assert is_unsafe(load) and is_unsafe(x + load)
    assert not is_unsafe(x * 2.0)
    assert is_unsafe(E.Call("float32", "my_extern", ()))
    # a nested select or if_then_else is as safe as its condition (TVM's rule)
    assert is_unsafe(E.Select(load > 0.0, x, x))
    assert not is_unsafe(E.Select(x > 0.0, load, load))
    assert not is_unsafe(tvm.tir.if_then_else(x > 0.0, load, load))
