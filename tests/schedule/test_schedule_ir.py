"""The pre-flattening IR that schedule_to_primfunc builds: loop nesting, names, extents,
attachment points, guards, pragmas, virtual threads and the regions of compute_at stages
(values derived by hand in each test)."""
import itertools

from minitvm import te
from minitvm.schedule import schedule_to_primfunc
from minitvm.tir import expr as E
from minitvm.tir import stmt as S
from sched_outline import evaluate, find, outline, realize_of, skeleton
from sched_workloads import Conv, elementwise, matmul

ROOT_COPY = [
    "for i1 in 0:16", "  for i2 in 0:16", "    for i3 in 0:16", "      let i4 = 0",
    "        for i5 in 0:16",
]


def body_of(s, args):
    return schedule_to_primfunc(s, args).body


def test_default_conv_schedule_has_one_root_nest_per_stage_in_dataflow_order():
    conv = Conv()
    lines = [line.strip() for line in skeleton(body_of(conv.s, conv.args))]
    realizes = [line.split("[")[0] for line in lines if line.startswith("realize")]
    assert realizes == ["realize data_buf", "realize kernel_buf", "realize res_conv",
                        "realize res_shr", "realize res_max", "realize res_min", "realize res@"]
    # listing 1: extent-1 axes are lets, the pad nest runs over the padded 16x16 plane
    start = lines.index("realize data_buf[0:1, 0:16, 0:16, 0:16, 0:1, 0:16] ''")
    assert lines[start + 1:start + 7] == ["let i0 = 0"] + [s.strip() for s in ROOT_COPY]
    conv_nest = lines[lines.index("realize res_conv[0:1, 0:16, 0:14, 0:14, 0:1, 0:16] ''") + 1:]
    assert conv_nest[:10] == ["let bo = 0", "for co in 0:16", "for i in 0:14", "for j in 0:14",
                              "let bi = 0", "for ci in 0:16", "for ic in 0:16", "for dy in 0:3",
                              "for dx in 0:3", "for ic_tns in 0:16"]


def test_reduction_init_sits_under_the_data_loops_when_reductions_are_innermost():
    conv = Conv()
    text = outline(realize_of(body_of(conv.s, conv.args), "res_conv"))
    ci = next(k for k, line in enumerate(text) if line.strip() == "for ci in 0:16")
    assert text[ci + 1].strip() == "res_conv[0, co, i, j, 0, ci] = 0"
    assert text[ci + 2].strip() == "for ic in 0:16"
    inner = next(k for k, line in enumerate(text) if line.strip() == "for ic_tns in 0:16")
    assert text[inner + 1].strip() == (
        "res_conv[0, co, i, j, 0, ci] = (res_conv[0, co, i, j, 0, ci] + "
        "(int32(data_buf[0, ic, (i + dy), (j + dx), 0, ic_tns]) * "
        "int32(kernel_buf[co, ic, dy, dx, ci, ic_tns])))")


def test_blocked_conv_with_virtual_threads_has_listing_2s_structure():
    conv = Conv()
    b_out, oc_out, y_out, x_out = conv.block()
    conv.virtual_threads(oc_out, b_out)
    lines = skeleton(body_of(conv.s, conv.args))
    res = lines.index("          realize res@")
    assert [line.strip() for line in lines[res + 1:res + 6]] == [
        "attr virtual_thread cthread = 2", "let i1.outer.outer = 0", "let i0.outer = 0",
        "for i2.outer in 0:2", "let i3.outer = 0"]
    stripped = [line.strip() for line in lines]
    conv_at = stripped.index("realize res_conv[0:1, (cthread * 8):8, (i2.outer * 7):7, "
                             "0:14, 0:1, 0:16] ''")
    # the reduction axis is outermost, so the init is a nest of fresh .init loops
    assert stripped[conv_at + 1:conv_at + 19] == [
        "let bo.init = 0", "for co.init in 0:8", "for i.init in 0:7", "for j.init in 0:14",
        "let bi.init = 0", "for ci.init in 0:16",
        "for ic.outer in 0:16", "let bo = 0", "for co in 0:8", "for i in 0:7",
        "let ic.inner = 0", "for dy in 0:3", "for dx in 0:3", "for j in 0:14", "let bi = 0",
        "for ci in 0:16", "for ic_tns in 0:16",
        "realize res_shr[0:1, (cthread * 8):8, (i2.outer * 7):7, 0:14, 0:1, 0:16] ''"]
    assert stripped[-6:] == ["let i0.inner = 0", "for i1.inner in 0:8", "for i2.inner in 0:7",
                             "for i3.inner in 0:14", "let i4 = 0", "for i5 in 0:16"]


