"""Operator library (TVM's `tvm.topi`): `nn` (pad) and `testing` (numpy references).

`nn` is imported eagerly; `testing` on first use, so that using `topi.nn` does not
depend on it.
"""
import importlib

from . import nn, tag

__all__ = ["nn", "tag", "testing"]


def __getattr__(name):
    if name == "testing":
        return importlib.import_module(f"{__name__}.testing")
    raise AttributeError(f"module 'minitvm.topi' has no attribute {name!r}")
