"""`vta.lower` of the other three tutorials' schedules (spec vta.md 7.1-7.3): the transfers
and micro-op kernels have the arguments derived by hand from their shapes."""
from minitvm import driver, te
from minitvm.tir import expr as E
from minitvm.tir import stmt as S
from vta_backend import build_module
from vta_backend.environment import get_env
from vta_backend.intrin import gemm

from vtair import calls, collect, evaluate

ENV = get_env()


def lowered(s, args):
    """The lowered body as vta.build makes it (CSE off, so arguments evaluate directly)."""
    with build_module.build_config(disabled_pass={"tir.CommonSubexprElimTIR"}):
        return driver.lower(s, args)["main"].body


def extern_values(body, name, env=None):
    """The arguments after the command handle of every call of `name`, evaluated."""
    out = []
    for c in calls(body, name):
        args = [a for a in c.args[1:] if not (isinstance(a, E.Call) and "thread_context" in a.op)]
        out.append([a.name if isinstance(a, E.Var) and a.dtype == "handle" else evaluate(a, env or {})
                    for a in args])
    return out


def pushes(body, env=None):
    return [[evaluate(a, env or {}) for a in c.args] for c in calls(body, "tir.vta.uop_push")]


def copy_of(t, name):
    return te.compute(t.shape, lambda *i: t(*i), name)


def test_vector_add_on_the_alu():
    """vta_get_started: A and B (64 int32 elements each) into the accumulator, C = A + B
    in place on A's tile, stored as int8."""
    a = te.placeholder((1, 64, 1, 16), name="A", dtype=ENV.acc_dtype)
    b = te.placeholder((1, 64, 1, 16), name="B", dtype=ENV.acc_dtype)
    a_buf, b_buf = copy_of(a, "A_buf"), copy_of(b, "B_buf")
    c_buf = te.compute(a.shape, lambda *i: a_buf(*i) + b_buf(*i), "C_buf")
    c = te.compute(a.shape, lambda *i: c_buf(*i).astype(ENV.inp_dtype), "C")
    s = te.create_schedule(c.op)
    for buf in (a_buf, b_buf, c_buf):
        s[buf].set_scope(ENV.acc_scope)
    for buf in (a_buf, b_buf, c):
        s[buf].pragma(s[buf].op.axis[0], ENV.dma_copy)
    s[c_buf].pragma(s[c_buf].op.axis[0], ENV.alu)
    body = lowered(s, [a, b, c])
    acc = ENV.dev.MEM_ID_ACC
    assert extern_values(body, "VTALoadBuffer2D") == [
        ["A", 0, 64, 1, 64, 0, 0, 0, 0, 0, acc], ["B", 0, 64, 1, 64, 0, 0, 0, 0, 64, acc]]
    assert extern_values(body, "VTAUopLoopBegin") == [[64, 1, 1, 0]]
    assert pushes(body) == [[1, 0, 0, 64, 0, ENV.dev.ALU_OPCODE_ADD, 0, 0]]
    assert extern_values(body, "VTAStoreBuffer2D") == [[0, ENV.dev.MEM_ID_OUT, "C", 0, 64, 1, 64]]


def test_single_tile_matrix_multiply():
    """matrix_multiply: (1 x 256) x (256 x 256) on 16 x 16 blocks, reduction outermost."""
    a = te.placeholder((1, 16, 1, 16), name="A", dtype=ENV.inp_dtype)
    b = te.placeholder((16, 16, 16, 16), name="B", dtype=ENV.wgt_dtype)
    a_buf, b_buf = copy_of(a, "A_buf"), copy_of(b, "B_buf")
    ko, ki = te.reduce_axis((0, 16), name="ko"), te.reduce_axis((0, 16), name="ki")
    c_buf = te.compute((1, 16, 1, 16), lambda bo, co, bi, ci: te.sum(
        a_buf[bo, ko, bi, ki].astype(ENV.acc_dtype) * b_buf[co, ko, ci, ki].astype(ENV.acc_dtype),
        axis=[ko, ki]), name="C_buf")
    c = te.compute(c_buf.shape, lambda *i: c_buf(*i).astype(ENV.inp_dtype), name="C")
    s = te.create_schedule(c.op)
    s[a_buf].set_scope(ENV.inp_scope)
    s[b_buf].set_scope(ENV.wgt_scope)
    s[c_buf].set_scope(ENV.acc_scope)
    bo, co, bi, ci = s[c_buf].op.axis
    s[c_buf].reorder(ko, bo, co, bi, ci, ki)
    s[a_buf].compute_at(s[c_buf], ko)
    s[b_buf].compute_at(s[c_buf], ko)
    for buf in (a_buf, b_buf, c):
        s[buf].pragma(s[buf].op.axis[0], ENV.dma_copy)
    s[c_buf].tensorize(bi, gemm(ENV))
    body = lowered(s, [a, b, c])
    (ko_var,) = [f.loop_var for f in collect(body, S.For) if f.loop_var.name == "ko"]
    for k in range(16):
        assert extern_values(body, "VTALoadBuffer2D", {ko_var: k}) == [
            ["A", k, 1, 1, 1, 0, 0, 0, 0, 0, ENV.dev.MEM_ID_INP],
            ["B", k, 1, 16, 16, 0, 0, 0, 0, 0, ENV.dev.MEM_ID_WGT]]
    assert extern_values(body, "VTAUopLoopBegin") == [[16, 1, 0, 0], [16, 1, 0, 1]]
    assert pushes(body) == [[0, 1, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]]
    assert extern_values(body, "VTAStoreBuffer2D") == [[0, ENV.dev.MEM_ID_OUT, "C", 0, 16, 1, 16]]


