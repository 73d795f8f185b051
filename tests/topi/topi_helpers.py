"""Building and running TOPI operators on the host for the tests."""
import numpy as np

import minitvm as tvm
from minitvm import te


def run(out, inputs, arrays, schedule=None):
    """Build `out` from placeholder `inputs` (default schedule unless given) and run it
    on `arrays`; the result as a numpy array."""
    s = schedule if schedule is not None else te.create_schedule(out.op)
    f = tvm.build(s, list(inputs) + [out], "llvm")
    shape = tuple(int(d) for d in out.shape)
    result = tvm.nd.array(np.zeros(shape, out.dtype))
    f(*[tvm.nd.array(a) for a in arrays], result)
    return result.numpy()


def random(rng, shape, dtype):
    if np.dtype(dtype).kind == "f":
        return rng.standard_normal(shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(max(info.min, -100), min(info.max, 100), shape, endpoint=True,
                        dtype=dtype)
