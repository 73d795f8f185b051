"""Operator library (TVM's `tvm.topi`): elementwise and broadcast operators at the top
(`topi.add`, `topi.cast`, `topi.exp`, ...), neural-network operators in `nn`, their
default CPU schedules in `generic`, helpers in `utils`, op kinds in `tag`, numpy
references in `testing` and ARM CPU templates in `arm_cpu` (both imported on first use:
operators do not depend on the references, nor the core on autotvm)."""
import importlib

from . import generic, nn, tag, utils
from .broadcast import (add, bitwise_and, bitwise_or, bitwise_xor, divide, equal,
                        floor_divide, floor_mod, greater, greater_equal, left_shift, less,
                        less_equal, logical_and, logical_or, maximum, minimum, mod, multiply,
                        not_equal, power, right_shift, subtract)
from .math import (abs, cast, ceil, clip, erf, exp, floor, log, negative, round, rsqrt,
                   sigmoid, sqrt, tanh, trunc)


def __getattr__(name):
    if name in ("testing", "arm_cpu"):
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'minitvm.topi' has no attribute {name!r}")
