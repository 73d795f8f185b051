"""LiftAttrScope for the two keys VTA lifts, on the shapes of the convolution's tile loop
(spec vta.md 5.6)."""
from minitvm.tir import expr as E
from minitvm.tir import stmt as S
from vta_backend.transform import lift_attr_scope
from vta_backend.transform.common import PUSH_GEMM, coproc_scope, extern, uop_scope

from vtair import alloc, flat, func, nest, var

lift_uop = lift_attr_scope("coproc_uop_scope")
lift_coproc = lift_attr_scope("coproc_scope")


def gemm_nest():
    co, i = var("co"), var("i")
    return nest([(co, 8), (i, 7)], coproc_scope(2, uop_scope(PUSH_GEMM, extern("gemm"))))


def test_tile_body_gets_one_load_scope_and_one_gemm_kernel():
    body = S.seq(coproc_scope(1, extern("load_data")), coproc_scope(1, extern("load_kernel")),
                 gemm_nest())
    out = lift_coproc(lift_uop(func(body))).body
    loads, gemm = out.seq
    assert loads.attr_key == "coproc_scope" and loads.value.value == 1
    assert [s.value.args[0].value for s in loads.body.seq] == ["load_data", "load_kernel"]
    assert gemm.attr_key == "coproc_scope" and gemm.value.value == 2
    kernel = gemm.body
    assert kernel.attr_key == "coproc_uop_scope" and isinstance(kernel.body, S.For)
    assert isinstance(kernel.body.body.body, S.Evaluate)       # both loops inside the kernel


def test_allocation_stops_the_lift():
    buf = flat("data_buf", "int8", 2304, "local.inp_buffer")
    out = lift_uop(func(alloc(buf, gemm_nest()))).body
    assert isinstance(out, S.Allocate) and out.body.attr_key == "coproc_uop_scope"


def test_alu_kernels_keep_separate_uop_scopes_but_share_the_queue_scope():
    alu = [coproc_scope(2, uop_scope(E.StringImm("VTAPushALUOp"), extern(n)))
           for n in ("shr", "max", "min")]
    out = lift_coproc(lift_uop(func(S.seq(*alu)))).body
    assert out.attr_key == "coproc_scope"
    assert [k.attr_key for k in out.body.seq] == ["coproc_uop_scope"] * 3


def test_branches_must_agree_to_lift():
    cond = var("c") < 1
    same = S.IfThenElse(cond, coproc_scope(1, extern("a")), coproc_scope(1, extern("b")))
    assert lift_coproc(func(same)).body.attr_key == "coproc_scope"
    differ = S.IfThenElse(cond, coproc_scope(1, extern("a")), coproc_scope(3, extern("b")))
    out = lift_coproc(func(differ)).body
    assert isinstance(out, S.IfThenElse) and out.then_case.value.value == 1
    assert out.else_case.value.value == 3
