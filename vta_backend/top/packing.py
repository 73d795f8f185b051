"""Converting numpy arrays to and from VTA's packed layouts (what VTA's tests write inline).

Activations NCHW <-> (N/BATCH, C/BLOCK, H, W, BATCH, BLOCK); conv kernels OIHW ->
(O/BLOCK_OUT, I/BLOCK_IN, KH, KW, BLOCK_OUT, BLOCK_IN); dense matrices (rows, cols) ->
(rows/row_block, cols/col_block, row_block, col_block) and back.
"""
from __future__ import annotations


from ..environment import get_env
from .utils import VTAOperatorError


def _blocks(name, extent, block, what):
    if extent % block:
        raise VTAOperatorError(f"{name}: {what} {extent} is not a multiple of the hardware "
                               f"block {block}")
    return extent // block


def pack_nchw(array, env=None, block=None):
    """An NCHW array packed as (N/BATCH, C/block, H, W, BATCH, block); block defaults to
    BLOCK_IN (data), pass env.BLOCK_OUT for outputs and biases."""
    env = env or get_env()
    block = block or env.BLOCK_IN
    n, c, h, w = array.shape
    nb = _blocks("pack_nchw", n, env.BATCH, "batch")
    cb = _blocks("pack_nchw", c, block, "channels")
    return array.reshape(nb, env.BATCH, cb, block, h, w).transpose((0, 2, 4, 5, 1, 3))


def unpack_nchw(array):
    """A packed (N/b, C/c, H, W, b, c) array back in NCHW."""
    nb, cb, h, w, b, c = array.shape
    return array.transpose((0, 4, 1, 5, 2, 3)).reshape(nb * b, cb * c, h, w)


def pack_kernel(array, env=None):
    """An OIHW kernel packed as (O/BLOCK_OUT, I/BLOCK_IN, KH, KW, BLOCK_OUT, BLOCK_IN)."""
    env = env or get_env()
    o, i, kh, kw = array.shape
    ob = _blocks("pack_kernel", o, env.BLOCK_OUT, "output channels")
    ib = _blocks("pack_kernel", i, env.BLOCK_IN, "input channels")
    return array.reshape(ob, env.BLOCK_OUT, ib, env.BLOCK_IN, kh, kw).transpose(
        (0, 2, 4, 5, 1, 3))


def pack_matrix(array, row_block, col_block):
    """A (rows, cols) matrix packed as (rows/row_block, cols/col_block, row_block,
    col_block): dense data uses (BATCH, BLOCK_IN), weights (BLOCK_OUT, BLOCK_IN)."""
    rows, cols = array.shape
    rb = _blocks("pack_matrix", rows, row_block, "rows")
    cb = _blocks("pack_matrix", cols, col_block, "columns")
    return array.reshape(rb, row_block, cb, col_block).transpose((0, 2, 1, 3))


def unpack_matrix(array):
    """A packed (R/r, C/c, r, c) matrix back as (R, C)."""
    rb, cb, r, c = array.shape
    return array.transpose((0, 2, 1, 3)).reshape(rb * r, cb * c)
