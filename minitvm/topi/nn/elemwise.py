"""Elementwise activations (TVM's `topi.nn.relu`, `leaky_relu`), tagged "elemwise"."""
from __future__ import annotations

from ... import te
from ...tir import op as _op


def relu(x):
    """max(x, 0) of every element."""
    return te.compute(x.shape, lambda *i: te.max(x(*i), _op.const(0, x.dtype)),
                      tag="elemwise")


def leaky_relu(x, alpha):
    """x where positive, else x * alpha."""
    def leaky(*indices):
        value = x(*indices)
        return _op.select(value > 0, value, value * _op.const(alpha, value.dtype))
    return te.compute(x.shape, leaky, tag="elemwise")
