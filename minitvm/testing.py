"""`tvm.testing`: assertions that accept NDArrays as well as numpy arrays."""
import numpy as np

from .runtime.ndarray import NDArray


def _as_numpy(value):
    return value.numpy() if isinstance(value, NDArray) else np.asanyarray(value)


def assert_allclose(actual, desired, rtol=1e-7, atol=1e-7):
    """Shapes must match exactly, then values to `rtol`/`atol` (as TVM's version)."""
    actual, desired = _as_numpy(actual), _as_numpy(desired)
    if _plainly_close(actual, desired, rtol, atol):
        return
    np.testing.assert_allclose(actual.shape, desired.shape)
    np.testing.assert_allclose(actual, desired, rtol=rtol, atol=atol, verbose=True)


def _plainly_close(actual, desired, rtol, atol):
    """Whether numpy.testing.assert_allclose would pass: plain numeric arrays of one shape
    compared with the test it applies (isclose, NaN equal to NaN). Importing numpy.testing
    (unittest, difflib...) costs about 15 ms, a tenth of a script's start-up, so it is
    left to report failures and to decide for anything else (subclasses, objects, bools)."""
    plain = all(type(a) is np.ndarray and a.dtype.kind in "iufc" for a in (actual, desired))
    return (plain and actual.shape == desired.shape
            and bool(np.isclose(actual, desired, rtol=rtol, atol=atol, equal_nan=True).all()))


def assert_prim_expr_equal(lhs, rhs):
    """`lhs` and `rhs` are the same expression once simplified (TVM's helper of that
    name); raises AssertionError showing both, as a test assertion should."""
    from .arith import Analyzer
    from .tir.analysis import structural_equal
    from .tir.op import convert
    ana = Analyzer()
    simplified = ana.simplify(convert(lhs) - convert(rhs))
    if not structural_equal(simplified, convert(0, simplified.dtype)):
        raise AssertionError(f"{lhs} != {rhs} (their difference simplifies to {simplified})")


def device_enabled(target):
    """Whether minitvm can compile for and run on `target` ("llvm", "cuda", ...)."""
    from .runtime import enabled
    return enabled(target)


def uses_gpu(func):
    """Decorator of a test that also covers GPU targets (TVM's `tvm.testing.uses_gpu`):
    minitvm has no GPU, so the test runs with its CPU targets only (check
    `device_enabled` before using a GPU target)."""
    return func
