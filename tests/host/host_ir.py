"""Hand-built lowered loop IR for the host tests and bench: the shapes of the reference
tutorial's listing 1 (default schedule) and listing 2 (blocked, two virtual threads),
flattened exactly as TVM prints them, at any size."""
from __future__ import annotations

import math
from dataclasses import dataclass

import minitvm.tir as T
from minitvm.tir import op


def param(name, dtype, shape):
    """A function parameter: (handle var, its N-d buffer, a flat 1-D view of it)."""
    handle = T.Var(name + "_handle", "handle")
    data = T.Var(name, "handle", T.PointerType(dtype))
    nd = T.decl_buffer(shape, dtype, name, data=data)
    flat = T.decl_buffer((math.prod(shape),), dtype, name + "_1", data=data)
    return handle, nd, flat


def alloc_buffer(name, dtype, size, declared=None):
    """An allocation's data var and a flat buffer on it (declared size may differ)."""
    data = T.Var(name, "handle", T.PointerType(dtype))
    return data, T.decl_buffer((declared or size,), dtype, name + "_1", data=data)


def grid(loops, body):
    """Nested serial loops [(var, extent), ...] around body, outermost first."""
    for var, extent in reversed(loops):
        body = T.For(var, T.const(0), T.const(extent), T.ForKind.SERIAL, body)
    return body


def ivars(*names):
    return [T.Var(n) for n in names]


def func(params, body):
    handles = tuple(p[0] for p in params)
    return T.PrimFunc(handles, body, {p[0]: p[1] for p in params})


def load(buf, index):
    return T.BufferLoad(buf, (index,))


def store(buf, index, value):
    return T.BufferStore(buf, op.convert(value), (index,))


@dataclass(frozen=True)
class ConvShape:
    """The tutorial's packed conv2d: NCHWnc data, OIHWoi kernel, pad p, stride 1."""
    icb: int = 16
    ocb: int = 16
    h: int = 14
    w: int = 14
    k: int = 3
    pad: int = 1
    block: int = 16

    @property
    def data_shape(self):
        return (1, self.icb, self.h, self.w, 1, self.block)

    @property
    def kernel_shape(self):
        return (self.ocb, self.icb, self.k, self.k, self.block, self.block)

    @property
    def out_hw(self):
        return self.h + 2 * self.pad - self.k + 1, self.w + 2 * self.pad - self.k + 1

    @property
    def res_shape(self):
        oh, ow = self.out_hw
        return (1, self.ocb, oh, ow, 1, self.block)


