"""LiftAllocToScopeBegin: stage allocations nested by ScheduleOps move to the top of the
enclosing loop body, keeping their order (spec vta.md 5.6)."""
from minitvm.tir import stmt as S
from vta_backend.transform import lift_alloc_to_scope_begin

from vtair import alloc, extern_stmt, flat, func, loop, var


def test_stage_allocations_gather_at_the_loop_start():
    acc = "local.acc_buffer"
    conv, shr, mx = (flat(n, "int32", 16, acc) for n in ("res_conv", "res_shr", "res_max"))
    tile = alloc(conv, S.seq(extern_stmt("conv"),
                             alloc(shr, S.seq(extern_stmt("shr"),
                                              alloc(mx, S.seq(extern_stmt("max"),
                                                              extern_stmt("store")))))))
    out = lift_alloc_to_scope_begin(func(loop(var("i2_outer"), 2, tile))).body
    allocs, body = [], out.body
    while isinstance(body, S.Allocate):
        allocs.append(body.buffer_var.name)
        body = body.body
    assert allocs == ["res_conv", "res_shr", "res_max"]
    assert [s.value.args[0].value for s in body.seq] == ["conv", "shr", "max", "store"]


def test_allocation_outside_loops_goes_to_the_function_top():
    buf = flat("A_buf", "int32", 16, "local.acc_buffer")
    body = S.seq(extern_stmt("first"), alloc(buf, extern_stmt("use")))
    out = lift_alloc_to_scope_begin(func(body)).body
    assert isinstance(out, S.Allocate) and len(out.body.seq) == 2
