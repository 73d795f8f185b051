"""StorageRewrite on hand-built flat IR (tvmscript.md §4.4, vta.md §5.8)."""
import pytest

from minitvm.tir import expr as E
from minitvm.tir import stmt as S
from minitvm.tir.buffer import decl_buffer
from minitvm.transform import MemoryInfo, PassOrderError, register_memory_info
from minitvm.transform.pass_infra import FLATTENED
from minitvm.transform.storage_rewrite import StorageRewriteError, storage_rewrite

from irbuild import collect, evaluate, func, i32, loop, param, var

N = 64


def alloc(buffer, body):
    return S.Allocate(buffer.data, buffer.dtype, buffer.shape, E.IntImm("bool", 1), body)


def flat(name, dtype="int32", n=N, scope="global"):
    return decl_buffer((n,), dtype, name, scope=scope)


def elementwise(dst, fn, *srcs):
    i = var("i")
    return loop(i, dst.shape[0].value, S.BufferStore(
        dst, fn(*(E.BufferLoad(s, (i,)) for s in srcs)), (i,)))


def conv_chain():
    """Listing 1's tail: res_conv accumulates, then shr/max/min are element-wise on it."""
    a, out = param("A", (N,), "int32"), param("Out", (N,), "int8")
    conv, shr, mx, mn = (flat(n) for n in ("res_conv", "res_shr", "res_max", "res_min"))
    shift = lambda c: E.Call("int32", "tir.shift_right", (c, i32(8)))  # noqa: E731
    tail = alloc(mn, S.seq(elementwise(mn, lambda m: E.Min(m, i32(127)), mx),
                           elementwise(out[1], lambda m: E.Cast("int8", m), mn)))
    tail = alloc(mx, S.seq(elementwise(mx, lambda v: E.Max(v, i32(0)), shr), tail))
    tail = alloc(shr, S.seq(elementwise(shr, shift, conv), tail))
    body = alloc(conv, S.seq(elementwise(conv, lambda c, x: c + x, conv, a[1]), tail))
    return func([a, out], body, phases=[FLATTENED]), (conv, shr, mx, mn), out


def test_elementwise_chain_is_placed_in_place_on_one_allocation():
    f, (conv, shr, mx, mn), out = conv_chain()
    g = storage_rewrite(f)
    [allocation] = collect(g.body, S.Allocate)
    assert allocation is g.body                          # attached at the root
    assert allocation.buffer_var is conv.data and allocation.extents[0].value == N
    chain = [s.buffer for s in collect(g.body, S.BufferStore) if s.buffer.data is not out[1].data]
    assert len(chain) == 4
    assert all(b.data is conv.data and b.name == "res_conv" for b in chain)
    assert len(set(chain)) == 4                          # rebuilt, one per original buffer
    assert [b.shape[0].value for b in chain] == [N] * 4  # shapes copied unchanged


def test_reading_another_element_prevents_in_place():
    a = param("A", (N,), "int32")
    x, y = flat("x"), flat("y")
    i = var("i")
    shifted = loop(i, N - 1, S.BufferStore(y, E.BufferLoad(x, (i + 1,)), (i,)))
    body = alloc(x, S.seq(elementwise(x, lambda v: v, a[1]),
                          alloc(y, S.seq(shifted, elementwise(a[1], lambda v: v, y)))))
    g = storage_rewrite(func([a], body, phases=[FLATTENED]))
    assert {al.buffer_var for al in collect(g.body, S.Allocate)} == {x.data, y.data}


