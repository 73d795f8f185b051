"""tensorize with an intrinsic of our own: the loops from the tensorized axis inward are
replaced by the intrinsic's statements, with its buffers bound to the regions they touch;
inside the reduction loops the reset goes into the .init nest and the update into the
main nest."""
from minitvm import te
from minitvm.schedule import schedule_to_primfunc
from minitvm.tir import call_extern
from minitvm.tir import stmt as S
from sched_outline import evaluate, find, outline

CALLS = {}


def gemm_intrin(depth=4, cols=4):
    """out[0, j] = sum_k int32(a[0, k]) * int32(w[j, k]) over a (1, depth) by (cols, depth)
    tile (VTA's GEMM shape, transposed weights)."""
    a = te.placeholder((1, depth), "int8", name="a")
    w = te.placeholder((cols, depth), "int8", name="w")
    k = te.reduce_axis((0, depth), name="k")
    out = te.compute((1, cols), lambda i, j: te.sum(
        a[i, k].astype("int32") * w[j, k].astype("int32"), axis=k), name="out")

    def statements(ins, outs):
        def call(name, *bufs):
            return call_extern("int32", name, *[b.data for b in bufs])
        return (call("gemm", outs[0], ins[0], ins[1]), call("reset", outs[0]),
                call("update", outs[0], ins[0], ins[1]))

    return te.decl_tensor_intrin(out.op, statements, name="gemm")


def workload(n=3, m=8, depth=8):
    A = te.placeholder((n, depth), "int8", name="A")
    W = te.placeholder((m, depth), "int8", name="W")
    k = te.reduce_axis((0, depth), name="k")
    C = te.compute((n, m), lambda i, j: te.sum(
        A[i, k].astype("int32") * W[j, k].astype("int32"), axis=k), name="C")
    return A, W, C


def binds(stmt):
    """{buffer name: (bound tensor or buffer name, tvm_tuple args)} of buffer_bind_scope."""
    found = find(stmt, lambda n: isinstance(n, S.AttrStmt) and n.attr_key == "buffer_bind_scope")
    return {a.node[0].name: (a.node[1].name, a.value.args) for a in found}


def test_tensorize_outside_the_reduction_uses_the_body():
    A, W, C = workload(depth=4)
    s = te.create_schedule(C.op)
    jo, ji = s[C].split(C.op.axis[1], factor=4)
    s[C].tensorize(ji, gemm_intrin())
    body = schedule_to_primfunc(s, [A, W, C]).body
    lines = [line.strip() for line in outline(body)]
    assert lines[2:4] == ["for i in 0:3", "for j.outer in 0:2"]
    assert lines[-1] == "eval tir.call_extern('gemm', out, a, w)"
    bound = binds(body)
    assert set(bound) == {"a", "w", "out"}
    for i, j_outer in ((0, 0), (2, 1)):
        env = dict(i=i, j_outer=j_outer)
        # a: row i, all 4 k; w: rows 4*j_outer.., all k; out: row i, columns 4*j_outer..
        assert [evaluate(x, **env) for x in bound["a"][1]] == [i, 1, 0, 4]
        assert [evaluate(x, **env) for x in bound["w"][1]] == [4 * j_outer, 4, 0, 4]
        assert [evaluate(x, **env) for x in bound["out"][1]] == [i, 1, 4 * j_outer, 4]
    assert bound["out"][0] == "C" and bound["a"][0] == "A"


def test_tensorize_inside_the_reduction_splits_reset_and_update():
    A, W, C = workload(depth=8)
    s = te.create_schedule(C.op)
    i, j = C.op.axis
    k, = C.op.reduce_axis
    jo, ji = s[C].split(j, factor=4)
    ko, ki = s[C].split(k, factor=4)
    s[C].reorder(ko, i, jo, ji, ki)
    s[C].tensorize(ji, gemm_intrin())
    lines = [line.strip() for line in outline(schedule_to_primfunc(s, [A, W, C]).body)]
    calls = [line for line in lines if line.startswith(("for", "eval"))]
    assert calls == ["for i.init in 0:3", "for j.outer.init in 0:2",
                     "eval tir.call_extern('reset', out)",
                     "for k.outer in 0:2", "for i in 0:3", "for j.outer in 0:2",
                     "eval tir.call_extern('update', out, a, w)"]
    init_bind = next(line for line in lines if line.startswith("attr buffer_bind_scope (out"))
    assert "i.init" in init_bind and "j.outer.init" in init_bind


