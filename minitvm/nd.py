"""`tvm.nd`: build NDArrays from numpy data (`array`) or zero-filled (`empty`)."""
import numpy as np

from .runtime.device import Device, cpu
from .runtime.ndarray import NDArray, allocate
from .tir import dtype as dt

__all__ = ["NDArray", "array", "empty"]


def array(arr, device=None):
    """A new NDArray holding a C-contiguous copy of `arr` (numpy, list or NDArray)."""
    values = arr.numpy() if isinstance(arr, NDArray) else np.asarray(arr)
    _check_dtype(str(values.dtype))
    device = _device(device)
    storage = allocate(values.shape, values.dtype, device)
    storage[...] = values
    return NDArray(storage, device)


def empty(shape, dtype="float32", device=None):
    """A new NDArray of `shape` and `dtype` (zero-filled, so runs are reproducible)."""
    shape = (shape,) if isinstance(shape, int) else tuple(int(d) for d in shape)
    _check_dtype(str(dtype))
    device = _device(device)
    return NDArray(allocate(shape, str(dtype), device), device)


def _check_dtype(name):
    if name not in dt.SUPPORTED or name == "handle":
        raise TypeError(f"tvm.nd: arrays of dtype {name} are not supported; use one of "
                        f"{', '.join(d for d in dt.SUPPORTED if d != 'handle')}")


def _device(device):
    if device is None:
        return cpu(0)
    if not isinstance(device, Device):
        raise TypeError(f"tvm.nd: device must be a Device such as tvm.cpu(0), got {device!r}")
    return device
