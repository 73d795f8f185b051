"""Random legal schedules for the property tests of test_primitive_properties.py.

`Program` holds a workload (its tensors, its arguments, numpy inputs) and the symbolic
split factors drawn so far with the values they take when run; `loop_steps` applies a
random sequence of loop primitives to one stage (split by an int or by a `te.var`
factor, split without predication where it divides, tile, fuse of none, one or two
adjacent loops, reorder). Every schedule is printed, built for the CPU and run; the
tests compare with numpy.
"""
import os

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

import minitvm as tvm
from minitvm import te
from minitvm.tir.expr import IntImm, IterVarType

SETTINGS = settings(max_examples=int(os.environ.get("MINITVM_SCHED_EXAMPLES", 12)),
                    derandomize=not os.environ.get("MINITVM_SCHED_RANDOM"), deadline=None,
                    print_blob=True, suppress_health_check=[HealthCheck.too_slow])
CONV_SETTINGS = settings(SETTINGS, max_examples=max(SETTINGS.max_examples // 2, 1))
_LOOPS = (IterVarType.DATA_PAR, IterVarType.COMM_REDUCE)


class Program:
    """A workload's arguments and inputs, plus the symbolic split factors drawn."""

    def __init__(self, args, inputs):
        self.args = list(args)
        self.inputs = list(inputs)
        self.factor_vars = []
        self.factor_values = []

    def factor(self, data, name_hint):
        """A split factor: an int, or a new `te.var` passed at run time."""
        value = data.draw(st.integers(1, 5))
        if not data.draw(st.booleans()):
            return value
        v = te.var(f"{name_hint}_f{len(self.factor_vars)}")
        self.factor_vars.append(v)
        self.factor_values.append(value)
        return v

    def run(self, s):
        """Print, build and run `s`; the output as a numpy array."""
        args = self.args + self.factor_vars
        assert "def main(" in str(tvm.lower(s, args, simple_mode=True))
        f = tvm.build(s, args)
        out = self.args[-1]
        result = tvm.nd.array(np.zeros(tuple(int(x) for x in out.shape), out.dtype))
        f(*[tvm.nd.array(x) for x in self.inputs], result, *self.factor_values)
        return result.numpy()

    def reference(self):
        return self.run(te.create_schedule(self.args[-1].op))


def _root_extent(stage, iv):
    """The declared extent of `iv` if it is still an unsplit root axis, else None."""
    if iv in stage.op.root_iter_vars and isinstance(iv.dom.extent, IntImm):
        return iv.dom.extent.value
    return None


def loop_steps(data, prog, stage, count=4):
    """Apply up to `count` random loop primitives to `stage`."""
    steps = ["split", "split_nopred", "tile", "fuse", "fuse_none", "fuse_one", "reorder"]
    for _ in range(data.draw(st.integers(0, count))):
        step = data.draw(st.sampled_from(steps))
        leaves = stage.leaf_iter_vars
        if step == "split":
            leaf = data.draw(st.sampled_from(leaves))
            if data.draw(st.booleans()):
                stage.split(leaf, factor=prog.factor(data, stage.op.name))
            else:
                stage.split(leaf, nparts=prog.factor(data, stage.op.name))
        elif step == "split_nopred":
            _split_without_predication(data, stage)
        elif step == "tile" and len(leaves) >= 2:
            x, y = data.draw(st.permutations(leaves))[:2]
            stage.tile(x, y, data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4)))
        elif step == "fuse":
            pairs = [k for k in range(len(leaves) - 1)
                     if leaves[k].iter_type == leaves[k + 1].iter_type
                     and leaves[k].iter_type in _LOOPS]
            if pairs:
                k = data.draw(st.sampled_from(pairs))
                stage.fuse(leaves[k], leaves[k + 1])
        elif step == "fuse_none":
            assert stage.fuse() is stage.leaf_iter_vars[0]
        elif step == "fuse_one":
            leaf = data.draw(st.sampled_from(leaves))
            assert stage.fuse(leaf) is leaf
        elif step == "reorder":
            stage.reorder(*data.draw(st.permutations(leaves)))


def data_steps(data, prog, stage, count=2):
    """Splits and fuses of data-parallel loops only: what cache_write can relayout."""
    for _ in range(data.draw(st.integers(0, count))):
        leaves = [iv for iv in stage.leaf_iter_vars if iv.iter_type == IterVarType.DATA_PAR]
        if not leaves:
            return
        pairs = [k for k in range(len(stage.leaf_iter_vars) - 1)
                 if all(iv.iter_type == IterVarType.DATA_PAR
                        for iv in stage.leaf_iter_vars[k:k + 2])]
        if pairs and data.draw(st.booleans()):
            k = data.draw(st.sampled_from(pairs))
            stage.fuse(*stage.leaf_iter_vars[k:k + 2])
        else:
            stage.split(data.draw(st.sampled_from(leaves)),
                        factor=prog.factor(data, stage.op.name))


def _split_without_predication(data, stage):
    """disable_predication is only legal where the factor divides: use root axes."""
    candidates = [iv for iv in stage.leaf_iter_vars if _root_extent(stage, iv)]
    if not candidates:
        return
    leaf = data.draw(st.sampled_from(candidates))
    extent = _root_extent(stage, leaf)
    divisors = [d for d in range(1, extent + 1) if extent % d == 0]
    stage.split(leaf, factor=data.draw(st.sampled_from(divisors)), disable_predication=True)


def attach_somewhere(data, producers, consumer):
    """Attach all of `producers` at one random loop of `consumer` (or leave them at the
    root): several producers at one loop."""
    if data.draw(st.booleans()):
        loop = data.draw(st.sampled_from(consumer.leaf_iter_vars))
        for p in producers:
            p.compute_at(consumer, loop)


def random_ints(seed, shape, low=-9, high=9, dtype="int32"):
    return np.random.default_rng(seed).integers(low, high, shape).astype(dtype)
