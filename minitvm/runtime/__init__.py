"""The runtime: devices, NDArrays, modules (calling, saving, loading).

`enabled(name)` answers which targets and runtime features this minitvm has:
"llvm"/"cpu"/"c" (host code runs as Python/numpy), "ext_dev"/"vta" (the VTA
simulator backend) and "rpc" (the in-process session). Everything else, e.g.
"cuda" or "opencl", is not enabled.
"""
from .device import Device, cpu, device, ext_dev
from .module import Module, load_module, register_loader
from .ndarray import NDArray, register_allocator
from .packed_func import (PackedFuncError, convert, get_global_func, list_global_func_names,
                          register_func)
from .signature import ArgumentError

_ENABLED = frozenset({"llvm", "cpu", "c", "ext_dev", "vta", "rpc"})


def enabled(target):
    """Whether `target` (a target kind, device name or feature such as "rpc") is available."""
    return str(target).split()[0] in _ENABLED


__all__ = ["ArgumentError", "Device", "Module", "NDArray", "PackedFuncError", "convert",
           "get_global_func", "list_global_func_names", "register_func", "cpu", "device", "enabled",
           "ext_dev", "load_module", "register_allocator", "register_loader"]