def test_blocked_matrix_multiply_with_shift_and_clip():
    """matrix_multiply_opt: 1024 x 1024 in 256-channel blocks (16 x 16 elements), then
    >> 8, max 0, min 127 on the ALU, stored one element per call."""
    data = te.placeholder((1, 64, 1, 16), name="data", dtype=ENV.inp_dtype)
    weight = te.placeholder((64, 64, 16, 16), name="weight", dtype=ENV.wgt_dtype)
    data_buf, weight_buf = copy_of(data, "data_buf"), copy_of(weight, "weight_buf")
    ic, ic_tns = te.reduce_axis((0, 64), name="ic"), te.reduce_axis((0, 16), name="ic_tns")
    res_gem = te.compute((1, 64, 1, 16), lambda bo, co, bi, ci: te.sum(
        data_buf[bo, ic, bi, ic_tns].astype(ENV.acc_dtype)
        * weight_buf[co, ic, ci, ic_tns].astype(ENV.acc_dtype), axis=[ic, ic_tns]), "res_gem")
    res_shr = te.compute(res_gem.shape, lambda *i: res_gem(*i) >> ENV.INP_WIDTH, "res_shr")
    res_max = te.compute(res_gem.shape, lambda *i: te.max(res_shr(*i), 0), "res_max")
    res_min = te.compute(res_gem.shape, lambda *i: te.min(res_max(*i), 127), "res_min")
    res = te.compute(res_gem.shape, lambda *i: res_min(*i).astype(ENV.inp_dtype), "res")
    s = te.create_schedule(res.op)
    b, oc, b_tns, oc_tns = s[res].op.axis
    b_out, b_inn = s[res].split(b, 1)
    oc_out, oc_inn = s[res].split(oc, 16)
    s[res].reorder(b_out, oc_out, b_inn, oc_inn)
    for stage in (res_gem, res_shr, res_max, res_min):
        s[stage].compute_at(s[res], oc_out)
        s[stage].set_scope(ENV.acc_scope)
    b_inn, oc_inn, b_tns, oc_tns = s[res_gem].op.axis
    ic_out, ic_inn = s[res_gem].split(ic, 16)
    s[res_gem].reorder(ic_out, b_inn, oc_inn, ic_inn, b_tns, oc_tns, ic_tns)
    s[data_buf].set_scope(ENV.inp_scope)
    s[weight_buf].set_scope(ENV.wgt_scope)
    s[data_buf].compute_at(s[res_gem], ic_out)
    s[weight_buf].compute_at(s[res_gem], ic_out)
    s[data_buf].pragma(s[data_buf].op.axis[0], ENV.dma_copy)
    s[weight_buf].pragma(s[weight_buf].op.axis[0], ENV.dma_copy)
    s[res].pragma(s[res].op.axis[2], ENV.dma_copy)
    s[res_gem].tensorize(b_tns, gemm(ENV))
    for stage in (res_shr, res_min, res_max):
        s[stage].pragma(s[stage].op.axis[0], ENV.alu)
    body = lowered(s, [data, weight, res])
    loops = {f.loop_var.name: f.loop_var for f in collect(body, S.For)}
    for o in range(4):
        for i in range(4):
            point = {loops["i1.outer"]: o, loops["ic.outer"]: i}
            assert extern_values(body, "VTALoadBuffer2D", point) == [
                ["data", i * 16, 16, 1, 16, 0, 0, 0, 0, 0, ENV.dev.MEM_ID_INP],
                ["weight", o * 1024 + i * 16, 16, 16, 64, 0, 0, 0, 0, 0, ENV.dev.MEM_ID_WGT]]
    assert extern_values(body, "VTAUopLoopBegin") == [
        [16, 1, 0, 0], [16, 1, 0, 16], [16, 0, 1, 1], [16, 1, 1, 0], [16, 1, 1, 0],
        [16, 1, 1, 0]]
    dev = ENV.dev
    assert pushes(body) == [[0, 1, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0],
                            [1, 0, 0, 0, 0, dev.ALU_OPCODE_SHR, 1, 8],
                            [1, 0, 0, 0, 0, dev.ALU_OPCODE_MAX, 1, 0],
                            [1, 0, 0, 0, 0, dev.ALU_OPCODE_MIN, 1, 127]]
    for o in range(4):
        for c in range(16):
            point = {loops["i1.outer"]: o, loops["i1.inner"]: c}
            assert extern_values(body, "VTAStoreBuffer2D", point) == [
                [c, dev.MEM_ID_OUT, "res", o * 16 + c, 1, 1, 1]]
