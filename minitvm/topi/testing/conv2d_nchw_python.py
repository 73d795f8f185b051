"""2-D convolution reference (`tvm.topi.testing.conv2d_nchw_python`), in plain numpy.

Independent of minitvm's compiler, so they can check it.
"""
from __future__ import annotations

import numpy as np


def _pair(value, what):
    if isinstance(value, (int, np.integer)):
        return int(value), int(value)
    if len(value) == 2:
        return int(value[0]), int(value[1])
    raise ValueError(f"conv2d_nchw_python: {what} must be an int or a pair, got {value!r}")


def _pads(padding, kernel_hw):
    """(top, left, bottom, right) from TVM's padding spellings."""
    if isinstance(padding, str):
        if padding.upper() == "VALID":
            return 0, 0, 0, 0
        if padding.upper() == "SAME":   # kernel - 1 in all, the odd one first (as TVM)
            (kh, kw) = kernel_hw
            return kh // 2, kw // 2, (kh - 1) // 2, (kw - 1) // 2
        raise ValueError(f"conv2d_nchw_python: unknown padding {padding!r}")
    if isinstance(padding, (int, np.integer)):
        return (int(padding),) * 4
    if len(padding) == 2:
        return int(padding[0]), int(padding[1]), int(padding[0]), int(padding[1])
    if len(padding) == 4:
        return tuple(int(p) for p in padding)
    raise ValueError(f"conv2d_nchw_python: padding must be an int, a pair or 4 values, "
                     f"got {padding!r}")


def _accumulator(a_np, w_np, terms):
    """A dtype in which the sum of `terms` products is exact (float64 BLAS if it can be)."""
    if a_np.dtype.kind == "f" or w_np.dtype.kind == "f":
        return np.result_type(a_np, w_np)
    largest = max(abs(int(a_np.min(initial=0))), abs(int(a_np.max(initial=0)))) * \
        max(abs(int(w_np.min(initial=0))), abs(int(w_np.max(initial=0))))
    return np.float64 if largest * terms < 2 ** 53 else np.int64


def conv2d_nchw_python(a_np, w_np, stride, padding, groups=1):
    """2-D convolution: data (N, C, H, W), kernel (O, C // groups, KH, KW); the result
    has a_np's dtype (integers wrap, as a cast does)."""
    n, c, h, w = a_np.shape
    o, cg, kh, kw = w_np.shape
    if c != cg * groups or o % groups:
        raise ValueError(f"conv2d_nchw_python: {c} input channels, kernel for {cg} per group "
                         f"and {o} outputs do not fit groups={groups}")
    sh, sw = _pair(stride, "stride")
    top, left, bottom, right = _pads(padding, (kh, kw))
    acc = _accumulator(a_np, w_np, cg * kh * kw)
    padded = np.zeros((n, c, h + top + bottom, w + left + right), acc)
    padded[:, :, top:top + h, left:left + w] = a_np
    oh = (h + top + bottom - kh) // sh + 1
    ow = (w + left + right - kw) // sw + 1
    out = np.zeros((n, o, oh, ow), acc)
    og = o // groups
    for g in range(groups):
        chans, outs = slice(g * cg, (g + 1) * cg), slice(g * og, (g + 1) * og)
        for y in range(kh):
            for x in range(kw):
                window = padded[:, chans, y:y + sh * (oh - 1) + 1:sh, x:x + sw * (ow - 1) + 1:sw]
                out[:, outs] += np.einsum("nchw,oc->nohw", window,
                                          w_np[outs, :, y, x].astype(acc), optimize=True)
    if acc == np.float64 and a_np.dtype.kind in "iu":
        out = out.astype(np.int64)
    return out.astype(a_np.dtype)
