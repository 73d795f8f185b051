"""Softmax references (TVM's `topi.testing.softmax_python`, `log_softmax_python`)."""
from __future__ import annotations

import numpy as np


def softmax_python(a_np, axis=1):
    e = np.exp(a_np - a_np.max(axis=axis, keepdims=True))
    return (e / e.sum(axis=axis, keepdims=True)).astype(a_np.dtype)


def log_softmax_python(a_np, axis=1):
    shifted = a_np - a_np.max(axis=axis, keepdims=True)
    return (shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))).astype(a_np.dtype)
