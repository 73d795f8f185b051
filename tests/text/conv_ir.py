"""The convolution tutorial's functions as TVM has them just before Simplify, built by hand.

Loop nests are as ScheduleOps emits them (extent-1 axes as `LetStmt(v, 0)`), buffers
as StorageFlatten + StorageRewrite leave them (1-D views; the four `res_conv` views
share one allocation, spec §4.4), and every index is the naive row-major flattening
`((i0 * d1 + i1) * d2 + i2) ...`, so running Simplify then CSE and printing must
reproduce the reference listing exactly.
"""
from minitvm import tir as T
from minitvm.tir import stmt as S

DATA_SHAPE = (1, 16, 14, 14, 1, 16)
KERNEL_SHAPE = (16, 16, 3, 3, 16, 16)
PAD_SHAPE = (1, 16, 16, 16, 1, 16)
ATTRS = {"from_legacy_te_schedule": True, "global_symbol": "main", "tir.noalias": True}


def flat(shape, indices):
    """Row-major flattening, unsimplified."""
    acc = indices[0]
    for extent, index in zip(shape[1:], indices[1:]):
        acc = acc * extent + index
    return acc


def size(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def loop_nest(names_extents, body_fn):
    """Nested loops outermost first; extent 1 becomes `LetStmt(v, 0)` (MakeLoopNest)."""
    variables = [T.Var(name) for name, _ in names_extents]
    stmt = body_fn(*variables)
    for var, (_, extent) in reversed(list(zip(variables, names_extents))):
        if extent == 1:
            stmt = S.LetStmt(var, T.const(0), stmt)
        else:
            stmt = S.For(var, T.const(0), T.const(extent), S.ForKind.SERIAL, stmt)
    return stmt


def axes(prefix_names, shape):
    return list(zip(prefix_names, shape))


def allocation(name, dtype, extent):
    return T.Var(name, "handle", T.PointerType(dtype, "global"))


def view(var, dtype, extent, name):
    """A 1-D buffer over `var` (StorageFlatten's flattened view)."""
    return T.decl_buffer((extent,), dtype, name, data=var)


class Params:
    """The three parameters: handle vars, their N-d buffers and flattened views."""

    def __init__(self, res_shape=DATA_SHAPE):
        self.vars, self.buffer_map, self.flat = [], {}, {}
        for name, shape in (("data", DATA_SHAPE), ("kernel", KERNEL_SHAPE), ("res", res_shape)):
            handle = T.Var(name, "handle")
            buf = T.decl_buffer(shape, "int8", name)
            self.vars.append(handle)
            self.buffer_map[handle] = buf
            self.flat[name] = view(buf.data, "int8", size(shape), name)


def pad_stage(data_buf, data):
    """data_buf[i] = if_then_else(1 <= i2 < 15 and 1 <= i3 < 15, data[i - pad], 0)."""
    def body(i0, i1, i2, i3, i4, i5):
        cond = T.all(i2 >= 1, i2 < 14 + 1, i3 >= 1, i3 < 14 + 1)
        value = T.if_then_else(cond, T.BufferLoad(data, (flat(DATA_SHAPE, (i0, i1, i2 - 1, i3 - 1, i4, i5)),)),
                               T.const(0, "int8"))
        return S.BufferStore(data_buf, value, (flat(PAD_SHAPE, (i0, i1, i2, i3, i4, i5)),))
    return loop_nest(axes(["i0", "i1", "i2", "i3", "i4", "i5"], PAD_SHAPE), body)


def kernel_stage(kernel_buf, kernel):
    def body(*i):
        index = flat(KERNEL_SHAPE, i)
        return S.BufferStore(kernel_buf, T.BufferLoad(kernel, (index,)), (index,))
    return loop_nest(axes(["i0", "i1", "i2", "i3", "i4", "i5"], KERNEL_SHAPE), body)


def elementwise(names_extents, store_buf, load_buf, fn, shape, offset=None):
    """out[i] = fn(in[i]) over the given loops; `offset` maps loop vars to full indices."""
    def body(*v):
        index = flat(shape, offset(*v) if offset else v)
        return S.BufferStore(store_buf, fn(T.BufferLoad(load_buf, (index,))), (index,))
    return loop_nest(names_extents, body)


def conv_stage(res_conv, data_buf, kernel_buf, out_shape=DATA_SHAPE):
    """res_conv = sum over ic, dy, dx, ic_tns of data_buf * kernel_buf (int32)."""
    def body(bo, co, i, j, bi, ci):
        out = (flat(out_shape, (bo, co, i, j, bi, ci)),)
        init = S.BufferStore(res_conv, T.const(0), out)

        def update(ic, dy, dx, ic_tns):
            d = T.BufferLoad(data_buf, (flat(PAD_SHAPE, (bo, ic, i + dy, j + dx, bi, ic_tns)),))
            k = T.BufferLoad(kernel_buf, (flat(KERNEL_SHAPE, (co, ic, dy, dx, ci, ic_tns)),))
            value = T.BufferLoad(res_conv, out) + d.astype("int32") * k.astype("int32")
            return S.BufferStore(res_conv, value, out)
        reduction = loop_nest([("ic", 16), ("dy", 3), ("dx", 3), ("ic_tns", 16)], update)
        return T.seq(init, reduction)
    return loop_nest(axes(["bo", "co", "i", "j", "bi", "ci"], out_shape), body)


def listing1_func():
    """tvm.lower(s, [data, kernel, res]) with the default schedule, before Simplify."""
    p = Params()
    alloc = {n: allocation(n, d, e) for n, d, e in (("data_buf", "int8", 65536),
                                                      ("kernel_buf", "int8", 589824),
                                                      ("res_conv", "int32", 50176))}
    data_buf = view(alloc["data_buf"], "int8", 65536, "data_buf")
    kernel_buf = view(alloc["kernel_buf"], "int8", 589824, "kernel_buf")
    res_views = [view(alloc["res_conv"], "int32", 50176, "res_conv") for _ in range(4)]
    names = axes(["i0", "i1", "i2", "i3", "i4", "i5"], DATA_SHAPE)
    stages = T.seq(
        pad_stage(data_buf, p.flat["data"]),
        kernel_stage(kernel_buf, p.flat["kernel"]),
        conv_stage(res_views[0], data_buf, kernel_buf),
        elementwise(names, res_views[1], res_views[0], lambda x: x >> 8, DATA_SHAPE),
        elementwise(names, res_views[2], res_views[1], lambda x: T.max(x, 0), DATA_SHAPE),
        elementwise(names, res_views[3], res_views[2], lambda x: T.min(x, 127), DATA_SHAPE),
        elementwise(names, p.flat["res"], res_views[3], lambda x: x.astype("int8"), DATA_SHAPE),
    )
    body = stages
    for name in ("res_conv", "kernel_buf", "data_buf"):
        var = alloc[name]
        extent = {"data_buf": 65536, "kernel_buf": 589824, "res_conv": 50176}[name]
        body = S.Allocate(var, var.type_annotation.element_dtype, (T.const(extent),),
                          T.const(True), body)
    return T.PrimFunc(tuple(p.vars), body, p.buffer_map, dict(ATTRS))


TILE = (1, 8, 7, 14, 1, 16)          # res_conv per x_out tile and per virtual thread
TILE_SIZE = size(TILE)               # 12544
VIEW_SIZE = TILE_SIZE * TILE_SIZE    # the view shape InjectVirtualThread leaves (spec §4.5)


def _per_thread(make):
    """The two virtual-thread copies of a statement (cthread = 0, 1), side by side."""
    return T.seq(make(0), make(1))


def blocked_conv(res_conv, data_buf, kernel_buf, i2_outer):
    def init_body(bo, co, i, j, bi, ci):
        def store(t):
            return S.BufferStore(res_conv, T.const(0), (flat(TILE, (bo, co, i, j, bi, ci)) + t * TILE_SIZE,))
        return _per_thread(store)
    init = loop_nest(axes(["bo.init", "co.init", "i.init", "j.init", "bi.init", "ci.init"], TILE),
                     init_body)

    def update_body(ic_outer, bo, co, i, ic_inner, dy, dx, j, bi, ci, ic_tns):
        ic = ic_outer + ic_inner
        d = T.BufferLoad(data_buf, (flat(PAD_SHAPE, (bo, ic, i2_outer * 7 + i + dy, j + dx, bi, ic_tns)),))

        def store(t):
            out = (flat(TILE, (bo, co, i, j, bi, ci)) + t * TILE_SIZE,)
            k = T.BufferLoad(kernel_buf, (flat(KERNEL_SHAPE, (t * 8 + co, ic, dy, dx, ci, ic_tns)),))
            value = T.BufferLoad(res_conv, out) + d.astype("int32") * k.astype("int32")
            return S.BufferStore(res_conv, value, out)
        return _per_thread(store)
    update = loop_nest([("ic.outer", 16), ("bo", 1), ("co", 8), ("i", 7), ("ic.inner", 1),
                        ("dy", 3), ("dx", 3), ("j", 14), ("bi", 1), ("ci", 16), ("ic_tns", 16)],
                       update_body)
    return T.seq(init, update)


def blocked_elementwise(store_buf, load_buf, fn):
    def body(*v):
        def store(t):
            index = (flat(TILE, v) + t * TILE_SIZE,)
            return S.BufferStore(store_buf, fn(T.BufferLoad(load_buf, index)), index)
        return _per_thread(store)
    return loop_nest(axes(["i0", "i1", "i2", "i3", "i4", "i5"], TILE), body)


def blocked_output(res, res_conv, i2_outer, i3_outer):
    def body(i0_inner, i1_inner, i2_inner, i3_inner, i4, i5):
        def store(t):
            out = flat(DATA_SHAPE, (i0_inner, t * 8 + i1_inner, i2_outer * 7 + i2_inner,
                                    i3_outer * 14 + i3_inner, i4, i5))
            local = flat(TILE, (i0_inner, i1_inner, i2_inner, i3_inner, i4, i5)) + t * TILE_SIZE
            return S.BufferStore(res, T.BufferLoad(res_conv, (local,)).astype("int8"), (out,))
        return _per_thread(store)
    return loop_nest(axes(["i0.inner", "i1.inner", "i2.inner", "i3.inner", "i4", "i5"], TILE),
                     body)


def listing2_func():
    """tvm.lower after blocking and binding cthread (two virtual threads), before Simplify."""
    p = Params()
    alloc = {n: allocation(n, d, e) for n, d, e in (("data_buf", "int8", 65536),
                                                      ("kernel_buf", "int8", 589824),
                                                      ("res_conv", "int32", 2 * TILE_SIZE))}
    data_buf = view(alloc["data_buf"], "int8", 65536, "data_buf")
    kernel_buf = view(alloc["kernel_buf"], "int8", 589824, "kernel_buf")
    res_views = [view(alloc["res_conv"], "int32", VIEW_SIZE, "res_conv") for _ in range(4)]
    i2_outer, i3_outer = T.Var("i2.outer"), T.Var("i3.outer")
    tile = T.seq(
        blocked_conv(res_views[0], data_buf, kernel_buf, i2_outer),
        blocked_elementwise(res_views[1], res_views[0], lambda x: x >> 8),
        blocked_elementwise(res_views[2], res_views[1], lambda x: T.max(x, 0)),
        blocked_elementwise(res_views[3], res_views[2], lambda x: T.min(x, 127)),
        blocked_output(p.flat["res"], res_views[3], i2_outer, i3_outer),
    )
    outer = S.For(i2_outer, T.const(0), T.const(2), S.ForKind.SERIAL,
                  S.LetStmt(i3_outer, T.const(0), tile))
    for name in ("i0.outer", "i1.outer.outer"):
        outer = S.LetStmt(T.Var(name), T.const(0), outer)
    body = T.seq(pad_stage(data_buf, p.flat["data"]), kernel_stage(kernel_buf, p.flat["kernel"]),
                 outer)
    for name in ("res_conv", "kernel_buf", "data_buf"):
        var = alloc[name]
        extent = {"data_buf": 65536, "kernel_buf": 589824, "res_conv": 2 * TILE_SIZE}[name]
        body = S.Allocate(var, var.type_annotation.element_dtype, (T.const(extent),),
                          T.const(True), body)
    return T.PrimFunc(tuple(p.vars), body, p.buffer_map, dict(ATTRS))


# --- listing 3: vta.lower, after the VTA passes (DMA copies, micro-op kernels, tokens) ------

def _call(name, *args, dtype="int32"):
    return T.call_intrin(dtype, name, *args)


def _eval(name, *args):
    return S.Evaluate(_call(name, *args))


def _extern(*args):
    return S.Evaluate(T.call_extern("int32", *args))


def _ctx():
    return _call("tir.tvm_thread_context", _call("tir.vta.command_handle", dtype="handle"),
                 dtype="handle")


class Vta:
    """The single `vta` thread IterVar all coprocessor scopes share (env.dev.vta_axis)."""

    def __init__(self):
        self.axis = T.IterVar(None, T.Var("vta"), T.IterVarType.THREAD_INDEX, "vta")

    def scope(self, queue, *body):
        return S.AttrStmt(self.axis, "coproc_scope", T.const(queue), T.seq(*body))

    def uop_scope(self, kind, *body):
        return S.AttrStmt(self.axis, "coproc_uop_scope", T.StringImm(kind), T.seq(*body))


def _loop(name, extent, body_fn):
    return loop_nest([(name, extent)], body_fn)


def _gemm(vta, i2_outer, reset):
    def body(cthread):
        if reset:
            kernel = _loop("j.init", 14, lambda j: _eval(
                "tir.vta.uop_push", 0, 1, cthread * 784 + j, 0, 0, 0, 0, 0))
            loops = ((8, 98, 0, 0), (7, 14, 0, 0))
            pop = (3, 2)
        else:
            # dy * 8 twice: equal terms merge into dy * 16
            kernel = loop_nest([("dy", 3), ("dx", 3), ("j", 14)], lambda dy, dx, j: _eval(
                "tir.vta.uop_push", 0, 0, cthread * 784 + j,
                cthread * 144 + (dy * 8 + j + dx) + dy * 8, cthread * 72 + dy * 3 + dx, 0, 0, 0))
            loops = ((8, 98, 0, 9), (7, 14, 16, 0))
            pop = (1, 2)
        return vta.scope(2, _eval("tir.vta.coproc_dep_pop", *pop), vta.uop_scope(
            "VTAPushGEMMOp", _extern("VTAUopLoopBegin", *loops[0]),
            _extern("VTAUopLoopBegin", *loops[1]), kernel, _extern("VTAUopLoopEnd"),
            _extern("VTAUopLoopEnd")), _eval("tir.vta.coproc_dep_push", 2, 1))
    return _loop("cthread.s", 2, body)


def _loads(vta, params, i2_outer, ic_outer, thread):
    top = T.max(1 - i2_outer * 7, 0)                      # padded rows at the top
    bottom = T.max(i2_outer * 7 + 9 - 15, 0)              # padded rows at the bottom
    rows = 9 - top - bottom
    offset = ic_outer * 196 + (i2_outer * 7 + top - 1) * 14
    data_ptr = params.buffer_map[params.vars[0]].data
    kernel_ptr = params.buffer_map[params.vars[1]].data
    return vta.scope(
        1, _eval("tir.vta.coproc_dep_pop", 2, 1),
        _extern("VTALoadBuffer2D", _ctx(), data_ptr, offset, 14, rows, 14, 1, top, 1, bottom,
                thread * 144, 2),
        _extern("VTALoadBuffer2D", _ctx(), kernel_ptr, ic_outer * 9 + thread * 8 * 144,
                9, 8, 144, 0, 0, 0, 0, thread * 72, 1),
        _eval("tir.vta.coproc_dep_push", 1, 2))


def _alu(vta):
    def body(cthread):
        ops = ((3, 1, 8), (1, 1, 0), (0, 1, 127))       # shift right 8, max 0, min 127
        scopes = [vta.uop_scope("VTAPushALUOp", _extern("VTAUopLoopBegin", 784, 1, 1, 0),
                                _eval("tir.vta.uop_push", 1, 0, cthread * 784, cthread * 784, 0,
                                      *o), _extern("VTAUopLoopEnd")) for o in ops]
        return vta.scope(2, *scopes, _eval("tir.vta.coproc_dep_push", 2, 3))
    return _loop("cthread.s", 2, body)


def _store(vta, params, i2_outer):
    res_ptr = params.buffer_map[params.vars[2]].data

    def body(cthread):
        copy = loop_nest([("i1.inner", 8), ("i2.inner", 7), ("i3.inner", 14)],
                         lambda a, b, c: _extern(
                             "VTAStoreBuffer2D", _ctx(), cthread * 784 + (a * 7 + b) * 14 + c, 4,
                             res_ptr, (cthread * 8 + a) * 196 + (i2_outer * 7 + b) * 14 + c,
                             1, 1, 1))
        return vta.scope(3, _eval("tir.vta.coproc_dep_pop", 2, 3), copy,
                         _eval("tir.vta.coproc_dep_push", 3, 2))
    return _loop("cthread.s", 2, body)


def listing3_func():
    """vta.lower(s, [data, kernel, res]) before its final CSE (and a last Simplify)."""
    p = Params()
    vta = Vta()

    def tile(i2_outer):
        compute = _loop("ic.outer", 16, lambda ic_outer: T.seq(
            _loads(vta, p, i2_outer, ic_outer, 0), _loads(vta, p, i2_outer, ic_outer, 1),
            _gemm(vta, i2_outer, reset=False)))
        return T.seq(_gemm(vta, i2_outer, reset=True), compute,
                     _eval("tir.vta.coproc_dep_pop", 2, 1), _eval("tir.vta.coproc_dep_pop", 2, 1),
                     _alu(vta), _store(vta, p, i2_outer))
    body = T.seq(_eval("tir.vta.coproc_dep_push", 3, 2), _eval("tir.vta.coproc_dep_push", 3, 2),
                 _loop("i2.outer", 2, tile),
                 _eval("tir.vta.coproc_dep_pop", 3, 2), _eval("tir.vta.coproc_dep_pop", 3, 2),
                 _eval("tir.vta.coproc_sync"))
    return T.PrimFunc(tuple(p.vars), body, p.buffer_map, dict(ATTRS))
