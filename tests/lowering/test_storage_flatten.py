"""StorageFlatten on hand-built pre-flatten IR: what each access becomes, checked by value."""
import itertools

import pytest

from minitvm.tir import expr as E
from minitvm.tir import stmt as S
from minitvm.tir.buffer import decl_buffer
from minitvm.transform import PassOrderError, register_memory_info, MemoryInfo
from minitvm.transform.storage_flatten import FlattenError, storage_flatten

from irbuild import collect, evaluate, func, i32, loop, nest, param, realize, var


def tile_program():
    """B is realized per y-tile: B[y*4 + i, j] = A[y*4 + i, j] * 2, then Out = B + 1."""
    a, out = param("A", (8, 6)), param("Out", (8, 6))
    b = decl_buffer((8, 6), "int8", "B")
    y, i, j, i2, j2 = var("y"), var("i"), var("j"), var("i2"), var("j2")
    row, row2 = y * 4 + i, y * 4 + i2
    produce = nest([(i, 4), (j, 6)], S.BufferStore(
        b, E.BufferLoad(a[1], (row, j)) * E.IntImm("int8", 2), (row, j)))
    consume = nest([(i2, 4), (j2, 6)], S.BufferStore(
        out[1], E.BufferLoad(b, (row2, j2)) + E.IntImm("int8", 1), (row2, j2)))
    body = loop(y, 2, realize(b, [(y * 4, 4), (0, 6)], S.seq(produce, consume)))
    return func([a, out], body), (a, out, b), (y, i, j, i2, j2)


def test_realize_becomes_one_flat_allocation_of_the_realized_region():
    f, (a, out, b), _ = tile_program()
    g = storage_flatten(f)
    [alloc] = collect(g.body, S.Allocate)
    assert alloc.buffer_var is b.data                       # the stage keeps its data var
    assert [e.value for e in alloc.extents] == [4 * 6]      # the tile, not the tensor
    assert alloc.dtype == "int8"
    stores = collect(g.body, S.BufferStore)
    assert {s.buffer.data for s in stores} == {b.data, out[1].data}
    assert all(len(s.indices) == 1 and len(s.buffer.shape) == 1 for s in stores)


def test_indices_are_row_major_over_the_realized_bounds():
    f, (a, out, b), (y, i, j, i2, j2) = tile_program()
    g = storage_flatten(f)
    store_b, store_out = collect(g.body, S.BufferStore)
    load_a, load_b = (l for l in collect(g.body, E.BufferLoad))
    for vy, vi, vj in itertools.product(range(2), range(4), range(6)):
        env = {y: vy, i: vi, j: vj, i2: vi, j2: vj}
        assert evaluate(store_b.indices[0], env) == vi * 6 + vj          # tile-local
        assert evaluate(load_b.indices[0], env) == vi * 6 + vj
        assert evaluate(load_a.indices[0], env) == (vy * 4 + vi) * 6 + vj  # whole tensor
        assert evaluate(store_out.indices[0], env) == (vy * 4 + vi) * 6 + vj


def test_parameters_keep_their_nd_buffer_and_accesses_share_its_data_var():
    f, (a, out, b), _ = tile_program()
    g = storage_flatten(f)
    assert g.buffer_map[a[0]] is a[1] and len(a[1].shape) == 2
    load_a = collect(g.body, E.BufferLoad)[0]
    assert load_a.buffer is not a[1]
    assert load_a.buffer.data is a[1].data
    assert load_a.buffer.name == "A"
    assert [e.value for e in load_a.buffer.shape] == [48]


def test_one_flat_buffer_object_per_stage():
    f, (a, out, b), _ = tile_program()
    g = storage_flatten(f)
    store_b = collect(g.body, S.BufferStore)[0]
    load_b = collect(g.body, E.BufferLoad)[1]
    assert store_b.buffer is load_b.buffer


