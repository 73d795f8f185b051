"""Flattening every axis but the first (TVM's `topi.nn.batch_flatten` / `flatten`):
out[i, j] reads data[i, unravel(j)], row-major."""
from __future__ import annotations

from ... import te
from ..utils import prod


def batch_flatten(data):
    """[N, d1, d2, ...] -> [N, d1 * d2 * ...] (TVM's C++ operator: compute "tensor")."""
    return _flatten(data, "tensor")


def flatten(data):
    """The same as `batch_flatten`, TVM's Python version (compute "compute")."""
    return _flatten(data, "compute")


def _flatten(data, name):
    inner = list(data.shape[1:])

    def unravel(i, j):
        index = []
        for extent in reversed(inner):
            index.append(j % extent)
            j = j // extent
        return data(i, *reversed(index))

    return te.compute((data.shape[0], prod(inner)), unravel, name=name, tag="injective")