def test_dead_storage_is_reused_by_a_later_allocation_of_similar_size():
    a = param("A", (N,), "int32")
    x, y = flat("x"), flat("y", n=N // 2)
    body = S.seq(alloc(x, S.seq(elementwise(x, lambda v: v, a[1]),
                                elementwise(a[1], lambda v: v + 1, x))),
                 alloc(y, S.seq(elementwise(y, lambda v: v, a[1]),
                                elementwise(a[1], lambda v: v * 2, y))))
    g = storage_rewrite(func([a], body, phases=[FLATTENED]))
    [allocation] = collect(g.body, S.Allocate)
    assert allocation.buffer_var is x.data and allocation.extents[0].value == N
    y_stores = [s for s in collect(g.body, S.BufferStore) if s.value.dtype == "int32"
                and s.buffer.data is x.data]
    assert len(y_stores) == 2 and {s.buffer.name for s in y_stores} == {"x"}


def test_allocations_attach_at_the_root_in_first_touch_order():
    a = param("A", (N,), "int32")
    outer, inner = flat("outer"), flat("inner", dtype="int8")
    j = var("j")
    # `inner` is declared inside but touched first
    body = loop(j, 2, alloc(outer, alloc(inner, S.seq(
        elementwise(inner, lambda v: E.Cast("int8", v), a[1]),
        elementwise(outer, lambda v: E.Cast("int32", v), inner),
        elementwise(a[1], lambda v: v, outer)))))
    g = storage_rewrite(func([a], body, phases=[FLATTENED]))
    first, second = collect(g.body, S.Allocate)[::-1]     # post-order: innermost first
    assert g.body is first
    assert first.buffer_var is inner.data and second.buffer_var is outer.data
    assert isinstance(second.body, S.For)


def test_untouched_allocation_disappears():
    a = param("A", (N,), "int32")
    unused = flat("unused")
    g = storage_rewrite(func([a], alloc(unused, elementwise(a[1], lambda v: v + 1, a[1])),
                             phases=[FLATTENED]))
    assert not collect(g.body, S.Allocate)


def test_tagged_scope_allocations_are_packed_at_aligned_offsets():
    register_memory_info("local.test_acc", MemoryInfo(32, 512, 32 * 1024))
    a = param("A", (N,), "int32")
    p, q = flat("p", n=10, scope="local.test_acc"), flat("q", n=4, scope="local.test_acc")
    body = alloc(p, alloc(q, S.seq(elementwise(p, lambda v: v, a[1]),
                                   elementwise(q, lambda v: v, a[1]),
                                   elementwise(a[1], lambda x, y: x + y, p, q))))
    g = storage_rewrite(func([a], body, phases=[FLATTENED]))
    [allocation] = collect(g.body, S.Allocate)
    # p: 10 * 32 = 320 bits, rounded to 512; q follows at 512 bits = element 16
    assert allocation.buffer_var is p.data
    assert allocation.extents[0].value == (512 + 4 * 32 + 511) // 512 * 512 // 32
    [q_loop] = [f for f in collect(g.body, S.For)
                if isinstance(f.body, S.BufferStore) and f.body.buffer.shape[0].value == 4]
    assert q_loop.body.buffer.data is p.data
    assert evaluate(q_loop.body.indices[0], {q_loop.loop_var: 3}) == 16 + 3


def test_tagged_scope_over_capacity_is_refused():
    register_memory_info("local.test_small", MemoryInfo(32, 32, 64 * 32))
    a = param("A", (N,), "int32")
    p, q = flat("p", n=40, scope="local.test_small"), flat("q", n=40, scope="local.test_small")
    body = alloc(p, alloc(q, S.seq(elementwise(p, lambda v: v, a[1]),
                                   elementwise(q, lambda v: v, a[1]),
                                   elementwise(a[1], lambda x, y: x + y, p, q))))
    with pytest.raises(StorageRewriteError, match="need 2560 bits of 'local.test_small'"):
        storage_rewrite(func([a], body, phases=[FLATTENED]))


def test_needs_flattened_buffers():
    f, _, _ = conv_chain()
    from dataclasses import replace
    with pytest.raises(PassOrderError, match="tir.StorageRewrite needs tir.StorageFlatten"):
        storage_rewrite(replace(f, phases=()))


def cross_dtype_program():
    """An int8 array dies; a later, smaller int32 array could take its storage."""
    a = param("A", (N,), "int32")
    big, small = flat("big", dtype="int8", n=4 * N), flat("small", n=N // 2)
    i = var("i")
    fill = loop(i, 4 * N, S.BufferStore(big, E.IntImm("int8", 1), (i,)))
    use_big = S.BufferStore(a[1], E.Cast("int32", E.BufferLoad(big, (i32(0),))), (i32(0),))
    body = S.seq(alloc(big, S.seq(fill, use_big)),
                 alloc(small, S.seq(elementwise(small, lambda v: v, a[1]),
                                    elementwise(a[1], lambda v: v, small))))
    return func([a], body, phases=[FLATTENED]), big, small


def test_a_larger_freed_entry_of_another_type_is_reused_as_tvm_does():
    f, big, small = cross_dtype_program()
    g = storage_rewrite(f)
    [allocation] = collect(g.body, S.Allocate)
    assert allocation.buffer_var is big.data
    assert {s.buffer.dtype for s in collect(g.body, S.BufferStore)
            if s.buffer.data is big.data} == {"int8", "int32"}


def test_exact_dtype_config_keeps_types_apart():
    from minitvm.transform import PassContext
    f, big, small = cross_dtype_program()
    with PassContext(config={"tir.reuse_require_exact_matched_dtype": True}):
        g = storage_rewrite(f)
    assert {a.buffer_var for a in collect(g.body, S.Allocate)} == {big.data, small.data}


def tile_in_loop(extent_of, outer_extent=5, outer=None):
    """`for o: allocate t[extent_of(o)]; t[k] = A[o + k]; A[o] = t[0]` (a stage attached
    inside a loop, sized by the rows that iteration reads)."""
    a = param("A", (N,), "int32")
    o, k = outer if outer is not None else var("o"), var("k")
    size = extent_of(o)
    t = decl_buffer((size,), "int32", "t")
    fill = S.For(k, i32(0), size, S.ForKind.SERIAL,
                 S.BufferStore(t, E.BufferLoad(a[1], (o + k,)), (k,)))
    use = S.BufferStore(a[1], E.BufferLoad(t, (i32(0),)), (o,))
    body = S.For(o, i32(0), outer_extent if isinstance(outer_extent, E.PrimExpr)
                 else i32(outer_extent), S.ForKind.SERIAL,
                 S.Allocate(t.data, "int32", (size,), E.IntImm("bool", 1), S.seq(fill, use)))
    return a, o, t, body


def uses(node, v):
    return any(n is v for n in collect(node, E.Var))


def test_hoisted_allocation_sized_by_its_loop_gets_the_constant_upper_bound():
    """Regression (fuse + split + compute_at): B's extent `(o*7 % 5 + 6)//5*5 + 5` used
    the loop var `o`; hoisting it to the root left `o` undefined and the build failed.
    TVM hoists it as well (apache/tvm#1139); the fix proposed there (#12084) is the
    constant upper bound over the loop, here 15."""
    extent = lambda o: (E.FloorMod(o * 7, i32(5)) + 6) // 5 * 5 + 5  # noqa: E731
    a, o, t, body = tile_in_loop(extent)
    g = storage_rewrite(func([a], body, phases=[FLATTENED]))
    [allocation] = collect(g.body, S.Allocate)
    assert allocation is g.body and allocation.buffer_var is t.data
    assert isinstance(allocation.extents[0], E.IntImm) and allocation.extents[0].value == 15
    assert max(evaluate(extent(o), {o: v}) for v in range(5)) <= 15


def test_hoisted_allocation_with_a_symbolic_loop_bound_is_bounded_symbolically():
    n = var("n")
    a, o, t, body = tile_in_loop(lambda o: o + 2, outer_extent=n)
    g = storage_rewrite(func([a], body, phases=[FLATTENED]))
    [allocation] = collect(g.body, S.Allocate)
    assert allocation is g.body and not uses(allocation.extents[0], o)
    for value in (1, 4, 9):
        assert evaluate(allocation.extents[0], {n: value}) >= value - 1 + 2


def test_allocation_sized_by_a_loaded_value_cannot_be_hoisted():
    a, o, t, body = tile_in_loop(lambda o: E.BufferLoad(decl_buffer((4,), "int32", "S"), (o,)))
    with pytest.raises(StorageRewriteError, match="allocation of t .* no upper bound"):
        storage_rewrite(func([a], body, phases=[FLATTENED]))


def test_allocation_at_a_parallel_loop_keeps_the_loop_var_in_scope():
    a = param("A", (N,), "int32")
    o, k, q = var("o"), var("k"), var("q")
    t = decl_buffer((o + 2,), "int32", "t")
    fill = S.For(k, i32(0), o + 2, S.ForKind.SERIAL,
                 S.BufferStore(t, E.BufferLoad(a[1], (o + k,)), (k,)))
    inner = S.For(q, i32(0), i32(3), S.ForKind.SERIAL, S.Allocate(
        t.data, "int32", (o + q + 2,), E.IntImm("bool", 1),
        S.seq(fill, S.BufferStore(a[1], E.BufferLoad(t, (i32(0),)), (o,)))))
    body = S.For(o, i32(0), i32(4), S.ForKind.PARALLEL, inner)
    g = storage_rewrite(func([a], body, phases=[FLATTENED]))
    [allocation] = collect(g.body, S.Allocate)
    assert g.body.kind == S.ForKind.PARALLEL and g.body.body is allocation
    # relaxed over q only: o + 2 + 2
    assert uses(allocation.extents[0], o) and not uses(allocation.extents[0], q)
    assert evaluate(allocation.extents[0], {o: 3}) == 7


def test_an_allocation_inside_nested_thread_scopes_attaches_inside_the_innermost():
    """VTA's conv2d with oc_nthread and h_nthread nests two virtual-thread scopes; a tile
    used inside both must be allocated inside both, so that InjectVirtualThread gives each
    (outer, inner) thread pair its own copy (attached at the outer one, the 2x2 threads
    shared two copies and computed wrong results)."""
    a = param("A", (N,), "int32")
    t = flat("t", n=4)

    def vthread(name, body):
        v = var(name)
        iv = E.IterVar(E.Range(i32(0), i32(2)), v, 1, "cthread")
        return S.AttrStmt(iv, "virtual_thread", i32(2), body(v))

    def tile(outer, inner):
        k = var("k")
        fill = loop(k, 4, S.BufferStore(t, E.BufferLoad(a[1], (outer * 8 + inner * 4 + k,)),
                                        (k,)))
        return alloc(t, S.seq(fill, S.BufferStore(a[1], E.BufferLoad(t, (i32(0),)),
                                                  (outer * 2 + inner,))))

    body = vthread("to", lambda outer: vthread("ti", lambda inner: tile(outer, inner)))
    g = storage_rewrite(func([a], body, phases=[FLATTENED]))
    [allocation] = collect(g.body, S.Allocate)
    outer_scope, inner_scope = (s for s in collect(g.body, S.AttrStmt)[::-1]
                                if s.attr_key == "virtual_thread")
    assert g.body is outer_scope and outer_scope.body is inner_scope
    assert inner_scope.body is allocation and allocation.buffer_var is t.data
