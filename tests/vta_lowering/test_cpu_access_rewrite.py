"""CPUAccessRewrite: host loads and stores of VTA arrays go through VTABufferCPUPtr
(spec vta.md 5.13)."""
from minitvm.tir import stmt as S
from vta_backend.transform import cpu_access_rewrite
from vta_backend.transform.common import coproc_scope

from vtair import alloc, calls, collect, extern_stmt, flat, func, load, loop, store, var


def test_parameter_access_uses_a_cpu_pointer_bound_at_the_top():
    a = flat("A", "int32", 16)
    i = var("i")
    out = cpu_access_rewrite(func(loop(i, 16, store(a, i, load(a, i) + 1)), [a])).body
    assert isinstance(out, S.LetStmt) and out.var.name == "A_ptr"
    (cpu_ptr,) = calls(out.value, "VTABufferCPUPtr")
    assert cpu_ptr.args[2] is a.data
    (st,) = collect(out, S.BufferStore)
    assert st.buffer.data is out.var and st.value.a.buffer.data is out.var


def test_allocation_access_binds_the_pointer_inside_the_allocation():
    tmp = flat("tmp", "int32", 16)
    i = var("i")
    body = alloc(tmp, loop(i, 16, store(tmp, i, 0)))
    out = cpu_access_rewrite(func(body)).body
    assert isinstance(out, S.Allocate) and isinstance(out.body, S.LetStmt)
    assert out.body.var.name == "tmp_ptr"


def test_program_without_host_access_is_unchanged():
    f = func(coproc_scope(2, extern_stmt("VTAUopLoopEnd")))
    assert cpu_access_rewrite(f).body is f.body
