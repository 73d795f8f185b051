"""Padding arithmetic shared by the convolution and pooling operators (TVM's
`topi.nn.utils`)."""
from __future__ import annotations

from numbers import Integral


def get_pad_tuple(padding, kernel):
    """(top, left, bottom, right) padding from TVM's spellings: an int (every side), a
    pair (height, width: both sides), 4 ints (returned as given), "VALID" (none) or
    "SAME" (kernel - 1 in all, the odd one at the bottom/right); `kernel` is the
    (dilated) kernel's (height, width)."""
    begin, end = get_pad_tuple_generic(padding, kernel)
    return begin[0], begin[1], end[0], end[1]


def get_pad_tuple_generic(padding, kernel):
    """([begin per spatial dim], [end per spatial dim]) for any number of dimensions."""
    dims = len(kernel)
    if isinstance(padding, (tuple, list)):
        if len(padding) == 2 * dims:
            return list(padding[:dims]), list(padding[dims:])
        if len(padding) != dims:
            raise ValueError(f"padding {tuple(padding)!r} must have {dims} or {2 * dims} "
                             f"values for a {dims}-D kernel")
        totals = [2 * p for p in padding]
    elif isinstance(padding, Integral):
        totals = [2 * int(padding)] * dims
    elif padding == "VALID":
        totals = [0] * dims
    elif padding == "SAME":
        totals = [k - 1 for k in kernel]
    else:
        raise ValueError(f"unknown padding {padding!r}: use an int, a tuple, 'VALID' or "
                         f"'SAME'")
    begin = [(t + 1) // 2 for t in totals]
    return begin, [t - b for t, b in zip(totals, begin)]
