"""TOPI's neural-network operators on random inputs and shapes, against the numpy
references of topi.testing (which tests/topi/test_topi_testing.py checks against
direct loops), with the default schedule and with topi.generic's."""
import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import minitvm as tvm
from minitvm import te, topi
from topi_helpers import random, run

SETTINGS = settings(max_examples=8, deadline=None)
paddings = st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)),
                     st.tuples(*[st.integers(0, 2)] * 4), st.sampled_from(["SAME", "VALID"]))


@SETTINGS
@given(n=st.integers(1, 2), c=st.integers(1, 4), o=st.integers(1, 4), h=st.integers(3, 7),
       k=st.integers(1, 3), stride=st.integers(1, 2), padding=paddings,
       layout=st.sampled_from(["NCHW", "NHWC", "HWCN"]), seed=st.integers(0, 2**31))
def test_conv2d_equals_numpy(n, c, o, h, k, stride, padding, layout, seed):
    rng = np.random.default_rng(seed)
    a_np, w_np = random(rng, (n, c, h, h + 1), "float32"), random(rng, (o, c, k, k), "float32")
    expect = topi.testing.conv2d_nchw_python(a_np, w_np, stride, padding)
    if layout == "NCHW":
        A = te.placeholder(a_np.shape, name="A")
        W = te.placeholder(w_np.shape, name="W")
        out = topi.nn.conv2d_nchw(A, W, stride, padding, 1)
        got = run(out, [A, W], [a_np, w_np])
    elif layout == "HWCN":
        a_hwcn, w_hwio = a_np.transpose(2, 3, 1, 0), w_np.transpose(2, 3, 1, 0)
        A = te.placeholder(a_hwcn.shape, name="A")
        W = te.placeholder(w_hwio.shape, name="W")
        out = topi.nn.conv2d_hwcn(A, W, stride, padding, 1)
        assert (out.op.name, [iv.var.name for iv in out.op.axis]) == \
            ("conv2d_hwcn", ["yy", "xx", "ff", "nn"])
        got = run(out, [A, W], [a_hwcn, w_hwio])
        np.testing.assert_allclose(
            got, topi.testing.conv2d_hwcn_python(a_hwcn, w_hwio, stride, padding),
            rtol=1e-4, atol=1e-4)
        got = got.transpose(3, 2, 0, 1)
    else:
        a_nhwc, w_hwio = a_np.transpose(0, 2, 3, 1), w_np.transpose(2, 3, 1, 0)
        A = te.placeholder(a_nhwc.shape, name="A")
        W = te.placeholder(w_hwio.shape, name="W")
        out = topi.nn.conv2d_nhwc(A, W, stride, padding, 1)
        got = run(out, [A, W], [a_nhwc, w_hwio]).transpose(0, 3, 1, 2)
        np.testing.assert_allclose(
            got, topi.testing.conv2d_nhwc_python(a_nhwc, w_hwio, stride, padding)
            .transpose(0, 3, 1, 2), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got, expect, rtol=1e-4, atol=1e-4)


@SETTINGS
@given(groups=st.integers(1, 3), cg=st.integers(1, 2), og=st.integers(1, 2),
       h=st.integers(3, 6), k=st.integers(1, 3), stride=st.integers(1, 2),
       dilation=st.integers(1, 2), padding=st.integers(0, 2), seed=st.integers(0, 2**31))
def test_group_conv2d_equals_numpy(groups, cg, og, h, k, stride, dilation, padding, seed):
    rng = np.random.default_rng(seed)
    a_np = random(rng, (1, groups * cg, h + 2, h + 2), "int8")
    w_np = random(rng, (groups * og, cg, k, k), "int8")
    A = te.placeholder(a_np.shape, name="A", dtype="int8")
    W = te.placeholder(w_np.shape, name="W", dtype="int8")
    out = topi.nn.group_conv2d_nchw(A, W, stride, padding, dilation, groups, out_dtype="int32")
    # dilation: the reference convolves with the kernel spread out by zeros
    w_dilated = np.zeros(w_np.shape[:2] + ((k - 1) * dilation + 1,) * 2, np.int32)
    w_dilated[:, :, ::dilation, ::dilation] = w_np
    expect = topi.testing.conv2d_nchw_python(a_np.astype(np.int32), w_dilated, stride,
                                             padding, groups)
    np.testing.assert_array_equal(run(out, [A, W], [a_np, w_np]), expect)


