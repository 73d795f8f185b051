"""NDArray: TVM's n-dimensional array, backed by one C-contiguous numpy array.

Compiled modules read and write the storage in place, so an NDArray passed as an
output holds the result after the call. `.numpy()` returns a copy, as in TVM.
A backend may place a device's arrays in its own memory (VTA: the simulated DRAM)
by registering an allocator for the device type with `register_allocator`.
"""
from __future__ import annotations

import numpy as np

from ..tir import dtype as dt
from .device import Device, cpu


_ALLOCATORS = {}
_ALLOCATORS_LOOKED_UP = set()


def register_allocator(device_type, allocate):
    """Arrays on devices of `device_type` get their storage from `allocate(shape, dtype)`,
    which returns a zero-filled C-contiguous numpy array (default: np.zeros)."""
    _ALLOCATORS[device_type] = allocate


def allocate(shape, dtype, device):
    """Zero-filled storage for an array of `shape` and `dtype` on `device`."""
    make = _ALLOCATORS.get(device.base_type)
    if make is None and device.base_type not in _ALLOCATORS_LOOKED_UP:
        _ALLOCATORS_LOOKED_UP.add(device.base_type)
        from .backends import load_backends
        load_backends()                       # a backend registers its device's allocator
        make = _ALLOCATORS.get(device.base_type)
    return make(shape, dtype) if make else np.zeros(shape, dtype)


class NDArray:
    """A typed array on a device. Build one with `tvm.nd.array` or `tvm.nd.empty`."""

    __slots__ = ("_storage", "_device")

    def __init__(self, storage, device=None):
        if not isinstance(storage, np.ndarray) or not storage.flags.c_contiguous:
            raise TypeError("NDArray storage must be a C-contiguous numpy array; "
                            "use tvm.nd.array(...) to build one")
        dt.check(str(storage.dtype))
        self._storage = storage
        self._device = device if device is not None else cpu(0)

    @property
    def shape(self):
        return tuple(self._storage.shape)

    @property
    def dtype(self):
        return str(self._storage.dtype)

    @property
    def device(self) -> Device:
        return self._device

    ctx = device

    @property
    def ndim(self):
        return self._storage.ndim

    @property
    def storage(self):
        """The backing numpy array itself (no copy): for runtimes and compiled code."""
        return self._storage

    def numpy(self):
        """A numpy copy of the contents."""
        return self._storage.copy()

    asnumpy = numpy

    def copyfrom(self, source):
        """Copy `source` (NDArray or array-like of the same shape) into this array."""
        values = source.numpy() if isinstance(source, NDArray) else np.asarray(source)
        if values.shape != self.shape:
            raise ValueError(f"copyfrom: source has shape {values.shape} but this NDArray "
                             f"has shape {self.shape}")
        np.copyto(self._storage, values, casting="unsafe")
        return self

    def copyto(self, target):
        """Copy into another NDArray, or onto a Device (returning the new array)."""
        if isinstance(target, Device):
            return NDArray(self._storage.copy(), target)
        if not isinstance(target, NDArray):
            raise TypeError(f"copyto: expected an NDArray or a Device, got "
                            f"{type(target).__name__}")
        return target.copyfrom(self)

    def __setitem__(self, index, value):
        if not (isinstance(index, slice) and index == slice(None)):
            raise ValueError("NDArray only supports whole-array assignment: arr[:] = value")
        self.copyfrom(value)

    def __repr__(self):
        return f"<tvm.nd.NDArray shape={self.shape}, {self._device}>\n{self._storage!r}"
