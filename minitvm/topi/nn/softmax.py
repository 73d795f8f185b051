"""Softmax along one axis (TVM's `topi.nn.softmax`, `log_softmax`): the maximum along
the axis ("T_softmax_maxelem") is subtracted before exponentiating, for range; then
exponentials ("T_softmax_exp"), their sum ("T_softmax_expsum") and the quotient
("T_softmax_norm"), all tagged "softmax_output"."""
from __future__ import annotations

from ... import te


def softmax(x, axis=-1):
    """exp(x - max) / sum(exp(x - max)) along `axis`."""
    axis, (k1, k2), widen, narrow, reduced = _along(x, axis, "softmax")
    max_elem = te.compute(reduced, lambda *i: te.max(x(*widen(i, k1)), axis=k1),
                          name="T_softmax_maxelem", tag="softmax_output")
    exp = te.compute(x.shape, lambda *i: te.exp(x(*i) - max_elem(*narrow(i))),
                     name="T_softmax_exp", tag="softmax_output")
    expsum = te.compute(reduced, lambda *i: te.sum(exp(*widen(i, k2)), axis=k2),
                        name="T_softmax_expsum", tag="softmax_output")
    return te.compute(x.shape, lambda *i: exp(*i) / expsum(*narrow(i)),
                      name="T_softmax_norm", tag="softmax_output", attrs={"axis": axis})


def log_softmax(x, axis=-1):
    """x - max - log(sum(exp(x - max))) along `axis`."""
    axis, (k1, k2), widen, narrow, reduced = _along(x, axis, "log_softmax")
    max_elem = te.compute(reduced, lambda *i: te.max(x(*widen(i, k1)), axis=k1),
                          name="T_softmax_maxelem", tag="log_softmax_output")
    expsum = te.compute(reduced, lambda *i: te.sum(te.exp(x(*widen(i, k2)) - max_elem(*i)),
                                                   axis=k2), tag="log_softmax_output")
    return te.compute(
        x.shape, lambda *i: x(*i) - max_elem(*narrow(i)) - te.log(expsum(*narrow(i))),
        tag="log_softmax_output", attrs={"axis": axis})


def _along(x, axis, what):
    """The axis (made non-negative), two reduce axes over it, and index helpers: `widen`
    inserts a reduce axis at it, `narrow` drops it; the shape without it."""
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"topi.nn.{what} of '{x.name}': axis {axis} is out of range for "
                         f"its {x.ndim} dimensions")
    axis = axis % x.ndim
    ks = tuple(te.reduce_axis((0, x.shape[axis]), name="k") for _ in range(2))

    def widen(indices, k):
        return tuple(indices[:axis]) + (k,) + tuple(indices[axis:])

    def narrow(indices):
        return tuple(indices[:axis]) + tuple(indices[axis + 1:])

    reduced = tuple(d for k, d in enumerate(x.shape) if k != axis)
    return axis, ks, widen, narrow, reduced