@SETTINGS
@given(c=st.integers(1, 4), m=st.integers(1, 2), h=st.integers(3, 7), k=st.integers(1, 3),
       stride=st.integers(1, 2), padding=paddings, seed=st.integers(0, 2**31))
def test_depthwise_conv2d_equals_numpy(c, m, h, k, stride, padding, seed):
    rng = np.random.default_rng(seed)
    a_np, w_np = random(rng, (2, c, h, h), "float32"), random(rng, (c, m, k, k), "float32")
    A = te.placeholder(a_np.shape, name="A")
    W = te.placeholder(w_np.shape, name="W")
    out = topi.nn.depthwise_conv2d_nchw(A, W, stride, padding, 1)
    expect = topi.testing.depthwise_conv2d_python_nchw(a_np, w_np, stride, padding)
    np.testing.assert_allclose(run(out, [A, W], [a_np, w_np]), expect, rtol=1e-4, atol=1e-4)


@SETTINGS
@given(c=st.integers(1, 3), o=st.integers(1, 3), h=st.integers(2, 5), k=st.integers(1, 3),
       stride=st.integers(1, 3), pad=st.integers(0, 2), opad=st.integers(0, 2),
       seed=st.integers(0, 2**31))
def test_conv2d_transpose_equals_numpy(c, o, h, k, stride, pad, opad, seed):
    pad, opad = min(pad, k - 1), min(opad, stride - 1)
    assume((h - 1) * stride - 2 * pad + k + opad > 0)     # te refuses an empty output
    rng = np.random.default_rng(seed)
    a_np, w_np = random(rng, (1, c, h, h + 1), "float32"), random(rng, (c, o, k, k), "float32")
    A = te.placeholder(a_np.shape, name="A")
    W = te.placeholder(w_np.shape, name="W")
    out = topi.nn.conv2d_transpose_nchw(A, W, (stride, stride), pad, "float32", (opad, opad))
    expect = topi.testing.conv2d_transpose_nchw_python(a_np, w_np, stride, pad, (opad, opad))
    np.testing.assert_allclose(run(out, [A, W], [a_np, w_np]), expect, rtol=1e-4, atol=1e-4)


@SETTINGS
@given(batch=st.integers(1, 4), in_dim=st.integers(1, 9), out_dim=st.integers(1, 6),
       bias=st.booleans(), dtype=st.sampled_from(["float32", "int8"]),
       seed=st.integers(0, 2**31))
def test_dense_equals_numpy(batch, in_dim, out_dim, bias, dtype, seed):
    rng = np.random.default_rng(seed)
    out_dtype = "int32" if dtype == "int8" else dtype
    arrays = [random(rng, (batch, in_dim), dtype), random(rng, (out_dim, in_dim), dtype)]
    D = te.placeholder((batch, in_dim), name="D", dtype=dtype)
    W = te.placeholder((out_dim, in_dim), name="W", dtype=dtype)
    B = te.placeholder((out_dim,), name="B", dtype=out_dtype) if bias else None
    if bias:
        arrays.append(random(rng, (out_dim,), out_dtype))
    out = topi.nn.dense(D, W, B, out_dtype=out_dtype)
    expect = arrays[0].astype(np.float64) @ arrays[1].astype(np.float64).T
    if bias:
        expect = expect + arrays[2]
    got = run(out, [D, W] + ([B] if bias else []), arrays)
    np.testing.assert_allclose(got, expect.astype(out_dtype), rtol=1e-4, atol=1e-4)


