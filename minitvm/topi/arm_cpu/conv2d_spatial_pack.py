"""Spatial-pack convolution, NCHW (TVM's `topi.arm_cpu.conv2d_spatial_pack`): the compute
and the schedule the ARM CPU template (conv2d.py) puts together.

The output is computed in tiles of VH rows x VW columns x VC channels, the innermost loops
of a packed layout: the input is first copied into per-tile windows
`data_vec[n, h, w, ci, VH*stride + KH - 1, VW*stride + KW - 1]` (or, dilated, one window
per kernel tap), the kernel into `kernel_vec[co/VC, ci, kh, kw, VC]`, the convolution
writes `conv[n, co/VC, h/VH, w/VW, VH, VW, VC]` and `output_unpack` reads it back in NCHW.
Knobs: tile_co, tile_oh, tile_ow (the tile: two-way splits), reorder_0 (two orders of the
tile loops), ann_reduce (unroll the kernel loops or not) and ann_spatial (unroll or
vectorize the tile loops).

Where ours differs from TVM's: without a tuned config the fallback takes the knobs of the
most similar workload in the bundled arm_cpu TopHub log, as TVM's does, but minitvm ships
no arm_cpu log, so the fallback is every knob's first choice (1 x 1 x 1 tiles).
"""
from __future__ import annotations

from ... import autotvm, te
from .. import nn
from ..nn.utils import get_pad_tuple
from ..utils import get_const_int, get_const_tuple


class SpatialPackError(ValueError):
    """Arguments the spatial-pack convolution cannot take."""


