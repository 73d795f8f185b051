"""InjectCoProcSync on the scope skeleton of the convolution (before virtual threads):
the tokens must be listing 3's, derived by hand from spec vta.md 5.7."""
import pytest

from minitvm.tir import expr as E
from minitvm.tir import stmt as S
from vta_backend.transform import inject_coproc_sync
from vta_backend.transform.common import PUSH_GEMM, VTA_AXIS, coproc_scope, extern, uop_scope
from vta_backend.transform.inject_coproc_sync import CoProcSyncError

from vtair import flat, func, i32, load, loop, store, var


def work(name):
    return extern(name)


def trace(stmt, out=None):
    """The statement tree as a flat list: scopes and loops open and close, calls by name."""
    out = [] if out is None else out
    if isinstance(stmt, S.SeqStmt):
        for s in stmt.seq:
            trace(s, out)
    elif isinstance(stmt, S.AttrStmt):
        label = {"coproc_scope": f"q{stmt.value.value}", "coproc_uop_scope": "uop",
                 "virtual_thread": "vthread"}[stmt.attr_key]
        out.append(label + "{")
        trace(stmt.body, out)
        out.append("}")
    elif isinstance(stmt, S.IfThenElse):
        out.append("if{")
        trace(stmt.then_case, out)
        out.append("}else{")
        trace(stmt.else_case, out)
        out.append("}")
    elif isinstance(stmt, S.For):
        out.append(f"for {stmt.loop_var.name}{{")
        trace(stmt.body, out)
        out.append("}")
    else:
        call = stmt.value
        if call.op == "tir.call_extern":
            out.append(call.args[0].value)
        else:
            args = ",".join(str(a.value) for a in call.args)
            out.append(f"{call.op.split('.')[-1]}({args})")
    return out


def conv_skeleton():
    cthread = E.IterVar(None, var("cthread"), E.IterVarType.THREAD_INDEX, "cthread")
    gemm = lambda name: coproc_scope(2, uop_scope(PUSH_GEMM, work(name)))  # noqa: E731
    alu = lambda name: uop_scope(E.StringImm("VTAPushALUOp"), work(name))  # noqa: E731
    tile = S.seq(
        gemm("reset"),
        loop(var("ic_outer"), 16, S.seq(coproc_scope(1, S.seq(work("load_data"),
                                                                work("load_kernel"))),
                                         gemm("gemm"))),
        coproc_scope(2, S.seq(alu("shr"), alu("max"), alu("min"))),
        coproc_scope(3, loop(var("i1_inner"), 8, work("store"))))
    return S.AttrStmt(cthread, "virtual_thread", i32(2), loop(var("i2_outer"), 2, tile))


def test_listing_3_tokens():
    body = inject_coproc_sync(func(conv_skeleton())).body
    assert trace(body) == [
        "vthread{", "coproc_dep_push(3,2)",
        "for i2_outer{",
        "q2{", "coproc_dep_pop(3,2)", "uop{", "reset", "}", "coproc_dep_push(2,1)", "}",
        "for ic_outer{",
        "q1{", "coproc_dep_pop(2,1)", "load_data", "load_kernel", "coproc_dep_push(1,2)", "}",
        "q2{", "coproc_dep_pop(1,2)", "uop{", "gemm", "}", "coproc_dep_push(2,1)", "}",
        "}",
        "coproc_dep_pop(2,1)",
        "q2{", "uop{", "shr", "}", "uop{", "max", "}", "uop{", "min", "}",
        "coproc_dep_push(2,3)", "}",
        "q3{", "coproc_dep_pop(2,3)", "for i1_inner{", "store", "}", "coproc_dep_push(3,2)", "}",
        "}",
        "coproc_dep_pop(3,2)", "}",
        "coproc_sync()"]


def test_every_token_is_popped():
    """Per queue pair, pushes equal pops along every iteration of the loops."""
    body = inject_coproc_sync(func(conv_skeleton())).body
    text = trace(body)
    for pair in ("(1,2)", "(2,1)", "(2,3)", "(3,2)"):
        assert text.count("coproc_dep_push" + pair) == text.count("coproc_dep_pop" + pair)


def test_scopes_on_one_queue_need_no_token():
    body = inject_coproc_sync(func(S.seq(coproc_scope(2, work("a")),
                                         coproc_scope(2, work("b"))))).body
    assert trace(body) == ["q2{", "a", "}", "q2{", "b", "}", "coproc_sync()"]


def test_a_branch_may_continue_on_either_queue():
    """After `compute`, either the load or the store queue runs next: both get a token."""
    cond = var("c") < 1
    branchy = S.IfThenElse(cond, coproc_scope(1, work("load")), coproc_scope(3, work("store")))
    body = inject_coproc_sync(func(S.seq(coproc_scope(2, work("compute")), branchy))).body
    assert trace(body) == [
        "q2{", "compute", "coproc_dep_push(2,1)", "coproc_dep_push(2,3)", "}",
        "coproc_dep_pop(2,1)", "coproc_dep_pop(2,3)",
        "if{", "q1{", "load", "}", "}else{", "q3{", "store", "}", "}", "coproc_sync()"]


def test_function_without_coprocessor_is_unchanged():
    f = func(work("cpu_only"))
    assert inject_coproc_sync(f).body is f.body


def test_buffer_shared_by_cpu_and_vta_is_refused():
    a = flat("A_buf", "int32", 16, "local.acc_buffer")
    i = var("i")
    cpu = loop(i, 16, store(a, i, load(a, i) + 1))
    vta = coproc_scope(2, loop(i, 16, store(a, i, load(a, i) * 2)))
    with pytest.raises(CoProcSyncError, match="'A_buf' is accessed both by the host CPU"):
        inject_coproc_sync(func(S.seq(vta, cpu)))


def test_trim_loop_pragma_keeps_two_iterations():
    i = var("i")
    trimmed = S.AttrStmt(VTA_AXIS, "pragma_trim_loop", i32(1),
                         loop(i, 16, coproc_scope(1, work("load"))))
    body = inject_coproc_sync(func(trimmed)).body
    assert body.seq[0].extent.value == 2