def conv_listing1(s: ConvShape):
    """Listing 1 of the reference (default schedule), flattened."""
    B, hp, wp = s.block, s.h + 2 * s.pad, s.w + 2 * s.pad
    oh, ow = s.out_hw
    data, kernel, res = (param("data", "int8", s.data_shape),
                         param("kernel", "int8", s.kernel_shape),
                         param("res", "int8", s.res_shape))
    pad_data, pad_buf = alloc_buffer("data_buf", "int8", s.icb * hp * wp * B)
    kbuf_data, kbuf = alloc_buffer("kernel_buf", "int8", math.prod(s.kernel_shape))
    acc_data, acc = alloc_buffer("res_conv", "int32", math.prod(s.res_shape))

    i1, i2, i3, i5 = ivars("i1", "i2", "i3", "i5")
    c1 = T.Var("cse_var_1")
    inside = T.all(s.pad <= i2, i2 < s.h + s.pad, s.pad <= i3, i3 < s.w + s.pad)
    src = i1 * (s.h * s.w * B) + i2 * (s.w * B) + c1 + i5 - (s.pad * s.w * B + s.pad * B)
    pad_nest = grid([(i1, s.icb), (i2, hp), (i3, wp), (i5, B)], T.LetStmt(
        c1, i3 * B, store(pad_buf, i1 * (hp * wp * B) + i2 * (wp * B) + c1 + i5,
                          T.if_then_else(inside, load(data[2], src), T.const(0, "int8")))))

    k_vars = ivars("i0", "i1", "i2", "i3", "i4", "i5")
    c2 = T.Var("cse_var_2")
    k_index = _row_major(k_vars, s.kernel_shape)
    kernel_nest = grid(list(zip(k_vars, s.kernel_shape)), T.LetStmt(
        c2, k_index, store(kbuf, c2, load(kernel[2], c2))))

    co, i, j, ci = ivars("co", "i", "j", "ci")
    ic, dy, dx, ict = ivars("ic", "dy", "dx", "ic_tns")
    c3, c4 = T.Var("cse_var_3"), T.Var("cse_var_4")
    out_index = co * (oh * ow * B) + i * (ow * B) + c4 + ci
    product = (op.cast("int32", load(pad_buf, ic * (hp * wp * B) + i * (wp * B) + dy * (wp * B)
                                     + c4 + dx * B + ict)) *
               op.cast("int32", load(kbuf, co * (s.icb * s.k * s.k * B * B)
                                     + ic * (s.k * s.k * B * B) + dy * (s.k * B * B)
                                     + dx * (B * B) + ci * B + ict)))
    reduce_nest = grid([(ic, s.icb), (dy, s.k), (dx, s.k), (ict, B)], T.LetStmt(
        c4, j * B, T.LetStmt(c3, out_index, store(acc, c3, load(acc, c3) + product))))
    conv_nest = grid([(co, s.ocb), (i, oh), (j, ow), (ci, B)], T.seq(
        store(acc, co * (oh * ow * B) + i * (ow * B) + j * B + ci, T.const(0)), reduce_nest))

    out_dims = [s.ocb, oh, ow, B]
    epilogue = [
        _elementwise(acc, out_dims, lambda x: T.shift_right(x, 8)),
        _elementwise(acc, out_dims, lambda x: T.max(x, 0)),
        _elementwise(acc, out_dims, lambda x: T.min(x, 127)),
        _elementwise(acc, out_dims, lambda x: op.cast("int8", x), dest=res[2]),
    ]
    body = T.seq(pad_nest, kernel_nest, conv_nest, *epilogue)
    body = T.Allocate(acc_data, "int32", (T.const(acc.shape[0].value),), T.const(True), body)
    body = T.Allocate(kbuf_data, "int8", (T.const(kbuf.shape[0].value),), T.const(True), body)
    body = T.Allocate(pad_data, "int8", (T.const(pad_buf.shape[0].value),), T.const(True), body)
    return func([data, kernel, res], body)


def _row_major(vars_, shape):
    index, step = T.const(0), 1
    for v, n in reversed(list(zip(vars_, shape))):
        index = v * step + index
        step *= n
    return index


def _elementwise(src, dims, f, dest=None):
    """for i1, i2, i3, i5: dest[cse] = f(src[cse]) over the packed output layout."""
    vs = ivars("i1", "i2", "i3", "i5")
    c = T.Var("cse_var")
    return grid(list(zip(vs, dims)), T.LetStmt(
        c, _row_major(vs, dims), store(dest or src, c, f(load(src, c)))))


