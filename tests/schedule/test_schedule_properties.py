"""Property: any legal schedule computes what the unscheduled program computes.

Hypothesis draws small shapes and a random legal sequence of primitives (splits that do
and do not divide, by factor or nparts; fuses of adjacent loops, before and after splits;
reorders; compute_inline; compute_at onto the consumer at any of its loops, fused and
split ones included; a cthread binding of the output's outermost loop) for an elementwise
chain, a matmul and the tutorial's conv2d. Every schedule is lowered and printed, then
both programs are built for the CPU and run on the same random inputs.

`MINITVM_SCHED_EXAMPLES=300 python -m pytest tests/schedule` runs many more (random,
not derandomized) examples; the committed count keeps the directory quick.
"""
import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minitvm as tvm
from minitvm import te
from minitvm.tir.expr import IterVarType
from sched_workloads import Conv, elementwise, matmul

_EXAMPLES = os.environ.get("MINITVM_SCHED_EXAMPLES")
SETTINGS = settings(max_examples=int(_EXAMPLES) if _EXAMPLES else 15, deadline=None,
                    derandomize=not _EXAMPLES, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow])
_FUSABLE = (IterVarType.DATA_PAR, IterVarType.COMM_REDUCE)


def fusable_pairs(stage):
    leaves = stage.leaf_iter_vars
    return [k for k in range(len(leaves) - 1)
            if leaves[k].iter_type == leaves[k + 1].iter_type
            and leaves[k].iter_type in _FUSABLE]


def split(data, stage, leaf):
    parts = data.draw(st.integers(1, 8))
    if data.draw(st.booleans()):
        return stage.split(leaf, factor=parts)
    return stage.split(leaf, nparts=parts)


def transform_loops(data, stage, bind=False):
    """A random sequence of splits, fuses of adjacent loops and reorders (so a loop may
    be fused and the fused loop split, or split loops fused), then (output only) maybe a
    cthread binding of the outermost loop."""
    for _ in range(data.draw(st.integers(0, 4))):
        step = data.draw(st.sampled_from(["split", "fuse", "fuse+split", "reorder"]))
        if step == "reorder":
            stage.reorder(*data.draw(st.permutations(stage.leaf_iter_vars)))
        elif step == "split":
            split(data, stage, data.draw(st.sampled_from(stage.leaf_iter_vars)))
        elif fusable_pairs(stage):
            k = data.draw(st.sampled_from(fusable_pairs(stage)))
            leaves = stage.leaf_iter_vars
            fused = stage.fuse(leaves[k], leaves[k + 1])
            if step == "fuse+split":
                split(data, stage, fused)
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
    s = random_schedule(data, output, consumers)
    assert "def main(" in str(tvm.lower(s, args, simple_mode=True))
    np.testing.assert_array_equal(run(s, args, inputs), expected)


@SETTINGS
@given(st.integers(1, 7), st.integers(1, 6), st.data())
def test_elementwise_chain(n, m, data):
    A, B, C, D = elementwise(n, m)
    x = np.random.default_rng(n * 10 + m).uniform(-2, 2, (n, m)).astype("float32")
    check(data, [A, D], {B: C, C: D}, [x])


@SETTINGS
@given(st.integers(1, 7), st.integers(1, 6), st.integers(1, 40), st.booleans(), st.data())
def test_producers_at_a_fused_then_split_loop(n, m, parts, by_factor, data):
    """The pattern behind the fuse/split/compute_at regression, drawn directly: the
    output's two loops fused and split, B and C each inlined, left at the root or
    attached at the outer or inner loop (C's own loops maybe fused and split too)."""
    A, B, C, D = elementwise(n, m)
    s = te.create_schedule(D.op)
    fused = s[D].fuse(*s[D].op.axis)
    outer, inner = s[D].split(fused, factor=parts) if by_factor \
        else s[D].split(fused, nparts=parts)
    if data.draw(st.booleans()):
        s[C].compute_inline()
        consumer_of_b = s[D]
    else:
        place = data.draw(st.sampled_from(["root", "outer", "inner"]))
        if place != "root":
            s[C].compute_at(s[D], outer if place == "outer" else inner)
        transform_loops(data, s[C])
        consumer_of_b = s[C]
    place = data.draw(st.sampled_from(["root", "inline", "at"]))
    if place == "inline":
        s[B].compute_inline()
    elif place == "at":
        s[B].compute_at(consumer_of_b, data.draw(st.sampled_from(consumer_of_b.leaf_iter_vars)))
    x = np.random.default_rng(n * 10 + m).uniform(-2, 2, (n, m)).astype("float32")
    assert "def main(" in str(tvm.lower(s, [A, D], simple_mode=True))
    expected = run(te.create_schedule(D.op), [A, D], [x])
    np.testing.assert_array_equal(run(s, [A, D], [x]), expected)


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
