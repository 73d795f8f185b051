"""The calling convention of a compiled host function, and checking of call arguments.

A `Signature` lists the parameters as the user declared them (buffers with dtype and
shape, scalars with dtype). `bind` turns a call's arguments into what the generated
Python function takes (flat numpy views, Python scalars, then the values of symbolic
shape dimensions, then the strides of the arrays whose buffers are strided by variables:
NDArrays are compact, so these are row-major strides) and refuses anything else with an
error naming the parameter. A symbolic dimension shared by several parameters must have
one size in all of them.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Tuple, Union

import numpy as np

from ..tir import dtype as dt
from .device import CPU, Device
from .ndarray import NDArray


class ArgumentError(TypeError, ValueError):
    """A call of a compiled function with arguments it cannot take."""


@dataclass(frozen=True)
class BufferParam:
    name: str
    dtype: str
    shape: Tuple[Union[int, str], ...]      # str: a symbolic dimension's name


@dataclass(frozen=True)
class ScalarParam:
    name: str
    dtype: str


@dataclass(frozen=True)
class Signature:
    params: Tuple[Union[BufferParam, ScalarParam], ...]
    shape_vars: Tuple[str, ...] = ()
    device_type: int = CPU
    stride_vars: Tuple[Tuple[str, int], ...] = ()   # (parameter name, axis)

    def to_json(self):
        return {"params": [[type(p).__name__, p.name, p.dtype,
                            list(p.shape) if isinstance(p, BufferParam) else None]
                           for p in self.params],
                "shape_vars": list(self.shape_vars), "device_type": self.device_type,
                "stride_vars": [list(s) for s in self.stride_vars]}

    @staticmethod
    def from_json(doc):
        params = tuple(BufferParam(name, dtype, tuple(shape)) if kind == "BufferParam"
                       else ScalarParam(name, dtype)
                       for kind, name, dtype, shape in doc["params"])
        return Signature(params, tuple(doc["shape_vars"]), doc["device_type"],
                         tuple((name, axis) for name, axis in doc.get("stride_vars", ())))

    def bind(self, func_name, args):
        """The generated function's positional arguments for the call `func_name(*args)`."""
        if len(args) != len(self.params):
            names = ", ".join(p.name for p in self.params)
            raise ArgumentError(f"{func_name}: expected {len(self.params)} arguments "
                                f"({names}), got {len(args)}")
        dims = {}
        bound = [_bind_one(func_name, p, a, dims, self.device_type)
                 for p, a in zip(self.params, args)]
        _refuse_aliasing(func_name, self.params, args)
        shapes = {p.name: a.shape for p, a in zip(self.params, args)
                  if isinstance(p, BufferParam)}
        return (bound + [dims[name][0] for name in self.shape_vars]
                + [math.prod(shapes[name][axis + 1:]) for name, axis in self.stride_vars])


def _bind_one(func_name, param, arg, dims, device_type):
    if isinstance(param, ScalarParam):
        return _scalar(func_name, param, arg)
    where = f"{func_name}: argument {param.name!r}"
    if isinstance(arg, np.ndarray):
        raise ArgumentError(f"{where} is a numpy array; compiled functions take NDArrays, "
                            f"as in TVM: pass tvm.nd.array(...) (results are written into it)")
    if not isinstance(arg, NDArray):
        raise ArgumentError(f"{where} must be an NDArray, got {type(arg).__name__}")
    if arg.dtype != param.dtype:
        raise ArgumentError(f"{where} has dtype {arg.dtype} but the function expects "
                            f"{param.dtype}")
    _check_shape(where, param, arg.shape, dims)
    if arg.device.base_type != device_type:
        raise ArgumentError(f"{where} is on {arg.device} but the function runs on "
                            f"{Device(device_type, 0)}")
    return arg.storage.reshape(-1)


def _check_shape(where, param, shape, dims):
    expected = "(" + ", ".join(str(d) for d in param.shape) + ("," if len(param.shape) == 1
                                                                else "") + ")"
    if len(shape) != len(param.shape):
        raise ArgumentError(f"{where} has shape {shape} but the function expects {expected}")
    for size, want in zip(shape, param.shape):
        if isinstance(want, str):
            seen = dims.setdefault(want, (size, param.name))
            if seen[0] != size:
                raise ArgumentError(f"{where} has shape {shape} but the function expects "
                                    f"{expected} with {want} = {seen[0]} from argument "
                                    f"{seen[1]!r}")
        elif size != want:
            raise ArgumentError(f"{where} has shape {shape} but the function expects "
                                f"{expected}")


def _scalar(func_name, param, arg):
    where = f"{func_name}: argument {param.name!r}"
    if dt.is_float(param.dtype):
        if isinstance(arg, numbers.Real) and not isinstance(arg, bool):
            return float(arg)
        raise ArgumentError(f"{where} must be a number ({param.dtype}), got {arg!r}")
    if isinstance(arg, numbers.Integral) and not isinstance(arg, bool):
        lo, hi = dt.int_range(param.dtype)
        if lo <= int(arg) <= hi:
            return int(arg)
        raise ArgumentError(f"{where} = {int(arg)} does not fit in {param.dtype}")
    raise ArgumentError(f"{where} must be an integer ({param.dtype}), got {arg!r}")


def _refuse_aliasing(func_name, params, args):
    arrays = [(p.name, a.storage) for p, a in zip(params, args) if isinstance(p, BufferParam)]
    for i, (name_a, a) in enumerate(arrays):
        for name_b, b in arrays[i + 1:]:
            if np.may_share_memory(a, b):
                raise ArgumentError(f"{func_name}: arguments {name_a!r} and {name_b!r} share "
                                    f"memory; compiled functions assume distinct arrays "
                                    f"(tir.noalias), pass a copy")
