"""Property: any legal schedule computes what the unscheduled program computes.

Hypothesis draws small shapes and a random legal sequence of primitives (splits that do
and do not divide, by factor or nparts; reorders; fusing adjacent loops; compute_inline;
compute_at onto the consumer at any of its loops; a cthread binding of the output's
outermost loop) for an elementwise chain, a matmul and the tutorial's conv2d; both
programs are built for the CPU and run on the same random inputs.
"""
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minitvm as tvm
from minitvm import te
from minitvm.tir.expr import IterVarType
from sched_workloads import Conv, elementwise, matmul

SETTINGS = settings(max_examples=12, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def transform_loops(data, stage, bind=False):
    """Random splits, a reorder, maybe a fuse and (output only) a cthread binding."""
    for _ in range(data.draw(st.integers(0, 2))):
        leaf = data.draw(st.sampled_from(stage.leaf_iter_vars))
        parts = data.draw(st.integers(1, 5))
        if data.draw(st.booleans()):
            stage.split(leaf, factor=parts)
        else:
            stage.split(leaf, nparts=parts)
    stage.reorder(*data.draw(st.permutations(stage.leaf_iter_vars)))
    leaves = stage.leaf_iter_vars
    pairs = [k for k in range(len(leaves) - 1)
             if leaves[k].iter_type == leaves[k + 1].iter_type == IterVarType.DATA_PAR]
    if pairs and data.draw(st.booleans()):
        k = data.draw(st.sampled_from(pairs))
        stage.fuse(leaves[k], leaves[k + 1])
    outer = stage.leaf_iter_vars[0]
    if bind and outer.iter_type == IterVarType.DATA_PAR and data.draw(st.booleans()):
        stage.bind(outer, te.thread_axis("cthread"))


def random_schedule(data, output, consumers):
    """A schedule of `output` where each tensor of `consumers` ({tensor: the one tensor
    reading it}, in dataflow order) is inlined, attached or left at the root."""
    s = te.create_schedule(output.op)
    inlined = {t for t in consumers if not t.op.reduce_axis and data.draw(st.booleans())}
    for t in consumers:
        if t in inlined:
            s[t].compute_inline()
    transform_loops(data, s[output], bind=True)
    for t in consumers:
        if t not in inlined:
            transform_loops(data, s[t])
    for t in consumers:
        consumer = consumers[t]
        while consumer in inlined:
            consumer = consumers[consumer]
        if t not in inlined and data.draw(st.booleans()):
            loop = data.draw(st.sampled_from(s[consumer].leaf_iter_vars))
            s[t].compute_at(s[consumer], loop)
    return s


def run(s, args, inputs):
    f = tvm.build(s, args)
    out = args[-1]
    result = tvm.nd.empty(tuple(int(x) for x in out.shape), out.dtype)
    f(*[tvm.nd.array(x) for x in inputs], result)
    return result.numpy()


def check(data, args, consumers, inputs):
    output = args[-1]
    expected = run(te.create_schedule(output.op), args, inputs)
    scheduled = run(random_schedule(data, output, consumers), args, inputs)
    np.testing.assert_array_equal(scheduled, expected)


@SETTINGS
@given(st.integers(1, 7), st.integers(1, 6), st.data())
def test_elementwise_chain(n, m, data):
    A, B, C, D = elementwise(n, m)
    x = np.random.default_rng(n * 10 + m).uniform(-2, 2, (n, m)).astype("float32")
    check(data, [A, D], {B: C, C: D}, [x])


@SETTINGS
@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 6), st.data())
def test_matmul(n, m, k, data):
    A, B, C = matmul(n, m, k, dtype="int32")
    rng = np.random.default_rng(n * 100 + m * 10 + k)
    a = rng.integers(-9, 9, (n, k)).astype("int32")
    b = rng.integers(-9, 9, (k, m)).astype("int32")
    check(data, [A, B, C], {}, [a, b])


@SETTINGS
@given(st.integers(2, 4), st.integers(2, 4), st.integers(1, 2), st.integers(1, 2), st.data())
def test_conv2d(height, width, in_blocks, out_blocks, data):
    conv = Conv(height, width, in_blocks, out_blocks, block=2)
    rng = np.random.default_rng(height * 1000 + width * 100 + in_blocks * 10 + out_blocks)
    x = rng.integers(-128, 128, tuple(int(v) for v in conv.data.shape)).astype("int8")
    w = rng.integers(-128, 128, tuple(int(v) for v in conv.kernel.shape)).astype("int8")
    stages = [conv.data_buf, conv.kernel_buf, conv.res_conv, conv.res_shr, conv.res_max,
              conv.res_min, conv.res]
    consumers = {t: stages[k + 1] for k, t in enumerate(stages[2:-1], 2)}
    consumers = {conv.data_buf: conv.res_conv, conv.kernel_buf: conv.res_conv, **consumers}
    check(data, conv.args, consumers, [x, w])