def final_conv_schedule():
    """The tutorial's schedule up to the DMA pragmas (without tensorize)."""
    conv = Conv()
    b_out, oc_out, y_out, x_out = conv.block()
    conv.virtual_threads(oc_out, b_out)
    s = conv.s
    s[conv.data_buf].set_scope("local.inp_buffer")
    s[conv.kernel_buf].set_scope("local.wgt_buffer")
    for t in (conv.res_conv, conv.res_shr, conv.res_min, conv.res_max):
        s[t].set_scope("local.acc_buffer")
    s[conv.data_buf].compute_at(s[conv.res_conv], conv.ic_out)
    s[conv.kernel_buf].compute_at(s[conv.res_conv], conv.ic_out)
    s[conv.data_buf].pragma(s[conv.data_buf].op.axis[0], "dma_copy")
    s[conv.kernel_buf].pragma(s[conv.kernel_buf].op.axis[0], "dma_copy")
    s[conv.res].pragma(s[conv.res].op.axis[4], "dma_copy")
    return conv


def region(realize, **env):
    return [(evaluate(r.min, **env), evaluate(r.extent, **env)) for r in realize.bounds]


def test_compute_at_regions_of_the_tutorial_schedule():
    """Under ic_out, one iteration of res_conv's loops reads: input-channel block ic_outer
    only; rows y0-1+1 .. y0+6+2 of the padded input (y0 = 7*i2_outer; padding shifts rows
    by one), i.e. 9 rows from y0; all 16 padded columns (j + dx over 0..13 + 0..2); and the
    8 output-channel blocks of its virtual thread (8*cthread ...). The accumulator holds one
    thread's 8 x 7 x 14 tile."""
    conv = final_conv_schedule()
    body = body_of(conv.s, conv.args)
    for cthread, i2_outer, ic_outer in itertools.product(range(2), range(2), range(16)):
        env = dict(cthread=cthread, i2_outer=i2_outer, ic_outer=ic_outer)
        assert region(realize_of(body, "data_buf"), **env) == [
            (0, 1), (ic_outer, 1), (7 * i2_outer, 9), (0, 16), (0, 1), (0, 16)]
        assert region(realize_of(body, "kernel_buf"), **env) == [
            (8 * cthread, 8), (ic_outer, 1), (0, 3), (0, 3), (0, 16), (0, 16)]
        for name in ("res_conv", "res_shr", "res_max", "res_min"):
            assert region(realize_of(body, name), **env) == [
                (0, 1), (8 * cthread, 8), (7 * i2_outer, 7), (0, 14), (0, 1), (0, 16)]
    assert realize_of(body, "data_buf").storage_scope == "local.inp_buffer"


def test_compute_at_stages_are_injected_inside_the_attach_loop_in_dataflow_order():
    conv = final_conv_schedule()
    lines = [line.strip() for line in skeleton(body_of(conv.s, conv.args))]
    ic_outer = lines.index("for ic.outer in 0:16")
    assert lines[ic_outer + 1].startswith("realize data_buf[")
    assert lines[ic_outer + 2:ic_outer + 4] == ["attr pragma_dma_copy i0 = 1", "let i0 = 0"]
    kernel = next(k for k, line in enumerate(lines) if line.startswith("realize kernel_buf["))
    assert kernel > ic_outer
    assert lines[kernel + 1:kernel + 3] == ["attr pragma_dma_copy i0 = 1", "for i0 in 0:8"]
    # the pad copy of one tile: 9 rows, 16 columns; its padding test uses global rows
    copy = next(s for s in find(realize_of(body_of(conv.s, conv.args), "data_buf"),
                                lambda n: isinstance(n, S.ProducerStore)))
    assert "((i2 + (i2.outer * 7)) >= 1)" in outline(copy)[0]


def test_pragma_wraps_the_loop_of_its_axis():
    conv = final_conv_schedule()
    lines = [line.strip() for line in skeleton(body_of(conv.s, conv.args))]
    at = lines.index("for i3.inner in 0:14")
    assert lines[at + 1:at + 4] == ["attr pragma_dma_copy i4 = 1", "let i4 = 0",
                                    "for i5 in 0:16"]


