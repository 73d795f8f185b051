"""Property: any legal schedule computes what the unscheduled program computes.

Hypothesis draws small shapes and a random legal sequence of primitives (splits that do
and do not divide, by factor or nparts; fuses of adjacent loops, before and after splits;
reorders; compute_inline; compute_at onto the consumer at any of its loops, fused and
split ones included; a cthread binding of the output's outermost loop) for an elementwise
chain, a matmul and the tutorial's conv2d. Every schedule is lowered and printed, then
both programs are built for the CPU and run on the same random inputs. Virtual threads
anywhere else (attached, nested, local and shifted-read stages) are
test_vthread_properties.py's; the generator both use is sched_random.py.

`MINITVM_SCHED_EXAMPLES=300 python -m pytest tests/schedule` runs many more examples
(add `MINITVM_SCHED_RANDOM=1` for fresh random ones instead of the fixed derandomized
sequence); the committed count keeps the directory quick.
"""
import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minitvm import te
from sched_random import random_schedule, run, transform_loops
from sched_workloads import Conv, elementwise, matmul


def _settings(examples):
    return settings(max_examples=int(os.environ.get("MINITVM_SCHED_EXAMPLES", examples)),
                    derandomize=not os.environ.get("MINITVM_SCHED_RANDOM"), deadline=None,
                    print_blob=True, suppress_health_check=[HealthCheck.too_slow])


SETTINGS = _settings(15)


def check(data, args, consumers, inputs):
    output = args[-1]
    expected = run(te.create_schedule(output.op), args, inputs)
    s = random_schedule(data, output, consumers)
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
