"""Data types as TVM spells them ("int8", "int32", "uint8", "float32", "bool", "handle").

Every IR node carries its dtype as one of these strings; this module answers the
questions the rest of the compiler asks about them (kind, width, range).
"""

from ..error import TVMError

SUPPORTED = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
             "float16", "float32", "float64", "handle")


class DTypeError(TVMError, TypeError):
    """A dtype minitvm does not know (TVM's DataType parser raises a TVMError)."""


def check(dtype):
    """Return `dtype` as a string, or raise naming it when minitvm does not know it."""
    name = str(dtype)
    if name not in SUPPORTED:
        raise DTypeError(f"unknown dtype {name!r}; expected one of {', '.join(SUPPORTED)}")
    return name


def _parse_kind(dtype):
    if dtype in ("bool", "handle"):
        return dtype
    for prefix in ("uint", "int", "float"):
        if dtype.startswith(prefix):
            return prefix
    raise DTypeError(f"unknown dtype {dtype!r}")


def _parse_bits(dtype):
    if dtype == "bool":
        return 1
    if dtype == "handle":
        return 64
    return int(dtype[len(_parse_kind(dtype)):])


# The answers for the supported dtypes, looked up rather than parsed: the simplifier and
# the operator constructors ask them for nearly every node they build.
_KIND = {name: _parse_kind(name) for name in SUPPORTED}
_BITS = {name: _parse_bits(name) for name in SUPPORTED}


def kind(dtype):
    """'int', 'uint', 'float', 'bool' or 'handle'."""
    found = _KIND.get(dtype)
    return found if found is not None else _parse_kind(dtype)


def bits(dtype):
    """Width in bits (bool is 1, handle 64)."""
    found = _BITS.get(dtype)
    return found if found is not None else _parse_bits(dtype)


def is_int(dtype):
    return kind(dtype) == "int"


def is_uint(dtype):
    return kind(dtype) == "uint"


def is_integer(dtype):
    """Signed or unsigned integer (not bool)."""
    return kind(dtype) in ("int", "uint")


def is_float(dtype):
    return kind(dtype) == "float"


def is_bool(dtype):
    return dtype == "bool"


def int_range(dtype):
    """(min, max) of an integer dtype."""
    width = bits(dtype)
    if is_uint(dtype):
        return 0, (1 << width) - 1
    if is_bool(dtype):
        return 0, 1
    return -(1 << (width - 1)), (1 << (width - 1)) - 1


def wrap(value, dtype):
    """Wrap a Python int into `dtype`'s range (two's complement), as hardware does."""
    if not is_integer(dtype):
        return value
    width = bits(dtype)
    value &= (1 << width) - 1
    if is_int(dtype) and value >= 1 << (width - 1):
        value -= 1 << width
    return value
