"""Build a schedule for the CPU and run it on numpy arrays (the tests' one runner)."""
import numpy as np

import minitvm as tvm


def run(sch, args, inputs, extra=()):
    """Build `sch` over `args`, call it on `inputs` (numpy arrays, in the order of the
    first len(inputs) args) and zero-filled outputs; returns the outputs as numpy arrays.
    `extra` are trailing scalar arguments."""
    f = tvm.build(sch, list(args) + list(extra))
    shapes = {}
    for t, a in zip(args, inputs):
        for d, v in zip(t.shape, a.shape):
            shapes[d] = v
    outs = [np.zeros([_extent(d, shapes) for d in t.shape], t.dtype)
            for t in args[len(inputs):]]
    nd_args = [tvm.nd.array(a) for a in list(inputs) + outs]
    f(*nd_args)
    return [a.numpy() for a in nd_args[len(inputs):]]


def _extent(d, shapes):
    value = getattr(d, "value", None)
    return value if value is not None else shapes[d]
