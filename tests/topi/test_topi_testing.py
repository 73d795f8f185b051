"""topi.testing's new references against direct loops over every output element (the
references are the truth the operator tests compare with)."""
import itertools

import numpy as np
import pytest

from minitvm import topi


def test_depthwise_reference_matches_direct_loops():
    rng = np.random.default_rng(0)
    a, w = rng.standard_normal((1, 3, 6, 5)), rng.standard_normal((3, 2, 3, 2))
    got = topi.testing.depthwise_conv2d_python_nchw(a, w, (2, 1), (1, 0, 2, 1))
    top, left = 1, 0
    padded = np.pad(a, ((0, 0), (0, 0), (1, 2), (0, 1)))
    oh, ow = (padded.shape[2] - 3) // 2 + 1, (padded.shape[3] - 2) // 1 + 1
    expect = np.zeros((1, 6, oh, ow))
    for c, m, y, x in itertools.product(range(3), range(2), range(oh), range(ow)):
        window = padded[0, c, y * 2:y * 2 + 3, x:x + 2]
        expect[0, c * 2 + m, y, x] = (window * w[c, m]).sum()
    assert (top, left) == (1, 0)
    np.testing.assert_allclose(got, expect, rtol=1e-12)


@pytest.mark.parametrize("stride, padding, opad", [(1, 0, 0), (2, 1, 1), (3, 0, 2)])
def test_transpose_reference_is_the_adjoint_of_conv2d(stride, padding, opad):
    """<conv2d(x, w), y> == <x, conv2d_transpose(y, w)>: the defining property, checked
    with the (separately tested) conv2d reference, plus the output shape."""
    rng = np.random.default_rng(1)
    w = rng.standard_normal((4, 3, 3, 3))                # conv2d: 3 -> 4 channels
    y = rng.standard_normal((1, 4, 4, 5))
    t = topi.testing.conv2d_transpose_nchw_python(y, w, stride, padding, (opad, opad))
    assert t.shape == (1, 3, 3 * stride + 3 - 2 * padding + opad,
                       4 * stride + 3 - 2 * padding + opad)
    x = rng.standard_normal(t.shape)
    conv = topi.testing.conv2d_nchw_python(x, w, stride, padding)
    np.testing.assert_allclose((conv * y).sum(), (x * t).sum(), rtol=1e-10)


def test_pool_reference_matches_hand_computed_windows():
    a = np.arange(16, dtype="float32").reshape(1, 1, 4, 4)
    # 3x3 windows, stride 2, one row/column of padding before: windows start at -1 and 1
    mx = topi.testing.poolnd_python(a, (3, 3), (2, 2), (1, 1), (1, 1), (0, 0), "max")
    np.testing.assert_array_equal(mx[0, 0], [[5, 7], [13, 15]])
    avg = topi.testing.poolnd_python(a, (3, 3), (2, 2), (1, 1), (1, 1), (0, 0), "avg",
                                     count_include_pad=False)
    np.testing.assert_allclose(avg[0, 0], [[(0 + 1 + 4 + 5) / 4, (1 + 2 + 3 + 5 + 6 + 7) / 6],
                                           [(4 + 5 + 8 + 9 + 12 + 13) / 6,
                                            (5 + 6 + 7 + 9 + 10 + 11 + 13 + 14 + 15) / 9]])
    inc = topi.testing.poolnd_python(a, (3, 3), (2, 2), (1, 1), (1, 1), (0, 0), "avg")
    np.testing.assert_allclose(inc[0, 0, 0, 0], (0 + 1 + 4 + 5) / 9)
    # ceil_mode: a 3rd window starting at 3 (one column inside), its extra padding not counted
    ceil = topi.testing.poolnd_python(a, (2, 2), (3, 3), (1, 1), (0, 0), (0, 0), "avg",
                                      ceil_mode=True)
    np.testing.assert_allclose(ceil[0, 0], [[(0 + 1 + 4 + 5) / 4, (3 + 7) / 2],
                                            [(12 + 13) / 2, 15]])


def test_softmax_reference_rows_sum_to_one():
    a = np.random.default_rng(2).standard_normal((3, 7)).astype("float32") * 10
    s = topi.testing.softmax_python(a, axis=1)
    np.testing.assert_allclose(s.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_allclose(topi.testing.log_softmax_python(a, 1), np.log(s), atol=1e-5)


def test_dilate_reference_spreads_elements():
    got = topi.testing.dilate_python(np.array([[1, 2], [3, 4]], "float32"), (2, 3), 9)
    np.testing.assert_array_equal(got, [[1, 9, 9, 2], [9, 9, 9, 9], [3, 9, 9, 4]])
