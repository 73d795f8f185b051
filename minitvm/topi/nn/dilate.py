"""Dilation (TVM's `topi.nn.dilate`): `strides[k] - 1` elements of `dilation_value`
inserted between neighbours along axis k; the input of transposed convolutions."""
from __future__ import annotations

from ... import te
from ...tir import op as _op
from ..utils import equal_const_int, simplify


def dilate(data, strides, dilation_value=0.0, name="DilatedInput"):
    """`data` dilated by `strides` (one per axis)."""
    n = data.ndim
    if len(strides) != n:
        raise ValueError(f"topi.nn.dilate of '{data.name}': {len(strides)} strides for "
                         f"{n} dimensions")
    out_shape = tuple(simplify((data.shape[k] - 1) * strides[k] + 1) for k in range(n))

    def dilated(*indices):
        index, on_grid = [], []
        for k in range(n):
            if equal_const_int(strides[k], 1):
                index.append(indices[k])
                continue
            index.append(indices[k] // strides[k])
            on_grid.append(_op.equal(indices[k] % strides[k], 0))
        if not on_grid:
            return data(*index)
        return _op.if_then_else(_op.all(*on_grid), data(*index),
                                _op.const(dilation_value, data.dtype))

    return te.compute(out_shape, dilated, name=name, tag="injective,dilate")