@SETTINGS
@given(h=st.integers(2, 8), k=st.integers(1, 3), stride=st.integers(1, 3),
       dilation=st.integers(1, 2), pads=st.tuples(*[st.integers(0, 2)] * 4),
       pool_type=st.sampled_from(["max", "avg"]), ceil_mode=st.booleans(),
       count_include_pad=st.booleans(), layout=st.sampled_from(["NCHW", "NHWC"]),
       seed=st.integers(0, 2**31))
def test_pool2d_equals_numpy(h, k, stride, dilation, pads, pool_type, ceil_mode,
                             count_include_pad, layout, seed):
    pads = tuple(min(p, k - 1) for p in pads)     # windows start inside the input
    assume((k - 1) * dilation + 1 <= h + min(pads[0], pads[2]))   # a window fits
    # ceil_mode's last window must still start inside the padded input: past it, TVM's
    # truncating count is 0 or 1 depending on the dilation (an average of nothing)
    for size, before, after in ((h, pads[0], pads[2]), (h + 1, pads[1], pads[3])):
        last = -(-(size + before + after - (k - 1) * dilation - 1) // stride) * stride
        assume(not ceil_mode or last - before < size + after)
    shape = (2, 3, h, h + 1) if layout == "NCHW" else (2, h, h + 1, 3)
    a_np = random(np.random.default_rng(seed), shape, "float32")
    A = te.placeholder(shape, name="A")
    out = topi.nn.pooling.pool2d(A, (k, k), (stride, stride), (dilation, dilation), pads,
                                 pool_type, ceil_mode, layout, count_include_pad)
    expect = topi.testing.poolnd_python(a_np, (k, k), (stride, stride), (dilation, dilation),
                                        pads[:2], pads[2:], pool_type, count_include_pad,
                                        ceil_mode, layout=layout)
    assert tuple(int(d) for d in out.shape) == expect.shape
    np.testing.assert_allclose(run(out, [A], [a_np]), expect, rtol=1e-5, atol=1e-5)


@SETTINGS
@given(shape=st.lists(st.integers(1, 5), min_size=2, max_size=4), data=st.data(),
       seed=st.integers(0, 2**31))
def test_softmax_and_log_softmax_equal_numpy(shape, data, seed):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    a_np = random(np.random.default_rng(seed), tuple(shape), "float32") * 4
    A = te.placeholder(a_np.shape, name="A")
    np.testing.assert_allclose(run(topi.nn.softmax(A, axis), [A], [a_np]),
                               topi.testing.softmax_python(a_np, axis), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(run(topi.nn.log_softmax(A, axis), [A], [a_np]),
                               topi.testing.log_softmax_python(a_np, axis), rtol=1e-5,
                               atol=1e-5)


@SETTINGS
@given(shape=st.lists(st.integers(1, 4), min_size=2, max_size=4),
       dtype=st.sampled_from(["float32", "int32"]), seed=st.integers(0, 2**31))
def test_relu_flatten_and_pad_equal_numpy(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    a_np = random(rng, tuple(shape), dtype)
    A = te.placeholder(a_np.shape, name="A", dtype=dtype)
    np.testing.assert_array_equal(run(topi.nn.relu(A), [A], [a_np]), np.maximum(a_np, 0))
    np.testing.assert_array_equal(run(topi.nn.batch_flatten(A), [A], [a_np]),
                                  a_np.reshape(shape[0], -1))
    before = [int(v) for v in rng.integers(0, 3, len(shape))]
    after = [int(v) for v in rng.integers(0, 3, len(shape))]
    np.testing.assert_array_equal(
        run(topi.nn.pad(A, before, after, 7), [A], [a_np]),
        np.pad(a_np, list(zip(before, after)), constant_values=7))


def test_generic_schedules_give_the_same_results():
    rng = np.random.default_rng(1)
    a_np, w_np = random(rng, (1, 4, 6, 6), "float32"), random(rng, (4, 4, 3, 3), "float32")
    A = te.placeholder(a_np.shape, name="A")
    W = te.placeholder(w_np.shape, name="W")
    conv = topi.nn.conv2d_nchw(A, W, 1, 1, 1)
    out = topi.nn.relu(topi.add(conv, topi.cast(te.placeholder((4, 1, 1), name="b"),
                                                "float32")))
    with tvm.target.Target("llvm"):
        s_conv = topi.generic.schedule_conv2d_nchw(conv)
        s_inj = topi.generic.schedule_injective(out)
        s_pool = topi.generic.schedule_pool(topi.nn.pool2d(A, (2, 2), (2, 2), (1, 1),
                                                           (0, 0, 0, 0), "max"), "NCHW")
    expect = topi.testing.conv2d_nchw_python(a_np, w_np, 1, 1)
    np.testing.assert_allclose(run(conv, [A, W], [a_np, w_np], s_conv), expect, rtol=1e-5,
                               atol=1e-5)
    assert s_pool is not None
    b_np = random(rng, (4, 1, 1), "float32")
    B = out.op.input_tensors[0].op.input_tensors[1].op.input_tensors[0]
    got = run(out, [A, W, B], [a_np, w_np, b_np], s_inj)
    np.testing.assert_allclose(got, np.maximum(expect + b_np, 0), rtol=1e-5, atol=1e-5)


def test_names_tags_and_axes_are_tvms():
    A = te.placeholder((1, 4, 8, 8), name="A")
    W = te.placeholder((4, 4, 3, 3), name="W")
    conv = topi.nn.conv2d_nchw(A, W, 1, 1, 1)
    assert (conv.op.name, conv.op.tag) == ("conv2d_nchw", "conv2d_nchw")
    assert [iv.var.name for iv in conv.op.axis] == ["nn", "ff", "yy", "xx"]
    assert [iv.var.name for iv in conv.op.reduce_axis] == ["rc", "ry", "rx"]
    assert conv.op.input_tensors[0].op.name == "pad_temp"
    nhwc = topi.nn.conv2d_nhwc(te.placeholder((1, 8, 8, 4), name="A"),
                               te.placeholder((3, 3, 4, 4), name="W"), 1, 1, 1)
    assert [iv.var.name for iv in nhwc.op.axis] == ["nn", "yy", "xx", "ff"]
    assert [iv.var.name for iv in nhwc.op.reduce_axis] == ["ry", "rx", "rc"]
    group = topi.nn.group_conv2d_nchw(A, te.placeholder((4, 2, 3, 3), name="W"), 1, 1, 1, 2)
    assert group.op.tag == "group_conv2d_nchw"
    assert topi.nn.depthwise_conv2d_nchw(A, te.placeholder((4, 1, 3, 3)), 1, 1, 1).op.name \
        == "DepthwiseConv2d"
    dense = topi.nn.dense(te.placeholder((2, 3)), te.placeholder((4, 3)))
    assert (dense.op.name, dense.op.tag) == ("T_matmul_NT", "dense")
    pool = topi.nn.pool2d(A, (2, 2), (2, 2), (1, 1), (1, 1, 1, 1), "avg")
    assert (pool.op.name, pool.op.tag) == ("pool_avg", "elemwise")
    assert [iv.var.name for iv in pool.op.axis] == ["ax0", "ax1", "ax2", "ax3"]
    assert pool.op.input_tensors[0].op.name == "pool_sum"
    soft = topi.nn.softmax(te.placeholder((2, 5)))
    assert (soft.op.name, soft.op.tag) == ("T_softmax_norm", "softmax_output")
    assert topi.nn.relu(A).op.tag == "elemwise"
    assert topi.nn.batch_flatten(A).op.tag == "injective"


@SETTINGS
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4), data=st.data(),
       seed=st.integers(0, 2**31))
def test_dilate_equals_numpy(shape, data, seed):
    strides = data.draw(st.lists(st.integers(1, 3), min_size=len(shape), max_size=len(shape)))
    a_np = random(np.random.default_rng(seed), tuple(shape), "float32")
    A = te.placeholder(a_np.shape, name="A")
    out = topi.nn.dilate(A, strides, 0.5)
    np.testing.assert_array_equal(run(out, [A], [a_np]),
                                  topi.testing.dilate_python(a_np, strides, 0.5))
