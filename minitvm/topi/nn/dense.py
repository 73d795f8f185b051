"""Fully connected layer (TVM's `topi.nn.dense`): out[i, j] = sum_k data[i, k] *
weight[j, k] (+ bias[j]); the compute "T_matmul_NT" tagged "dense", the bias a
broadcast "T_add"."""
from __future__ import annotations

from ... import te
from ...error import TVMError
from ..broadcast import add
from ..math import cast
from ..utils import get_const_tuple


class DenseShapeError(TVMError, ValueError):
    """Operands of dense whose shapes do not fit."""


def dense(data, weight, bias=None, out_dtype=None):
    """data [batch, in_dim], weight [out_dim, in_dim], bias [out_dim] -> [batch, out_dim]."""
    out_dtype = out_dtype or data.dtype
    _check(data, weight, bias)
    batch, in_dim = data.shape
    out_dim, _ = weight.shape
    k = te.reduce_axis((0, in_dim), name="k")
    mat = te.compute(
        (batch, out_dim),
        lambda *i: te.sum(data[i[0], k].astype(out_dtype) * weight[i[1], k].astype(out_dtype),
                          axis=k),
        name="T_matmul_NT", tag="dense", attrs={"layout_free_placeholders": [weight]})
    if bias is not None:
        mat = add(mat, cast(bias, out_dtype) if bias.dtype != out_dtype else bias)
    return mat


def _check(data, weight, bias):
    if data.ndim != 2 or weight.ndim != 2:
        raise DenseShapeError(f"dense: data '{data.name}' and weight '{weight.name}' must "
                              f"be 2-D, got {data.ndim}-D and {weight.ndim}-D")
    d, w = get_const_tuple(data.shape), get_const_tuple(weight.shape)
    if isinstance(d[1], int) and isinstance(w[1], int) and d[1] != w[1]:
        raise DenseShapeError(f"dense: data '{data.name}' has {d[1]} features per row, "
                              f"weight '{weight.name}' {w[1]}; they must be equal")
    if bias is not None and (bias.ndim != 1 or get_const_tuple(bias.shape)[0] != w[0]):
        raise DenseShapeError(f"dense: bias '{bias.name}' must have shape ({w[0]},), "
                              f"got {get_const_tuple(bias.shape)}")
