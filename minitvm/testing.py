"""`tvm.testing`: assertions that accept NDArrays as well as numpy arrays."""
import numpy as np

from .runtime.ndarray import NDArray


def _as_numpy(value):
    return value.numpy() if isinstance(value, NDArray) else np.asanyarray(value)


def assert_allclose(actual, desired, rtol=1e-7, atol=1e-7):
    """Shapes must match exactly, then values to `rtol`/`atol` (as TVM's version)."""
    actual, desired = _as_numpy(actual), _as_numpy(desired)
    np.testing.assert_allclose(actual.shape, desired.shape)
    np.testing.assert_allclose(actual, desired, rtol=rtol, atol=atol, verbose=True)
