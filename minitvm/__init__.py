"""minitvm: a small, exact re-creation of Apache TVM's tensor-expression schedule path.

Users write `import minitvm as tvm` and keep TVM's names: `tvm.te`, `tvm.tir`,
`tvm.lower`, `tvm.build`, `tvm.nd`, `tvm.target`, `tvm.testing`, `tvm.topi`,
`tvm.rpc`, `tvm.runtime`, `tvm.contrib`, `tvm.error` (and `tvm.TVMError`). Submodules
load on first use, so importing minitvm stays cheap.
"""
import importlib

_SUBMODULES = ("arith", "autotvm", "contrib", "driver", "error", "nd", "relay", "rpc",
               "runtime", "schedule", "target", "te", "testing", "tir", "topi", "transform")
_SUBMODULES += ("ir",)
_FROM_DRIVER = ("lower", "build")
_FROM_RUNTIME = ("cpu", "ext_dev", "device", "register_func", "get_global_func")


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _FROM_DRIVER:
        return getattr(importlib.import_module(f"{__name__}.driver"), name)
    if name == "container":         # TVM's alias of tvm.ir.container
        return importlib.import_module(f"{__name__}.ir.container")
    if name == "TVMError":
        return importlib.import_module(f"{__name__}.error").TVMError
    if name in _FROM_RUNTIME:
        return getattr(importlib.import_module(f"{__name__}.runtime"), name)
    raise AttributeError(f"module 'minitvm' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES) + list(_FROM_DRIVER) + list(_FROM_RUNTIME)
                  + ["TVMError"])
