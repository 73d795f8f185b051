"""`relay.nn` helpers that scripts call outside any Relay program."""


def get_pad_tuple2d(padding):
    """(pad_top, pad_left, pad_bottom, pad_right) of an int, an (h, w) pair (padding both
    sides by it) or a 4-tuple (returned as given), as TVM's `relay.nn.get_pad_tuple2d`."""
    if isinstance(padding, (tuple, list)):
        if len(padding) == 4:
            return tuple(padding)
        if len(padding) != 2:
            raise ValueError(f"get_pad_tuple2d: padding {padding!r} must have 2 or 4 entries")
        pad_h, pad_w = padding[0] * 2, padding[1] * 2
    elif isinstance(padding, int) and not isinstance(padding, bool):
        pad_h = pad_w = padding * 2
    else:
        raise ValueError(f"get_pad_tuple2d: padding {padding!r} must be an int or a tuple")
    pad_top, pad_left = (pad_h + 1) // 2, (pad_w + 1) // 2
    return pad_top, pad_left, pad_h - pad_top, pad_w - pad_left