def conv2d_spatial_pack_nchw(cfg, data, kernel, strides, padding, dilation, out_dtype,
                             num_tile):
    """The packed convolution (see the module docstring); `num_tile` 2 (ARM CPU)."""
    if num_tile != 2:
        raise SpatialPackError(f"conv2d_spatial_pack_nchw: num_tile {num_tile} is not "
                               "supported (2: ARM CPU; Mali's 3 is not part of minitvm)")
    out_dtype = out_dtype or data.dtype
    n_, ci_, ih_, iw_ = get_const_tuple(data.shape)
    if len(kernel.shape) == 4:
        co_, _, kh_, kw_ = get_const_tuple(kernel.shape)
    else:                                   # pre-packed (co/VC, ci, kh, kw, VC)
        co_, _, kh_, kw_, vc_ = get_const_tuple(kernel.shape)
        co_ *= vc_
    dil_h, dil_w = (dilation, dilation) if isinstance(dilation, int) else dilation
    stride_h, stride_w = strides if isinstance(strides, (tuple, list)) else (strides, strides)
    top, left, bottom, right = get_pad_tuple(padding, ((kh_ - 1) * dil_h + 1,
                                                       (kw_ - 1) * dil_w + 1))
    oh_ = (ih_ + top + bottom - (kh_ - 1) * dil_h - 1) // stride_h + 1
    ow_ = (iw_ + left + right - (kw_ - 1) * dil_w - 1) // stride_w + 1
    data_pad = nn.pad(data, [0, 0, top, left], [0, 0, bottom, right])

    vc, vh, vw = _define_space(cfg, n_, co_, oh_, ow_, ci_, kh_, kw_)
    if dil_h != 1 or dil_w != 1:
        data_vec = te.compute(
            (n_, oh_ // vh, ow_ // vw, ci_, kh_, kw_, vh, vw),
            lambda n, h, w, ci, kh, kw, y, x: data_pad[
                n, ci, (h * vh + y) * stride_h + kh * dil_h, (w * vw + x) * stride_w + kw * dil_w],
            name="data_vec_undilated")
    else:
        data_vec = te.compute(
            (n_, oh_ // vh, ow_ // vw, ci_, vh * stride_h + kh_ - 1, vw * stride_w + kw_ - 1),
            lambda n, h, w, ci, y, x: data_pad[n, ci, h * vh * stride_h + y, w * vw * stride_w + x],
            name="data_vec")
    kernel_vec = _packed_kernel(kernel, (co_ // vc, ci_, kh_, kw_, vc))

    ci = te.reduce_axis((0, ci_), name="ci")
    kh = te.reduce_axis((0, kh_), name="kh")
    kw = te.reduce_axis((0, kw_), name="kw")
    if dil_h != 1 or dil_w != 1:
        def window(n, h, w, y, x):
            return data_vec[n, h, w, ci, kh, kw, y, x]
    else:
        def window(n, h, w, y, x):
            return data_vec[n, h, w, ci, y * stride_h + kh, x * stride_w + kw]
    conv = te.compute(
        (n_, co_ // vc, oh_ // vh, ow_ // vw, vh, vw, vc),
        lambda n, co, h, w, y, x, c: te.sum(
            window(n, h, w, y, x).astype(out_dtype)
            * kernel_vec[co, ci, kh, kw, c].astype(out_dtype), axis=[ci, kh, kw]),
        name="conv")
    return te.compute(
        (n_, co_, oh_, ow_),
        lambda n, co, h, w: conv[n, co // vc, h // vh, w // vw, h % vh, w % vw, co % vc],
        name="output_unpack", tag="spatial_conv2d_output")


def _define_space(cfg, n_, co_, oh_, ow_, ci_, kh_, kw_):
    """The knobs; returns the tile (VC, VH, VW) of the config."""
    n, co, oh, ow = cfg.axis(n_), cfg.axis(co_), cfg.axis(oh_), cfg.axis(ow_)
    ci, kh, kw = cfg.reduce_axis(ci_), cfg.reduce_axis(kh_), cfg.reduce_axis(kw_)
    co, vc = cfg.define_split("tile_co", co, num_outputs=2)
    oh, vh = cfg.define_split("tile_oh", oh, num_outputs=2)
    ow, vw = cfg.define_split("tile_ow", ow, num_outputs=2)
    cfg.define_reorder("reorder_0", [n, co, oh, ow, ci, kh, kw, vh, vw, vc], policy="candidate",
                       candidate=[[n, co, oh, ow, ci, kh, kw, vh, vw, vc],
                                  [n, co, oh, ow, ci, kh, kw, vc, vh, vw]])
    cfg.define_annotate("ann_reduce", [kh, kw], policy="try_unroll")
    cfg.define_annotate("ann_spatial", [vh, vw, vc], policy="try_unroll_vec")
    if cfg.is_fallback:
        cfg.fallback_with_reference_log(autotvm.tophub.load_reference_log(
            "arm_cpu", "rk3399", "conv2d_nchw_spatial_pack.arm_cpu"))
    return cfg["tile_co"].size[-1], cfg["tile_oh"].size[-1], cfg["tile_ow"].size[-1]


def _packed_kernel(kernel, kvshape):
    """The kernel as (CO/VC, CI, KH, KW, VC): a placeholder while tuning (TVM measures the
    convolution without the packing), the kernel itself if pre-packed, else a copy."""
    if autotvm.GLOBAL_SCOPE.in_tuning:
        return te.placeholder(kvshape, kernel.dtype, name="kernel_autotvm")
    if len(kernel.shape) == 5:
        return kernel
    vc = kvshape[-1]
    return te.compute(kvshape, lambda co, ci, kh, kw, c: kernel[co * vc + c, ci, kh, kw],
                      name="kernel_vec")


def schedule_conv2d_spatial_pack_nchw(cfg, s, data_vec, kernel_vec, conv, output, last):
    """Schedule the packed convolution: the tile loops innermost as `reorder_0` says and
    annotated by the knobs, computed per output tile of `last` (the final op, `output` if
    nothing is fused after it), output channel tiles in parallel."""
    n, co, oh, ow, vh, vw, vc = s[conv].op.axis
    ci, kh, kw = s[conv].op.reduce_axis
    tile = [cfg["tile_oh"].size[-1], cfg["tile_ow"].size[-1], cfg["tile_co"].size[-1]]
    cfg["reorder_0"].apply(s, conv, [n, co, oh, ow, ci, kh, kw, vh, vw, vc])
    cfg["ann_reduce"].apply(s, conv, [kh, kw], axis_lens=[get_const_int(kh.dom.extent),
                                                          get_const_int(kw.dom.extent)],
                            max_unroll=None, cfg=cfg)
    cfg["ann_spatial"].apply(s, conv, [vh, vw, vc], axis_lens=tile, max_unroll=None, cfg=cfg)

    n, co, h, w = s[last].op.axis
    co, vc = cfg["tile_co"].apply(s, last, co)
    oh, vh = cfg["tile_oh"].apply(s, last, h)
    ow, vw = cfg["tile_ow"].apply(s, last, w)
    s[last].reorder(n, co, oh, ow, vh, vw, vc)
    if last.op is not output.op:
        s[output].compute_inline()
        cfg["ann_spatial"].apply(s, last, [vh, vw, vc], axis_lens=tile, max_unroll=16, cfg=cfg)
    s[conv].compute_at(s[last], ow)
    s[last].parallel(co)
    s[data_vec].parallel(s[data_vec].op.axis[1])
    if kernel_vec.op.name == "kernel_vec":
        s[kernel_vec].parallel(s[kernel_vec].op.axis[0])
    return s