def test_tensorize_without_reset_switches_on_the_first_reduction_iteration():
    A, W, C = workload(depth=8)
    intrin = gemm_intrin()
    intrin.reduce_init = None
    s = te.create_schedule(C.op)
    jo, ji = s[C].split(C.op.axis[1], factor=4)
    ko, ki = s[C].split(C.op.reduce_axis[0], factor=4)
    s[C].reorder(C.op.axis[0], jo, ko, ji, ki)
    s[C].tensorize(ji, intrin)
    lines = [line.strip() for line in outline(schedule_to_primfunc(s, [A, W, C]).body)]
    assert lines[2:] == [
        "for i in 0:3", "for j.outer in 0:2", "for k.outer in 0:2",
        "attr buffer_bind_scope (a, A) = tir.tvm_tuple(i, 1, (k.outer * 4), 4)",
        "attr buffer_bind_scope (w, W) = tir.tvm_tuple((j.outer * 4), 4, (k.outer * 4), 4)",
        "attr buffer_bind_scope (out, C) = tir.tvm_tuple(i, 1, (j.outer * 4), 4)",
        "if tir.likely((k.outer > 0))", "eval tir.call_extern('update', out, a, w)", "else",
        "eval tir.call_extern('gemm', out, a, w)"]


def test_tensorizing_the_tutorial_conv_at_b_tns():
    """The reference schedule tensorized with a VTA-shaped GEMM (1 x 16 by 16 x 16): the
    reset runs in the .init nest over (co, i, j), the update under ic.outer's loops down to
    j, each call bound to one 16-element accumulator row, input row and 16x16 weight
    block."""
    from test_schedule_ir import final_conv_schedule
    conv = final_conv_schedule()
    s = conv.s
    b_tns = s[conv.res_conv].leaf_iter_vars[-3]
    assert b_tns.var.name == "bi"
    s[conv.res_conv].tensorize(b_tns, gemm_intrin(depth=16, cols=16))
    body = schedule_to_primfunc(s, conv.args).body
    lines = [line.strip() for line in outline(body)]
    loops = [line for line in lines if line.startswith(("for", "let", "eval", "realize"))]
    start = loops.index("for ic.outer in 0:16")
    assert loops[start - 5:start] == ["let bo.init = 0", "for co.init in 0:8", "for i.init in 0:7",
                                      "for j.init in 0:14", "eval tir.call_extern('reset', out)"]
    assert loops[start + 1].startswith("realize data_buf[")
    update = loops.index("eval tir.call_extern('update', out, a, w)")
    assert loops[update - 7:update] == ["let bo = 0", "for co in 0:8", "for i in 0:7",
                                        "let ic.inner = 0", "for dy in 0:3", "for dx in 0:3",
                                        "for j in 0:14"]
    bound = binds(body)
    env = dict(cthread=1, i2_outer=1, ic_outer=3, co=5, i=6, j=13, dy=2, dx=1,
               co_init=5, i_init=6, j_init=13)
    region = {name: [evaluate(x, **env) for x in args] for name, (_, args) in bound.items()}
    # one output row of res_conv (global indices), one data_buf row, one kernel block
    assert region["out"] == [0, 1, 8 + 5, 1, 7 + 6, 1, 13, 1, 0, 1, 0, 16]
    assert region["a"] == [0, 1, 3, 1, 7 + 6 + 2, 1, 13 + 1, 1, 0, 1, 0, 16]
    assert region["w"] == [8 + 5, 1, 3, 1, 2, 1, 1, 1, 0, 16, 0, 16]