def conv_listing2(s: ConvShape, h_block=7, threads=2):
    """Listing 2 of the reference: blocked over output rows, two virtual threads over
    output channels interleaved in one body (two stores per iteration)."""
    B, hp, wp = s.block, s.h + 2 * s.pad, s.w + 2 * s.pad
    oh, ow = s.out_hw
    co_t, hb = s.ocb // threads, h_block
    data, kernel, res = (param("data", "int8", s.data_shape),
                         param("kernel", "int8", s.kernel_shape),
                         param("res", "int8", s.res_shape))
    listing1 = conv_listing1(s)
    pad_nest, kernel_nest = _first_two_nests(listing1)
    pad_nest, kernel_nest = _rebind(pad_nest, listing1, (data, kernel)), \
        _rebind(kernel_nest, listing1, (data, kernel))
    acc_size = threads * co_t * hb * ow * B
    acc_data, acc = alloc_buffer("res_conv", "int32", acc_size, declared=157351936)
    t_acc, t_ker, t_res = co_t * hb * ow * B, co_t * s.icb * s.k * s.k * B * B, co_t * oh * ow * B
    pad_buf, kbuf = _buffers_of(pad_nest), _buffers_of(kernel_nest)

    i2o = T.Var("i2_outer")
    ci_vars = ivars("co_init", "i_init", "j_init", "ci_init")
    c3 = T.Var("cse_var_3")
    init = grid(list(zip(ci_vars, [co_t, hb, ow, B])), T.LetStmt(
        c3, _row_major(ci_vars, [co_t, hb, ow, B]),
        T.seq(*[store(acc, c3 + t * t_acc, T.const(0)) for t in range(threads)])))

    ico, co, i, dy, dx, j, ci, ict = ivars("ic_outer", "co", "i", "dy", "dx", "j", "ci",
                                           "ic_tns")
    c8, c7, c5, c4 = (T.Var(f"cse_var_{n}") for n in (8, 7, 5, 4))
    kstep = s.icb * s.k * s.k * B * B
    lets = [(c8, j * B), (c7, co * (hb * ow * B) + i * (ow * B) + c8 + ci),
            (c5, co * kstep + ico * (s.k * s.k * B * B) + dy * (s.k * B * B) + dx * (B * B)
             + ci * B + ict),
            (c4, ico * (hp * wp * B) + i2o * (hb * wp * B) + i * (wp * B) + dy * (wp * B)
             + c8 + dx * B + ict)]
    updates = []
    for t in range(threads):
        out = c7 + t * t_acc
        updates.append(store(acc, out, load(acc, out) + op.cast("int32", load(pad_buf, c4))
                             * op.cast("int32", load(kbuf, c5 + t * t_ker))))
    body = T.seq(*updates)
    for var, value in reversed(lets):
        body = T.LetStmt(var, value, body)
    conv = grid([(ico, s.icb), (co, co_t), (i, hb), (dy, s.k), (dx, s.k), (j, ow), (ci, B),
                 (ict, B)], body)

    dims = [co_t, hb, ow, B]
    stages = [_threaded(acc, dims, t_acc, threads, f)
              for f in (lambda x: T.shift_right(x, 8), lambda x: T.max(x, 0),
                        lambda x: T.min(x, 127))]
    outs = ivars("i1_inner", "i2_inner", "i3_inner", "i5")
    c16, c15 = T.Var("cse_var_16"), T.Var("cse_var_15")
    out_index = (outs[0] * (oh * ow * B) + i2o * (hb * ow * B) + outs[1] * (ow * B)
                 + outs[2] * B + outs[3])
    copy_out = grid(list(zip(outs, dims)), T.LetStmt(c16, _row_major(outs, dims), T.LetStmt(
        c15, out_index, T.seq(*[store(res[2], c15 + t * t_res,
                                      op.cast("int8", load(acc, c16 + t * t_acc)))
                                for t in range(threads)]))))
    blocked = T.For(i2o, T.const(0), T.const(oh // hb), T.ForKind.SERIAL,
                    T.seq(init, conv, *stages, copy_out))
    body = T.seq(pad_nest, kernel_nest, blocked)
    body = T.Allocate(acc_data, "int32", (T.const(acc_size),), T.const(True), body)
    body = T.Allocate(kbuf.data, "int8", (T.const(kbuf.shape[0].value),), T.const(True), body)
    body = T.Allocate(pad_buf.data, "int8", (T.const(pad_buf.shape[0].value),), T.const(True),
                      body)
    return func([data, kernel, res], body)


def _first_two_nests(f):
    body = f.body
    while isinstance(body, T.Allocate):
        body = body.body
    return body.seq[0], body.seq[1]


class _Rebind(T.Mutator):
    """Point loads of one function's parameter buffers at another's data vars."""

    def __init__(self, mapping):
        self.mapping = mapping

    def visit_BufferLoad(self, e):
        new = self.mapping.get(e.buffer.data)
        if new is None:
            return self.generic_visit(e)
        return T.BufferLoad(new, tuple(self.visit(i) for i in e.indices))


def _rebind(stmt, old_func, new_params):
    old = [old_func.buffer_map[h] for h in old_func.params[:2]]
    mapping = {b.data: p[2] for b, p in zip(old, new_params)}
    return _Rebind(mapping).visit(stmt)


def _buffers_of(nest):
    found = []
    T.post_order_visit(nest, lambda n: found.append(n.buffer)
                       if isinstance(n, T.BufferStore) else None)
    return found[0]


def _threaded(acc, dims, offset, threads, f):
    vs = ivars("i1", "i2", "i3", "i5")
    c = T.Var("cse_var")
    return grid(list(zip(vs, dims)), T.LetStmt(c, _row_major(vs, dims), T.seq(
        *[store(acc, c + t * offset, f(load(acc, c + t * offset))) for t in range(threads)])))
