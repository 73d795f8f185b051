"""InjectVirtualThread on hand-built flat IR (spec vta.md §5.9, tvmscript.md §4.5)."""
import pytest

from minitvm.tir import expr as E
from minitvm.tir import stmt as S
from minitvm.tir.buffer import decl_buffer
from minitvm.transform import PassOrderError
from minitvm.transform.inject_virtual_thread import (VirtualThreadError,
                                                     inject_virtual_thread, touched_vars)
from minitvm.transform.pass_infra import FLATTENED

from irbuild import collect, evaluate, func, i32, loop, param, var

E_TILE = 12           # per-thread elements of the accumulator


def vthread(name, tag, extent, body):
    t = var(name)
    iv = E.IterVar(E.Range(i32(0), i32(extent)), t, 1, tag)
    return t, (lambda b: S.AttrStmt(iv, "virtual_thread", i32(extent), b))(body(t))


def accumulate_program(tag="cthread", nthreads=2):
    """Each thread t fills its own tile acc[i] = W[t*12 + i], then copies it to Out."""
    w, out = param("W", (nthreads * E_TILE,), "int32"), param("Out", (nthreads * E_TILE,), "int32")
    acc = decl_buffer((E_TILE,), "int32", "acc")
    i, i2 = var("i"), var("i2")

    def body(t):
        fill = loop(i, E_TILE, S.BufferStore(acc, E.BufferLoad(w[1], (t * E_TILE + i,)), (i,)))
        copy = loop(i2, E_TILE, S.BufferStore(out[1], E.BufferLoad(acc, (i2,)),
                                              (t * E_TILE + i2,)))
        return S.Allocate(acc.data, "int32", (i32(E_TILE),), E.IntImm("bool", 1),
                          S.seq(fill, copy))
    t, stmt = vthread("cthread", tag, nthreads, body)
    f = func([w, out], stmt, phases=[FLATTENED])
    return f, t, acc, (i, i2), (w, out)


def test_cthread_replicates_the_allocation_and_unrolls_each_store():
    f, t, acc, (i, i2), (w, out) = accumulate_program()
    g = inject_virtual_thread(f)
    assert not [a for a in collect(g.body, S.AttrStmt) if a.attr_key == "virtual_thread"]
    [alloc] = collect(g.body, S.Allocate)
    assert alloc.extents[0].value == 2 * E_TILE
    fill, copy = alloc.body.seq                       # the loops stay, their bodies double
    s0, s1 = fill.body.seq
    for k, store in enumerate((s0, s1)):
        for vi in range(E_TILE):
            assert evaluate(store.indices[0], {i: vi}) == vi + k * E_TILE
            assert evaluate(store.value.indices[0], {i: vi}) == k * E_TILE + vi
    c0, c1 = copy.body.seq
    for k, store in enumerate((c0, c1)):
        assert store.buffer.data is out[1].data       # a parameter is not replicated
        assert evaluate(store.value.indices[0], {i2: 3}) == 3 + k * E_TILE
    assert not collect(g.body, S.For)[0].loop_var.name.endswith(".s")


def test_replicated_view_shape_reproduces_tvm_accident():
    # tvmscript.md §4.5: the view's length is multiplied by the per-thread extent, not by
    # the number of threads (listing 2: 12544 * 12544 = 157351936).
    f, t, acc, _, _ = accumulate_program()
    g = inject_virtual_thread(f)
    views = {s.buffer for s in collect(g.body, S.BufferStore) if s.buffer.data is acc.data}
    assert len(views) == 1
    [view] = views
    assert view.shape[0].value == E_TILE * E_TILE