def test_flatten_records_its_phase_and_refuses_to_run_twice():
    f, _, _ = tile_program()
    g = storage_flatten(f)
    assert g.phases == ("tir.StorageFlatten",)
    with pytest.raises(PassOrderError, match="already run"):
        storage_flatten(g)


class _Op:
    def __init__(self, name):
        self.name = name
        self.num_outputs = 1


class _Tensor:
    """Just what StorageFlatten reads of a te.Tensor."""

    def __init__(self, name, shape, dtype):
        self.op, self.shape, self.dtype, self.value_index = _Op(name), shape, dtype, 0


def test_producer_form_with_realize_scope_attribute():
    t = _Tensor("acc", (4,), "int32")
    a = param("A", (4,), "int32")
    i = var("i")
    store = S.ProducerStore(t, E.BufferLoad(a[1], (i,)), (i,))
    body = S.AttrStmt(t, "realize_scope", E.StringImm("local.scratch"),
                      S.ProducerRealize(t, (E.Range(i32(0), i32(4)),), E.IntImm("bool", 1),
                                        loop(i, 4, store)))
    g = storage_flatten(func([a], body))
    [alloc] = collect(g.body, S.Allocate)
    assert alloc.buffer_var.name == "acc"
    assert alloc.buffer_var.type_annotation.storage_scope == "local.scratch"
    assert not collect(g.body, S.AttrStmt)                    # realize_scope is consumed
    [st] = collect(g.body, S.BufferStore)
    assert st.buffer.data is alloc.buffer_var and st.buffer.name == "acc"


def test_producer_form_parameters_resolve_through_binds():
    t = _Tensor("A", (4,), "int8")
    a = param("A", (4,))
    i = var("i")
    out = param("Out", (4,))
    body = loop(i, 4, S.BufferStore(out[1], E.ProducerLoad(t, (i,)), (i,)))
    g = storage_flatten(func([a, out], body), binds={t: a[1]})
    [load] = collect(g.body, E.BufferLoad)
    assert load.buffer.data is a[1].data
    with pytest.raises(FlattenError, match="neither realized here nor a parameter"):
        storage_flatten(func([a, out], body))


def test_wrong_number_of_indices_names_the_buffer():
    a, out = param("A", (4, 4)), param("Out", (4,))
    i = var("i")
    body = loop(i, 4, S.BufferStore(out[1], E.BufferLoad(a[1], (i,)), (i,)))
    with pytest.raises(FlattenError, match="load of A with 1 indices; it has 2 dimensions"):
        storage_flatten(func([a, out], body))


def test_buffer_in_a_registered_memory_aligns_to_its_widest_access():
    register_memory_info("local.wide_buffer", MemoryInfo(32, 512, 32 * 1024))
    b = decl_buffer((64,), "int32", "acc", scope="local.wide_buffer")
    i = var("i")
    body = realize(b, [(0, 64)], loop(i, 64, S.BufferStore(b, i32(0), (i,))))
    [store] = collect(storage_flatten(func([], body)).body, S.BufferStore)
    assert store.buffer.data_alignment == 512 // 32


def test_small_arrays_get_a_smaller_alignment():
    b = decl_buffer((4,), "int8", "tiny")
    i = var("i")
    body = realize(b, [(0, 4)], loop(i, 4, S.BufferStore(b, E.IntImm("int8", 0), (i,))))
    [store] = collect(storage_flatten(func([], body)).body, S.BufferStore)
    assert store.buffer.data_alignment == 4            # TVM: 64 halved while > 4 bytes


def test_allocation_larger_than_a_registered_memory_is_refused():
    register_memory_info("local.tiny_buffer", MemoryInfo(8, 64, 256))
    b = decl_buffer((64,), "int8", "big", scope="local.tiny_buffer")
    i = var("i")
    body = realize(b, [(0, 64)], loop(i, 64, S.BufferStore(b, E.IntImm("int8", 0), (i,))))
    with pytest.raises(FlattenError, match="big needs 64 x int8 = 512 bits in 'local.tiny_buffer'"):
        storage_flatten(func([], body))


