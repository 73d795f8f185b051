"""A reduction loop bound to a GPU thread lowers to TVM's cross-thread form: each thread's
part, one `tvm_thread_allreduce` under a `reduce_scope`, and a store by thread 0 only."""
import pytest

import minitvm as tvm
from minitvm import te
from minitvm.tir import expr as E
from minitvm.tir import stmt as S
from minitvm.tir.functor import post_order_visit
from minitvm.transform.verify_memory import MemoryVerificationError


def row_sum():
    n, m = te.var("n"), te.var("m")
    A = te.placeholder((n, m), name="A")
    k = te.reduce_axis((0, m), "k")
    B = te.compute((n,), lambda i: te.sum(A[i, k], axis=k), name="B")
    return A, B


def nodes(func, cls):
    found = []
    post_order_visit(func.body, lambda n: found.append(n) if isinstance(n, cls) else None)
    return found


def rfactor_across_threads():
    """The reduction tutorial's schedule: rfactor, then B's reduction over 16 threads."""
    A, B = row_sum()
    s = te.create_schedule(B.op)
    ko, ki = s[B].split(B.op.reduce_axis[0], factor=16)
    BF = s.rfactor(B, ki)
    xo, xi = s[B].split(s[B].op.axis[0], factor=32)
    s[B].bind(xo, te.thread_axis("blockIdx.x"))
    s[B].bind(xi, te.thread_axis("threadIdx.y"))
    tx = te.thread_axis("threadIdx.x")
    s[B].bind(s[B].op.reduce_axis[0], tx)
    s[BF].compute_at(s[B], s[B].op.reduce_axis[0])
    s[B].set_store_predicate(tx.var.equal(0))
    return s, A, B, tx


def test_partial_sums_are_combined_by_one_allreduce():
    s, A, B, tx = rfactor_across_threads()
    func = tvm.lower(s, [A, B])["main"]
    calls = [c for c in nodes(func, E.Call) if c.op == "tir.tvm_thread_allreduce"]
    assert len(calls) == 1
    count, value, cond, result, thread = calls[0].args
    assert (count.dtype, count.value) == ("uint32", 1)
    assert isinstance(value, E.BufferLoad) and value.buffer.name == "B.rf"
    assert isinstance(result, E.BufferLoad) and result.buffer.name == "reduce_temp0"
    assert thread is tx.var
    scopes = [a for a in nodes(func, S.AttrStmt) if a.attr_key == "reduce_scope"]
    assert len(scopes) == 1 and isinstance(scopes[0].node, E.CommReducer)


def test_only_thread_zero_stores_and_b_is_not_initialized():
    s, A, B, tx = rfactor_across_threads()
    func = tvm.lower(s, [A, B])["main"]
    stores = [st for st in nodes(func, S.BufferStore) if st.buffer.name == "B"]
    assert len(stores) == 1 and isinstance(stores[0].value, E.BufferLoad)
    assert stores[0].value.buffer.name == "reduce_temp0"
    text = str(tvm.lower(s, [A, B]))
    assert "if threadIdx_x == 0:" in text
    assert 'T.attr(T.comm_reducer(lambda x, y: x + y, [T.float32(0)]), "reduce_scope", ' \
           'T.reinterpret("handle", T.uint64(0)))' in text


def test_unbound_reduction_loops_reduce_serially_first():
    """Without rfactor: k_outer stays a loop of each thread, summed into
    normal_reduce_temp0, which then goes into the allreduce."""
    A, B = row_sum()
    s = te.create_schedule(B.op)
    ko, ki = s[B].split(B.op.reduce_axis[0], factor=16)
    s[B].bind(ki, te.thread_axis("threadIdx.x"))
    func = tvm.lower(s, [A, B])["main"]
    call = next(c for c in nodes(func, E.Call) if c.op == "tir.tvm_thread_allreduce")
    assert call.args[1].buffer.name == "normal_reduce_temp0"
    assert any(loop.loop_var.name == "k.outer" for loop in nodes(func, S.For))


def test_a_cross_thread_reduction_is_not_built_for_the_cpu():
    s, A, B, tx = rfactor_across_threads()
    with pytest.raises(MemoryVerificationError, match="GPU threads"):
        tvm.build(s, [A, B])
