"""Constant padding (TVM's `topi.nn.pad`): the input of convolutions and pooling."""
from __future__ import annotations

from ... import te
from ...tir import op as _op
from ...tir.expr import IntImm, PrimExpr


def pad(data, pad_before, pad_after=None, pad_value=0.0, name="PadInput"):
    """`data` padded with `pad_value` by `pad_before[k]`/`pad_after[k]` on axis k
    (`pad_after` defaults to `pad_before`): TVM's constant pad.

    Only padded axes are tested: `tvm.tir.all(i >= before, i < size + before, ...)`.
    """
    n = data.ndim
    pad_after = pad_after if pad_after is not None else pad_before
    for what, pads in (("pad_before", pad_before), ("pad_after", pad_after)):
        if len(pads) != n:
            raise ValueError(f"topi.nn.pad of '{data.name}': {what} has {len(pads)} entries, "
                             f"the tensor {n} dimensions")
    before = [_op.convert(p) for p in pad_before]
    after = [_op.convert(p) for p in pad_after]
    out_shape = tuple(_op.add(data.shape[k], _op.add(before[k], after[k])) for k in range(n))
    value = pad_value if isinstance(pad_value, PrimExpr) else _op.const(pad_value, data.dtype)

    def padded(*indices):
        conds, index = [], []
        for k in range(n):
            if _is_zero(before[k]) and _is_zero(after[k]):
                index.append(indices[k])
                continue
            index.append(indices[k] - before[k])
            conds.append(indices[k] >= before[k])
            conds.append(indices[k] < data.shape[k] + before[k])
        if not conds:
            return data(*index)
        return _op.if_then_else(_op.all(*conds), data(*index), value)

    return te.compute(out_shape, padded, name=name, tag="injective,pad")


def _is_zero(e):
    return isinstance(e, IntImm) and e.value == 0
