"""Pre-tuned configurations shipped with the packages (TVM's `autotvm.tophub`).

TVM downloads a log per backend ("vta_v0.10.log", ...) from the TopHub repository;
minitvm never touches the network: a backend registers the logs it ships as package data
(`register_package(name, version, path)`, done when the backend is imported), and
`context(target)` loads the one matching the target (its device, keys, then kind, as TVM
looks them up) into an `ApplyHistoryBest`.
"""
from __future__ import annotations

from pathlib import Path

from ..target import Target
from . import record
from .task import ApplyHistoryBest

PACKAGE_VERSION = {}    # backend name -> version of its bundled log
_PACKAGE_PATH = {}      # backend name -> path of its bundled log
_ALIAS = {"vtacpu": "vta"}


def register_package(name, version, path):
    """Ship `path` as the tuned log of backend `name`, version `version`."""
    PACKAGE_VERSION[name] = version
    _PACKAGE_PATH[name] = Path(path)


def context(target, extra_files=None):
    """An ApplyHistoryBest holding the bundled log of each target (and `extra_files`)."""
    best = ApplyHistoryBest([])
    targets = target if isinstance(target, (list, tuple)) else [target]
    for tgt in targets:
        tgt = tgt if isinstance(tgt, Target) else Target(tgt)
        names = ([tgt.device_name] if tgt.device_name else []) + list(tgt.keys) + \
            [tgt.kind.name]
        for name in (_ALIAS.get(n, n) for n in names):
            if name in _PACKAGE_PATH:
                best.load(str(_PACKAGE_PATH[name]))
                break       # one log per target, as TVM loads
    for filename in extra_files or ():
        best.load(filename)
    return best


def load_reference_log(backend, model, workload_name):
    """The records of task `workload_name` on device model `model` in the bundled log of
    `backend`, for `FallbackConfigEntity.fallback_with_reference_log`; [] when no log of
    that backend ships (TVM would download one)."""
    if backend not in _PACKAGE_PATH:
        return []
    return [(inp, res) for inp, res in record.load_from_file(str(_PACKAGE_PATH[backend]))
            if inp.task.name == workload_name and f"-model={model}" in str(inp.target)]