def test_non_dividing_splits_are_guarded():
    A, B, C = matmul(n=10, m=6, k=7)
    s = te.create_schedule(C.op)
    i, j = C.op.axis
    k, = C.op.reduce_axis
    io, ii = s[C].split(i, factor=4)
    ko, ki = s[C].split(k, nparts=2)
    s[C].reorder(io, ko, j, ii, ki)
    lines = [line.strip() for line in outline(body_of(s, [A, B, C]))]
    assert lines[2:] == [
        "for i.outer in 0:3",
        "for j.init in 0:6", "for i.inner.init in 0:4",
        "if tir.likely(((i.inner.init + (i.outer * 4)) < 10))",
        "C@[(i.inner.init + (i.outer * 4)), j.init] = 0.0",
        "for k.outer in 0:2", "for j in 0:6", "for i.inner in 0:4", "for k.inner in 0:4",
        "if tir.likely(((i.inner + (i.outer * 4)) < 10))",
        "if tir.likely(((k.inner + (k.outer * 4)) < 7))",
        "C@[(i.inner + (i.outer * 4)), j] = (C@[(i.inner + (i.outer * 4)), j] + "
        "(A@[(i.inner + (i.outer * 4)), (k.inner + (k.outer * 4))] * "
        "B@[(k.inner + (k.outer * 4)), j]))"]


def test_a_factor_beyond_the_extent_is_tightened_and_needs_no_guard():
    A, B, C, D = elementwise(n=3)
    s = te.create_schedule(D.op)
    s[D].split(D.op.axis[0], factor=8)
    lines = [line.strip() for line in skeleton(body_of(s, [A, D]))]
    assert lines[-3:] == ["let i.outer = 0", "for i.inner in 0:3", "for j in 0:6"]
    assert not find(realize_of(body_of(s, [A, D]), "B"), lambda n: isinstance(n, S.IfThenElse))


def test_compute_inline_and_fuse_with_an_attached_producer():
    A, B, C, D = elementwise()
    s = te.create_schedule(D.op)
    s[C].compute_inline()
    s[B].compute_at(s[D], D.op.axis[1])      # j is fused below: B moves to the fused loop
    fused = s[D].fuse(*D.op.axis)
    s[D].pragma(fused, "foo", 3)
    lines = [line.strip() for line in outline(body_of(s, [A, D]))]
    assert lines == [
        "attr realize_scope D = ''", "realize D@",
        "attr pragma_foo i.j.fused = 3", "for i.j.fused in 0:60",
        "attr realize_scope B = ''",
        "realize B[(i.j.fused // 6):1, (i.j.fused % 6):1] ''", "let i = 0", "let j = 0",
        "B[(i.j.fused // 6), (i.j.fused % 6)] = (A@[(i.j.fused // 6), (i.j.fused % 6)] * 2.0)",
        "D@[(i.j.fused // 6), (i.j.fused % 6)] = ((B[(i.j.fused // 6), (i.j.fused % 6)] + 1.0)"
        " * (B[(i.j.fused // 6), (i.j.fused % 6)] + 1.0))"]


def test_nested_compute_at_regions_and_loop_kinds():
    A, B, C, D = elementwise()
    s = te.create_schedule(D.op)
    s[C].compute_at(s[D], D.op.axis[0])
    s[B].compute_at(s[C], C.op.axis[1])
    jo, ji = s[D].split(D.op.axis[1], factor=4)
    s[D].vectorize(ji)
    s[C].unroll(C.op.axis[1])
    lines = [line.strip() for line in skeleton(body_of(s, [A, D]))]
    assert lines == ["realize D@", "for i in 0:10", "realize C[i:1, 0:6] ''", "let i = 0",
                     "for j in 0:6 unrolled", "realize B[i:1, j:1] ''", "let i = 0",
                     "let j = 0", "for j.outer in 0:2", "for j.inner in 0:4 vectorized"]


def test_the_primfunc_binds_each_argument_to_a_buffer():
    A, B, C = matmul()
    s = te.create_schedule(C.op)
    func = schedule_to_primfunc(s, [A, B, C], name="mm")
    assert [p.name for p in func.params] == ["A", "B", "C"]
    assert all(p.dtype == "handle" for p in func.params)
    buffers = [func.buffer_map[p] for p in func.params]
    assert [(b.name, [int(x) for x in b.shape], b.dtype) for b in buffers] == [
        ("A", [6, 7], "float32"), ("B", [7, 5], "float32"), ("C", [6, 5], "float32")]
    assert func.attrs == {"from_legacy_te_schedule": True, "global_symbol": "mm",
                          "tir.noalias": True}
    loads = find(func.body, lambda n: isinstance(n, (E.BufferLoad, E.ProducerLoad)))
    assert {type(n) for n in loads} == {E.BufferLoad}
    assert find(func.body, lambda n: isinstance(n, S.BufferRealize))[0].buffer is buffers[2]


def test_lowering_leaves_the_users_schedule_untouched():
    conv = Conv()
    b_out, oc_out, y_out, x_out = conv.block()
    stage = conv.s[conv.res_conv]
    before = (list(stage.leaf_iter_vars), list(stage.relations), stage.attach_ivar)
    body_of(conv.s, conv.args)
    assert (stage.leaf_iter_vars, stage.relations, stage.attach_ivar) == before
    assert stage.op is conv.res_conv.op
