"""Loops bound to GPU blocks and threads lower as TVM lowers them (thread launches, storage
scopes inferred from the threads around a stage); building them says that minitvm has no
GPU code generator."""
import pytest

import minitvm as tvm
from minitvm import te
from minitvm.target import TargetNotEnabledError
from minitvm.tir import stmt as S
from minitvm.tir.functor import post_order_visit
from minitvm.transform.verify_memory import MemoryVerificationError
from reference_text import tutorial_listings, without_global_symbol


def scale_on_gpu(n=None):
    n = n if n is not None else te.var("n")
    A = te.placeholder((n,), name="A")
    B = te.compute(A.shape, lambda i: A[i] * 2, name="B")
    s = te.create_schedule(B.op)
    bx, tx = s[B].split(B.op.axis[0], factor=64)
    s[B].bind(bx, te.thread_axis("blockIdx.x"))
    s[B].bind(tx, te.thread_axis("threadIdx.x"))
    return s, A, B


def attrs(func, key):
    """The `key` attributes of `func`, outermost first."""
    found = []
    post_order_visit(func.body, lambda n: found.append(n)
                     if isinstance(n, S.AttrStmt) and n.attr_key == key else None)
    return found[::-1]


def test_block_and_thread_launches_print_as_tvm():
    s, A, B = scale_on_gpu()
    text = without_global_symbol(str(tvm.lower(s, [A, B], simple_mode=True)))
    assert text.splitlines() == tutorial_listings("schedule_primitives")[6]


def test_one_launch_per_thread_with_the_loop_extent():
    s, A, B = scale_on_gpu(1000)
    launches = attrs(tvm.lower(s, [A, B])["main"], "thread_extent")
    assert [(a.node.thread_tag, a.value.value) for a in launches] == \
        [("blockIdx.x", 16), ("threadIdx.x", 64)]       # ceil(1000 / 64) = 16 blocks


def test_a_producer_launching_the_same_thread_inside_it_is_launched_once():
    """B is computed inside C's thread loop over the 32 elements a thread reads, and binds
    its own axis to the same thread: inside that launch it is the same thread index."""
    A = te.placeholder((256,), name="A")
    B = te.compute((256,), lambda i: A[i] + 1, name="B")
    k = te.reduce_axis((0, 32), name="k")
    C = te.compute((256,), lambda i: te.sum(B[i // 32 * 32 + k], axis=k), name="C")
    s = te.create_schedule(C.op)
    tx = te.thread_axis("threadIdx.x")
    co, ci = s[C].split(C.op.axis[0], factor=32)
    s[C].bind(ci, tx)
    s[B].compute_at(s[C], ci)
    s[B].bind(s[B].split(B.op.axis[0], factor=32)[1], tx)
    launches = attrs(tvm.lower(s, [A, C])["main"], "thread_extent")
    assert [(a.node.thread_tag, a.value.value) for a in launches] == [("threadIdx.x", 32)]


@pytest.mark.parametrize("tag, scope", [("threadIdx.x", "local"), ("blockIdx.x", "shared")])
def test_a_stage_inside_a_thread_gets_that_threads_memory(tag, scope):
    """TVM's default storage rank: under a thread, local; under a block only, shared."""
    A = te.placeholder((256,), name="A")
    B = te.compute((256,), lambda i: A[i] + 1, name="B")
    C = te.compute((256,), lambda i: B[i] * 2, name="C")
    s = te.create_schedule(C.op)
    outer, inner = s[C].split(C.op.axis[0], factor=32)
    s[C].bind(outer if tag.startswith("block") else inner, te.thread_axis(tag))
    s[B].compute_at(s[C], outer if tag.startswith("block") else inner)
    allocs = []
    post_order_visit(tvm.lower(s, [A, C])["main"].body,
                     lambda n: allocs.append(n) if isinstance(n, S.Allocate) else None)
    assert [a.buffer_var.type_annotation.storage_scope for a in allocs] == [scope]


def test_building_for_the_cpu_names_the_gpu_threads():
    s, A, B = scale_on_gpu()
    with pytest.raises(MemoryVerificationError, match=r"build for 'llvm'.*GPU threads "
                                                      r"\(blockIdx.x, threadIdx.x\).*no GPU"):
        tvm.build(s, [A, B])


def test_building_for_cuda_says_there_is_no_gpu_backend():
    s, A, B = scale_on_gpu()
    with pytest.raises(TargetNotEnabledError, match="no GPU backend"):
        tvm.build(s, [A, B], target="cuda")
    assert issubclass(TargetNotEnabledError, tvm.error.TVMError)


@pytest.mark.parametrize("tag, index", [
    ("threadIdx.x", "whose index starts at 0"),
    ("vthread", "whose index runs over \\[0, n\\) for a constant n > 0")])
def test_a_thread_bound_axis_that_does_not_start_at_0(tag, index):
    """B computed at C's outer loop computes rows [i_outer * 4, i_outer * 4 + 4): its
    axis starts at i_outer * 4, which no thread index can stand for."""
    from minitvm.schedule import ScheduleError
    A = te.placeholder((16,), name="A")
    B = te.compute(A.shape, lambda i: A[i] * 2, name="B")
    C = te.compute(A.shape, lambda i: B[i] + 1, name="C")
    s = te.create_schedule(C.op)
    outer, _ = s[C].split(C.op.axis[0], factor=4)
    s[B].compute_at(s[C], outer)
    s[B].bind(B.op.axis[0], te.thread_axis(tag))
    with pytest.raises(ScheduleError, match=rf"bind on stage 'B', axis 'i': the axis is bound "
                       rf"to (virtual )?thread '{tag}', {index}, but the stage, computed at "
                       rf".*, computes that axis over \[i_outer \* 4, i_outer \* 4 \+ 4\)"):
        tvm.lower(s, [A, C])