# --- buffer_bind_scope (tensorize) ------------------------------------------------

def bind_program(inner_begin):
    """acc (2, 8, 16) int32 realized; an intrinsic buffer `out` (1, 16) with
    offset_factor 16 is bound to acc[k, j, inner_begin : inner_begin + 16]."""
    acc = decl_buffer((2, 8, 16), "int32", "acc")
    intrin = decl_buffer((1, 16), "int32", "out", offset_factor=16)
    k, j = var("k"), var("j")
    ptr = E.Call("handle", "tir.tvm_access_ptr",
                 (E.Call("int32", "tir.type_annotation", ()), intrin.data, intrin.elem_offset,
                  i32(16), i32(3)))
    call = S.Evaluate(E.Call("int32", "tir.call_extern", (E.StringImm("gemm"), ptr)))
    region = E.Call("handle", "tir.tvm_tuple",
                    (k, i32(1), j, i32(1), inner_begin, i32(16)))
    bind = S.AttrStmt((intrin, acc), "buffer_bind_scope", region, call)
    body = realize(acc, [(0, 2), (0, 8), (0, 16)], nest([(k, 2), (j, 8)], bind))
    return func([], body), acc, intrin, (k, j)


def test_bind_scope_turns_the_intrinsic_buffer_into_an_offset_into_the_target():
    f, acc, intrin, (k, j) = bind_program(i32(0))
    g = storage_flatten(f)
    [ptr] = [c for c in collect(g.body, E.Call) if c.op == "tir.tvm_access_ptr"]
    assert ptr.args[1] is acc.data
    for vk, vj in itertools.product(range(2), range(8)):
        assert evaluate(ptr.args[2], {k: vk, j: vj}) == vk * 128 + vj * 16
    assert not collect(g.body, S.AssertStmt)       # provably a multiple of 16
    assert not [a for a in collect(g.body, S.AttrStmt) if a.attr_key == "buffer_bind_scope"]


def test_bind_scope_offset_that_breaks_offset_factor_is_refused():
    acc = decl_buffer((32,), "int32", "acc")
    intrin = decl_buffer((16,), "int32", "out", offset_factor=16)
    region = E.Call("handle", "tir.tvm_tuple", (i32(8), i32(16)))
    body = realize(acc, [(0, 32)], S.AttrStmt((intrin, acc), "buffer_bind_scope", region,
                                              S.Evaluate(i32(0))))
    with pytest.raises(FlattenError, match="out must start on a multiple of 16 elements"):
        storage_flatten(func([], body))


def test_bind_scope_offset_unknown_until_run_time_gets_an_assert():
    f, acc, intrin, (k, j) = bind_program(var("x"))
    g = storage_flatten(f)
    [check] = collect(g.body, S.AssertStmt)
    assert "multiple of 16" in check.message.value


def test_bind_scope_shape_mismatch_is_refused():
    acc = decl_buffer((32,), "int32", "acc")
    intrin = decl_buffer((16,), "int32", "out")
    region = E.Call("handle", "tir.tvm_tuple", (i32(0), i32(8)))
    body = realize(acc, [(0, 32)], S.AttrStmt((intrin, acc), "buffer_bind_scope", region,
                                              S.Evaluate(i32(0))))
    with pytest.raises(FlattenError, match=r"out.shape\[0\] is 16, but the bound region has 8"):
        storage_flatten(func([], body))


def test_bind_scope_of_a_compact_buffer_to_a_strided_region_is_refused():
    acc = decl_buffer((4, 16), "int32", "acc")
    intrin = decl_buffer((2, 8), "int32", "out")
    region = E.Call("handle", "tir.tvm_tuple", (i32(0), i32(2), i32(0), i32(8)))
    body = realize(acc, [(0, 4), (0, 16)], S.AttrStmt((intrin, acc), "buffer_bind_scope",
                                                      region, S.Evaluate(i32(0))))
    with pytest.raises(FlattenError, match="compact buffer out to a strided region of acc"):
        storage_flatten(func([], body))
