"""The seven statistics of two ResNet-18 layers, derived by hand from the schedule's tiles
and the layer shapes, against the simulator's counters for the same config."""

from minitvm import autotvm
import vta_backend as vta
from vta_backend.top.workloads import RESNET18_CONV, conv2d_args

env = vta.get_env()
LAYERS = dict(RESNET18_CONV)


def run(name, th, tw, tci, tco):
    wl = LAYERS[name]
    task = autotvm.task.create("conv2d_packed.vta", args=conv2d_args(wl), target=env.target)
    space = task.config_space
    knobs = [0] + [[e.size[-1] for e in space.space_map[k].entities].index(v)
                   for k, v in (("tile_h", th), ("tile_w", tw), ("tile_ci", tci),
                                ("tile_co", tco))] + [0, 0]
    result = vta.top.evaluate(task, space.get(space.knob2point(knobs)))
    assert result.correct
    return wl, result.stats


def in_bounds_windows(size, pad, kernel, stride, tile):
    """Input rows (or columns) a tile of `tile` outputs loads, excluding padding, summed
    over the tiles of one axis."""
    out = (size + 2 * pad - kernel) // stride + 1
    total = 0
    for start in range(0, out, tile):
        lo = start * stride - pad
        hi = lo + (tile - 1) * stride + kernel
        total += min(hi, size) - max(lo, 0)
    return total


def expected(wl, th, tw, tci, tco, uops):
    oh = (wl.height + 2 * wl.hpad - wl.hkernel) // wl.hstride + 1
    ow = (wl.width + 2 * wl.wpad - wl.wkernel) // wl.wstride + 1
    ci_b, co_b = wl.in_filter // env.BLOCK_IN, wl.out_filter // env.BLOCK_OUT
    spatial_tiles = (oh // th) * (ow // tw)
    rows = in_bounds_windows(wl.height, wl.hpad, wl.hkernel, wl.hstride, th)
    cols = in_bounds_windows(wl.width, wl.wpad, wl.wkernel, wl.wstride, tw)
    return {
        # each (co tile, ci tile) pair loads the data window of every spatial tile
        "inp_load_nbytes": rows * cols * ci_b * (co_b // tco) * env.BLOCK_IN,
        # each spatial tile loads all the weights once
        "wgt_load_nbytes": spatial_tiles * co_b * ci_b * wl.hkernel * wl.wkernel
        * env.BLOCK_OUT * env.BLOCK_IN,
        "acc_load_nbytes": 0,
        "uop_load_nbytes": uops * 4,
        "out_store_nbytes": oh * ow * wl.out_filter,
        "gemm_counter": oh * ow * co_b * ci_b * wl.hkernel * wl.wkernel,
        "alu_counter": 3 * oh * ow * co_b,          # shift, min, max over every output
    }


# Micro-op kernels, each loaded once (they all fit the micro-op buffer together): the GEMM
# kernel has one micro-op per iteration of its loops inside the loads, but for the two
# outermost loops of more than one iteration, which become the instruction's loop levels;
# the reset kernel likewise over the output tile's loops (j, c_o, i); each of the three ALU
# kernels walks a tile that is contiguous in the accumulator: one micro-op.


def test_c4_statistics():
    # 1x1, stride 2: tiles 7 rows x 28 columns x 8 channel blocks, one input block a step.
    # GEMM loops: k_o.inner 1, j 28, c_o 8, i 7 -> j, c_o fold: 7; reset: j 28, c_o 8, i 7
    # -> 7.
    wl, stats = run("resnet-18.C4", 7, 28, 1, 8)
    assert stats == expected(wl, 7, 28, 1, 8, uops=7 + 7 + 3)


def test_c11_statistics():
    # 3x3, padding 1: tiles 7 x 7 x 4 channel blocks, one input block a step.
    # GEMM loops: k_o.inner 1, j 7, d_j 3, d_i 3, c_o 4, i 7 -> j, d_j fold: 3*4*7 = 84;
    # reset: j 7, c_o 4, i 7 -> 7.
    wl, stats = run("resnet-18.C11", 7, 7, 1, 4)
    assert stats == expected(wl, 7, 7, 1, 4, uops=84 + 7 + 3)
