"""The functions generated host code calls (its global namespace besides numpy).

Generated code works on flat 1-D numpy arrays. These helpers build strided views,
gather and scatter with bounds checks, and reduce or contract whole grids; each
bounds error names the buffer, as a compiled TVM function cannot.
"""
from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..error import TVMError


class BufferAccessError(TVMError):
    """The built function read or wrote outside a buffer (a schedule whose promise does
    not hold, e.g. `split(..., disable_predication=True)` of a loop it does not divide);
    TVM's compiled code would corrupt memory instead."""


def _out_of_range(name, lo, hi, size):
    where = lo if lo < 0 else hi
    return BufferAccessError(f"buffer {name!r}: element {where} is outside its {size} "
                             "elements")


def _ix(array, index, name):
    """A scalar index, checked (numpy would silently wrap a negative one)."""
    if 0 <= index < array.shape[0]:
        return index
    raise _out_of_range(name, index, index, array.shape[0])


def _view(array, base, shape, strides, name):
    """The elements `base + sum(i_k * strides[k])` for i in ndindex(shape), as a view."""
    if 0 in shape:
        return np.empty(shape, array.dtype)
    lo = base + sum(s * (n - 1) for s, n in zip(strides, shape) if s < 0)
    hi = base + sum(s * (n - 1) for s, n in zip(strides, shape) if s > 0)
    if lo < 0 or hi >= array.shape[0]:
        raise _out_of_range(name, lo, hi, array.shape[0])
    item = array.itemsize
    return as_strided(array[base:], shape, tuple(s * item for s in strides))


def _gather(array, index, name):
    index = np.asarray(index)
    if index.size and (index.min() < 0 or index.max() >= array.shape[0]):
        raise _out_of_range(name, int(index.min()), int(index.max()), array.shape[0])
    return array[index]


def _gather_clip(array, index):
    """Loads that may be out of range where their result is not used."""
    return array[np.clip(index, 0, max(array.shape[0] - 1, 0))]


def _scatter(array, index, value, mask, shape, name):
    """`array[index] = value` where `mask`, all broadcast to `shape`."""
    mask = np.broadcast_to(mask, shape)
    index = np.broadcast_to(index, shape)[mask]
    if index.size and (index.min() < 0 or index.max() >= array.shape[0]):
        raise _out_of_range(name, int(index.min()), int(index.max()), array.shape[0])
    array[index] = np.broadcast_to(value, shape)[mask]


def _axis(start, length, k, ndim, dtype):
    """A loop variable's values along grid axis `k`."""
    shape = [1] * ndim
    shape[k] = length
    return np.arange(start, start + length, dtype=dtype).reshape(shape)


def _full(value, axes, shape):
    """`value` broadcast to `shape` along `axes` (other axes keep their size)."""
    value = np.asarray(value)
    value = value.reshape((1,) * (len(shape) - value.ndim) + value.shape)
    target = tuple(shape[k] if k in axes else value.shape[k] for k in range(len(shape)))
    return np.broadcast_to(value, target)


def _reduce(ufunc, value, axes, shape, dtype):
    """Reduce over `axes` of the grid (keeping them as length 1), counting every
    iteration even where `value` does not vary along an axis."""
    return ufunc.reduce(_full(value, axes, shape), axis=axes, keepdims=True, dtype=dtype)


def _any_over(mask, axes, shape):
    return np.any(_full(mask, axes, shape), axis=axes, keepdims=True)


def _contract(spec, x, y, dtype, path):
    """einsum of two operands into `dtype`: "float64" (exact integers below 2**53, BLAS),
    "int64" (wraps like the target integer type after the final cast), or "native"."""
    work = {"float64": np.float64, "int64": np.int64, "native": dtype}[path]
    out = np.einsum(spec, x.astype(work), y.astype(work), optimize=True)
    if path == "float64":
        out = out.astype(np.int64)
    return out.astype(dtype)


def _item(value):
    """A size-1 array as the scalar the scalar code uses (Python int or bool, numpy float)."""
    value = np.asarray(value).reshape(())[()]
    if value.dtype.kind in "iu":
        return int(value)
    return bool(value) if value.dtype.kind == "b" else value


def _tdiv(a, b):
    """C's truncating integer division of Python ints."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _tmod(a, b):
    return a - b * _tdiv(a, b)


def _vtdiv(a, b):
    q = np.floor_divide(a, b)
    return np.where((q * b != a) & ((a < 0) != (b < 0)), q + 1, q)


def _nd_view(array, shape, offset):
    """An NDArray sharing the `shape`d elements of the flat `array` from `offset` (the
    DLTensor a packed function receives)."""
    from .ndarray import NDArray
    size = math.prod(shape)
    if offset < 0 or offset + size > array.shape[0]:
        raise _out_of_range("packed array", offset, offset + size - 1, array.shape[0])
    return NDArray(array[offset:offset + size].reshape(shape))


def _ptr_view(array, offset, extent):
    """What a pointer argument (tvm_access_ptr) gives a function registered in Python: a
    writable flat view of the memory from `offset`, `extent` elements long or up to the
    end of the array (TVM's extents may overshoot: stride times rows)."""
    if not 0 <= offset <= array.shape[0]:
        raise _out_of_range("access_ptr", offset, offset, array.shape[0])
    return array[offset:offset + extent]


def _call_packed(name, *args):
    from .packed_func import call_packed
    return call_packed(name, *args)


def namespace(externs=None):
    """Globals for exec'ing generated source."""
    names = {k: v for k, v in globals().items() if k.startswith("_") and callable(v)
             and not k.startswith("__")}
    names.pop("_out_of_range")
    return {"np": np, "_extern": dict(externs or {}), **names}


# --- math intrinsics without a numpy ufunc (minitvm.codegen.intrinsics), for numpy
# scalars and arrays alike; results keep the operand's dtype.
_BYTE_BITS = np.array([bin(i).count("1") for i in range(256)], np.uint8)


def _scalar_or_array(value):
    return value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value


def _as_dtype(value, dtype):
    return _scalar_or_array(np.asarray(value).astype(dtype))


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _rsqrt(x):
    return 1 / np.sqrt(x)


def _exp10(x):
    return np.power(np.asarray(x).dtype.type(10), x)


def _erf(x):
    x = np.asarray(x)
    return _scalar_or_array(np.vectorize(math.erf, otypes=[np.float64])(x).astype(x.dtype))


def _round(x):
    """Half away from zero (C's round; numpy's round is half to even). `x - trunc(x)`
    is exact, so no addition can round the half-way test wrongly."""
    t = np.trunc(x)
    return _scalar_or_array(np.where(np.abs(x - t) >= 0.5, t + np.sign(x), t))


def _popcount(x, bits):
    """Set bits of the two's complement of `x` (a Python int or an integer array)."""
    if isinstance(x, int):
        return bin(x & ((1 << bits) - 1)).count("1")
    x = np.asarray(x)
    flat = np.ascontiguousarray(x).reshape(-1)
    counts = _BYTE_BITS[flat.view(np.uint8)].reshape(flat.shape + (x.itemsize,)).sum(axis=-1)
    return _scalar_or_array(counts.astype(x.dtype).reshape(x.shape))
