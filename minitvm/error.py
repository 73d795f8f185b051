"""The error classes minitvm raises for a user's mistake (TVM's `tvm.error`).

TVM reports most mistakes found while declaring, scheduling, lowering or building a
program as `tvm.error.TVMError`, a `RuntimeError`; where its Python front end checks the
mistake itself it raises `ValueError` or `TypeError`. minitvm's own error classes derive
from `TVMError` and, where TVM raises a builtin type for the same mistake, from that type
too, so `except tvm.TVMError` and `except ValueError` catch what they catch in TVM.
A user's mistake never surfaces as an IndexError, KeyError, AttributeError or
AssertionError raised from inside minitvm.
"""


class TVMError(RuntimeError):
    """Base of the errors TVM's compiler and runtime report (`tvm.error.TVMError`)."""


class InternalError(TVMError):
    """minitvm broke one of its own rules (`tvm.error.InternalError`): a bug, not the
    user's mistake."""


class NestingTooDeepError(TVMError):
    """The program nests deeper than minitvm's tree walks, or Python's parser for the host
    build's code, can follow (see minitvm/tir/depth.py)."""