def test_statement_containing_a_loop_gets_a_thread_loop():
    # A coproc_scope attribute is always replicated under cthread; it holds a loop, so it
    # cannot be unrolled: it is wrapped in `for cthread.s in range(2)`.
    out = param("Out", (8,), "int32")
    i = var("i")

    def body(t):
        work = loop(i, 4, S.BufferStore(out[1], i32(1), (t * 4 + i,)))
        return S.AttrStmt(E.StringImm("vta"), "coproc_scope", i32(2), work)
    t, stmt = vthread("cthread", "cthread", 2, body)
    g = inject_virtual_thread(func([out], stmt, phases=[FLATTENED]))
    assert isinstance(g.body, S.For) and g.body.loop_var.name == "cthread.s"
    assert g.body.extent.value == 2
    [store] = collect(g.body, S.BufferStore)
    env = {g.body.loop_var: 1, i: 2}
    assert evaluate(store.indices[0], env) == 6


def test_statements_without_loops_are_unrolled_thread_by_thread():
    out = param("Out", (2,), "int32")

    def body(t):
        return S.AttrStmt(E.StringImm("vta"), "coproc_scope", i32(1),
                          S.BufferStore(out[1], t + 10, (t,)))
    t, stmt = vthread("cthread", "cthread", 2, body)
    g = inject_virtual_thread(func([out], stmt, phases=[FLATTENED]))
    first, second = g.body.seq
    assert evaluate(first.body.indices[0], {}) == 0 and evaluate(first.body.value, {}) == 10
    assert evaluate(second.body.indices[0], {}) == 1 and evaluate(second.body.value, {}) == 11


def test_sixteen_threads_or_more_use_a_loop_even_without_inner_loops():
    out = param("Out", (16,), "int32")
    t, stmt = vthread("vt", "cthread", 16, lambda t: S.BufferStore(out[1], t, (t,)))
    g = inject_virtual_thread(func([out], stmt, phases=[FLATTENED]))
    assert isinstance(g.body, S.For) and g.body.extent.value == 16


def test_vthread_shares_memory_that_no_thread_writes_differently():
    # vthread (allow sharing): acc is written the same way by every thread -> one copy;
    # only the store to Out depends on the thread.
    out = param("Out", (8,), "int32")
    acc = decl_buffer((4,), "int32", "acc")
    i, i2 = var("i"), var("i2")

    def body(t):
        fill = loop(i, 4, S.BufferStore(acc, i, (i,)))
        use = loop(i2, 4, S.BufferStore(out[1], E.BufferLoad(acc, (i2,)), (t * 4 + i2,)))
        return S.Allocate(acc.data, "int32", (i32(4),), E.IntImm("bool", 1), S.seq(fill, use))
    t, stmt = vthread("vt", "vthread", 2, body)
    g = inject_virtual_thread(func([out], stmt, phases=[FLATTENED]))
    [alloc] = collect(g.body, S.Allocate)
    assert alloc.extents[0].value == 4
    fill, use = alloc.body.seq
    assert isinstance(fill.body, S.BufferStore)        # not replicated
    assert len(use.body.seq) == 2                      # replicated


def test_touched_analysis_follows_data_through_buffers():
    f, t, acc, _, _ = accumulate_program()
    touched = touched_vars(f.body.body, t)
    assert acc.data in touched            # acc holds thread-dependent data


def test_needs_flattened_buffers():
    f, *_ = accumulate_program()
    from dataclasses import replace
    with pytest.raises(PassOrderError, match="tir.InjectVirtualThread needs tir.StorageFlatten"):
        inject_virtual_thread(replace(f, phases=()))


def test_direct_use_of_a_replicated_address_is_refused():
    acc = decl_buffer((4,), "int32", "acc")

    def body(t):
        use = S.Evaluate(E.Call("int32", "tir.call_extern", (E.StringImm("f"), acc.data, t)))
        return S.Allocate(acc.data, "int32", (i32(4),), E.IntImm("bool", 1), use)
    _, stmt = vthread("cthread", "cthread", 2, body)
    with pytest.raises(VirtualThreadError, match="address of acc is used directly"):
        inject_virtual_thread(func([], stmt, phases=[FLATTENED]))
