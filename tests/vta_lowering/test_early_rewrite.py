"""EarlyRewrite: in-place ALU stages share their input's accumulator tile, tiles of one
SRAM are packed from element 0, and a tile that does not fit is refused (spec vta.md 5.8)."""
import pytest

from minitvm.tir import expr as E
from minitvm.tir import op
from minitvm.tir import stmt as S
from minitvm.transform.storage_rewrite import StorageRewriteError
from vta_backend.build_module import register_memory_scopes
from vta_backend.environment import get_env
from vta_backend.transform import early_rewrite
from vta_backend.transform.common import access_ptr, coproc_scope, uop_push

from vtair import alloc, collect, flat, func, i32, load, nest, pragma, same_values, store, var

ENV = get_env()
register_memory_scopes(ENV)


def alu(dst, src, make_value):
    i, j = var("i"), var("j")
    return pragma("alu", nest([(i, 784), (j, 16)],
                              store(dst, i * 16 + j, make_value(load(src, i * 16 + j)))))


def conv_tile(elems):
    """res_conv written by GEMM, then res_shr = res_conv >> 8, res_max = max(res_shr, 0),
    then stored: `elems` accumulator elements per tile."""
    names = ("res_conv", "res_shr", "res_max")
    conv, shr, mx = (flat(n, "int32", elems * 16, ENV.acc_scope) for n in names)
    gemm = coproc_scope(2, uop_push(0, 0, access_ptr(conv.data, "int32", 0, 16, "rw"), 0, 0, 0,
                                    0, 0))
    body = S.seq(gemm, coproc_scope(2, alu(shr, conv, lambda x: op.shift_right(x, 8))),
                 coproc_scope(2, alu(mx, shr, lambda x: op.max(x, 0))),
                 coproc_scope(3, S.Evaluate(access_ptr(mx.data, "int32", 0, 16))))
    return alloc(conv, alloc(shr, alloc(mx, body)))


def test_alu_stages_run_in_place_on_the_gemm_tile():
    out = early_rewrite(func(conv_tile(784))).body
    allocs = collect(out, S.Allocate)
    assert [a.buffer_var.name for a in allocs] == ["res_conv"]
    stores = collect(out, S.BufferStore)
    assert {s.buffer.data.name for s in stores} == {"res_conv"}


def test_tile_too_large_for_the_accumulator_names_buffers_and_capacity():
    """3000 elements of 512 bits ask 1536000 bits; the accumulator holds 2048 elements."""
    with pytest.raises(StorageRewriteError, match=r"res_conv.*1536000 bits of "
                                                  r"'local.acc_buffer', which holds only 1048576"):
        early_rewrite(func(conv_tile(3000)))


def test_input_tiles_live_together_are_packed_one_after_the_other():
    """a_buf (2 elements) at element 0, b_buf right after it at int8 index 32."""
    a, b = flat("a_buf", "int8", 32, ENV.inp_scope), flat("b_buf", "int8", 48, ENV.inp_scope)
    both = S.Evaluate(uop_push(0, 0, 0, access_ptr(a.data, "int8", 0, 32),
                               access_ptr(b.data, "int8", 0, 48), 0, 0, 0).value)
    out = early_rewrite(func(alloc(a, alloc(b, coproc_scope(2, S.seq(both, both)))))).body
    (merged,) = collect(out, S.Allocate)
    assert merged.extents[0].value == 80
    push = collect(out, S.Evaluate)[0].value
    a_ptr, b_ptr = push.args[3], push.args[4]
    assert a_ptr.args[1] is merged.buffer_var and b_ptr.args[1] is merged.buffer_var
    assert same_values(a_ptr.args[2], lambda: 0, {}) and same_values(b_ptr.args[2], lambda: 32, {})


def test_tiles_inside_two_virtual_threads_stay_inside_both():
    """conv2d with oc_nthread and h_nthread: the tile must stay inside the inner thread
    scope, so that InjectVirtualThread gives each of the 2 x 2 threads its own copy."""
    def thread(name, body):
        iv = E.IterVar(None, var(name), E.IterVarType.THREAD_INDEX, "cthread")
        return S.AttrStmt(iv, "virtual_thread", i32(2), body)
    out = early_rewrite(func(thread("cthread", thread("cthread_1", conv_tile(784))))).body
    inner = out.body
    assert isinstance(out, S.AttrStmt) and isinstance(inner, S.AttrStmt)
    assert [a.buffer_var.name for a in collect(inner.body, S.Allocate)] == ["res_conv"]
    assert isinstance(inner.body, S.Allocate)
