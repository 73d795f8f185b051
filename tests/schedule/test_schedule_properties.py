"""Property: any legal schedule computes what the unscheduled program computes.

Hypothesis draws small shapes and a random legal sequence of primitives (splits that do
and do not divide, by factor or nparts; fuses of adjacent loops, before and after splits;
reorders; compute_inline; compute_at onto the consumer at any of its loops, fused and
split ones included; a cthread binding of the output's outermost loop) for an elementwise
chain, a matmul and the tutorial's conv2d. Every schedule is lowered and printed, then
both programs are built for the CPU and run on the same random inputs.

`MINITVM_SCHED_EXAMPLES=300 python -m pytest tests/schedule` runs many more examples
(add `MINITVM_SCHED_RANDOM=1` for fresh random ones instead of the fixed derandomized
sequence); the committed count keeps the directory quick.
"""
import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minitvm as tvm
from minitvm import te
from minitvm.tir.expr import IterVarType
from sched_workloads import Conv, elementwise, matmul

def _settings(examples):
    return settings(max_examples=int(os.environ.get("MINITVM_SCHED_EXAMPLES", examples)),
                    derandomize=not os.environ.get("MINITVM_SCHED_RANDOM"), deadline=None,
                    print_blob=True, suppress_health_check=[HealthCheck.too_slow])


SETTINGS = _settings(15)
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


def transform_loops(data, stage, bind=False, kinds=()):
    """A random sequence of splits, fuses of adjacent loops, reorders (so a loop may be
    fused and the fused loop split, or split loops fused) and loop kinds from `kinds`,
    then (output only) maybe a cthread binding of the outermost loop."""
    steps = ["split", "fuse", "fuse+split", "reorder"] + (["annotate"] if kinds else [])
    for _ in range(data.draw(st.integers(0, 4))):
        step = data.draw(st.sampled_from(steps))
        if step == "annotate":
            leaf = data.draw(st.sampled_from(stage.leaf_iter_vars))
            allowed = [k for k in kinds if k == "unroll"
                       or leaf.iter_type == IterVarType.DATA_PAR]
            if allowed:
                getattr(stage, data.draw(st.sampled_from(allowed)))(leaf)
        elif step == "reorder":
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


# Loop kinds TVM accepts wherever they are drawn: a stage computed inside another loop
# may have extents that depend on it (TVM refuses to unroll or vectorize those), and
# TVM's CPU codegen refuses nested parallel loops, so only the output gets `parallel`.
OUTPUT_KINDS = ("unroll", "vectorize", "parallel")
ROOT_KINDS = ("unroll", "vectorize")


def random_schedule(data, output, consumers):
    """A schedule of `output` where each tensor of `consumers` ({tensor: the one tensor
    reading it}, in dataflow order) is inlined, attached or left at the root."""
    s = te.create_schedule(output.op)
    inlined = {t for t in consumers if not t.op.reduce_axis and data.draw(st.booleans())}
    attached = {t for t in consumers if t not in inlined and data.draw(st.booleans())}
    for t in consumers:
        if t in inlined:
            s[t].compute_inline()
    transform_loops(data, s[output], bind=True, kinds=OUTPUT_KINDS)
    for t in consumers:
        if t not in inlined:
            transform_loops(data, s[t], kinds=() if t in attached else ROOT_KINDS)
    for t in (t for t in consumers if t in attached):       # dataflow order
        consumer = consumers[t]
        while consumer in inlined:
            consumer = consumers[consumer]
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


def fuse_and_split(data, stage, most):
    """Fuse all the stage's loops and split the result in 2..`most` (by factor or nparts)."""
    fused = stage.fuse(*stage.leaf_iter_vars)
    parts = data.draw(st.integers(2, most))
    if data.draw(st.booleans()):
        return stage.split(fused, nparts=parts)
    return stage.split(fused, factor=parts)


@_settings(50)
@given(st.integers(2, 7), st.integers(2, 6), st.data())
def test_producers_at_a_fused_then_split_loop(n, m, data):
    """The pattern behind the fuse/split/compute_at regressions, drawn directly: the
    output's two loops fused and split (mostly not along the rows), C attached at the
    outer or inner loop, its own loops fused and split too or randomly transformed, and
    B attached at one of C's loops."""
    A, B, C, D = elementwise(n, m)
    s = te.create_schedule(D.op)
    outer, inner = fuse_and_split(data, s[D], n * m + 1)
    s[C].compute_at(s[D], data.draw(st.sampled_from([outer, inner])))
    if data.draw(st.booleans()):
        fuse_and_split(data, s[C], 8)
    else:
        transform_loops(data, s[C])
    s[B].compute_at(s[C], data.draw(st.sampled_from(s[C].leaf_iter_vars)))
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
