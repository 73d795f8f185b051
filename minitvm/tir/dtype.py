"""Data types as TVM spells them ("int8", "int32", "uint8", "float32", "bool", "handle").

Every IR node carries its dtype as one of these strings; this module answers the
questions the rest of the compiler asks about them (kind, width, range). A vector of
lanes is spelled as TVM does, the element type then `x<lanes>` ("float32x32", "int32x4",
"boolx8"): the vectorizer's ramps, broadcasts and vector loads have such types; kind and
width are those of the element.
"""

from ..error import TVMError

SUPPORTED = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
             "float16", "float32", "float64", "handle")


class DTypeError(TVMError, TypeError):
    """A dtype minitvm does not know (TVM's DataType parser raises a TVMError)."""


def check(dtype):
    """Return `dtype` as a string, or raise naming it when minitvm does not know it."""
    if type(dtype) is str and dtype in _KIND:     # a supported scalar type: the common case
        return dtype
    name = str(dtype)
    if name not in SUPPORTED and not _is_vector_of_supported(name):
        raise DTypeError(f"unknown dtype {name!r}; expected one of {', '.join(SUPPORTED)} "
                         f"(or one of them with 'x<lanes>', e.g. 'float32x4')")
    return name


def _is_vector_of_supported(name):
    element, sep, count = name.rpartition("x")
    return bool(sep) and element in SUPPORTED and element != "handle" and count.isdigit() \
        and int(count) > 1


def lanes(dtype):
    """How many lanes a value of `dtype` has: 32 for "float32x32", 1 for a scalar."""
    if "x" not in dtype:        # no scalar type's name has an x: the common case is cheap
        return 1
    element, sep, count = dtype.rpartition("x")
    return int(count) if sep and count.isdigit() else 1


def element_of(dtype):
    """The scalar type of one lane: "float32" for "float32x32"."""
    if "x" not in dtype:
        return dtype
    element, sep, count = dtype.rpartition("x")
    return element if sep and count.isdigit() else dtype


def with_lanes(dtype, count):
    """`dtype`'s element type with `count` lanes ("float32", 4 -> "float32x4")."""
    element = element_of(dtype)
    return element if count == 1 else f"{element}x{count}"


def is_vector(dtype):
    return lanes(dtype) > 1


def _parse_kind(dtype):
    dtype = element_of(dtype)
    if dtype in ("bool", "handle"):
        return dtype
    for prefix in ("uint", "int", "float"):
        if dtype.startswith(prefix):
            return prefix
    raise DTypeError(f"unknown dtype {dtype!r}")


def _parse_bits(dtype):
    dtype = element_of(dtype)
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
    """'int', 'uint', 'float', 'bool' or 'handle' (of the element, for a vector type)."""
    found = _KIND.get(dtype)
    return found if found is not None else _parse_kind(dtype)


def bits(dtype):
    """Width in bits of one lane (bool is 1, handle 64)."""
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
    return kind(dtype) == "bool"


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
    limits = _INT_LIMITS.get(dtype)
    if limits is not None and limits[0] <= value <= limits[1]:
        return value            # in range already: the common case
    if not is_integer(dtype):
        return value
    width = bits(dtype)
    value &= (1 << width) - 1
    if is_int(dtype) and value >= 1 << (width - 1):
        value -= 1 << width
    return value


_INT_LIMITS = {name: int_range(name) for name in SUPPORTED if is_integer(name)}
