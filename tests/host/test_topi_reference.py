"""conv2d_nchw_python against a direct loop over every output element."""
import itertools

import numpy as np
import pytest

from minitvm.topi.testing import conv2d_nchw_python


def naive_conv(a, w, stride, pads, groups=1):
    n, c, h, wd = a.shape
    o, cg, kh, kw = w.shape
    (sh, sw), (top, left, bottom, right) = stride, pads
    oh, ow = (h + top + bottom - kh) // sh + 1, (wd + left + right - kw) // sw + 1
    out = np.zeros((n, o, oh, ow), np.int64 if a.dtype.kind in "iu" else np.float64)
    og = o // groups
    for b, f, y, x in itertools.product(range(n), range(o), range(oh), range(ow)):
        g = f // og
        for ci, dy, dx in itertools.product(range(cg), range(kh), range(kw)):
            yy, xx = y * sh + dy - top, x * sw + dx - left
            if 0 <= yy < h and 0 <= xx < wd:
                out[b, f, y, x] += a[b, g * cg + ci, yy, xx] * w[f, ci, dy, dx]
    return out.astype(a.dtype)


@pytest.mark.parametrize("stride, padding, pads", [
    (1, 0, (0, 0, 0, 0)), (1, 1, (1, 1, 1, 1)), ((2, 1), (1, 2), (1, 2, 1, 2)),
    (2, (0, 1, 2, 1), (0, 1, 2, 1)), (1, "SAME", (1, 1, 1, 1)), (1, "VALID", (0, 0, 0, 0))])
def test_matches_direct_loops(stride, padding, pads):
    rng = np.random.default_rng(0)
    a = rng.integers(-128, 128, (2, 3, 5, 6)).astype("int32")
    w = rng.integers(-128, 128, (4, 3, 3, 3)).astype("int32")
    pair = stride if isinstance(stride, tuple) else (stride, stride)
    np.testing.assert_array_equal(conv2d_nchw_python(a, w, stride, padding),
                                  naive_conv(a, w, pair, pads))


def test_float_and_groups():
    rng = np.random.default_rng(1)
    a, w = rng.random((1, 4, 4, 4)).astype("float32"), rng.random((6, 2, 3, 3)).astype("float32")
    np.testing.assert_allclose(conv2d_nchw_python(a, w, 1, 1, groups=2),
                               naive_conv(a, w, (1, 1), (1, 1, 1, 1), groups=2), rtol=1e-5)


def test_integer_results_wrap_into_the_input_dtype():
    a = np.full((1, 1, 1, 1), 100, "int8")
    w = np.full((1, 1, 1, 1), 100, "int8")
    assert conv2d_nchw_python(a, w, 1, 0)[0, 0, 0, 0] == 10000 % 256  # 16: wrapped like a cast


def test_bad_padding_is_refused():
    with pytest.raises(ValueError, match="padding must be an int, a pair or 4 values"):
        conv2d_nchw_python(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 1, 1)), 1, (1, 2, 3))
