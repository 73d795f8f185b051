"""Compilation targets, TVM style: `Target("llvm -mtriple=...")`, `Target("ext_dev", host=...)`.

A target string is a kind followed by `-option=value` (or bare `-flag`) items. minitvm
knows two kinds: "llvm" (the host CPU; code runs as Python/numpy) and "ext_dev"
(the VTA accelerator). Unknown kinds and options are refused with the legal choices.
"""
from __future__ import annotations

from dataclasses import dataclass

from .error import TVMError

_OPTIONS = {
    "llvm": ("device", "keys", "model", "mtriple", "mcpu", "mattr", "mabi", "num-cores",
             "system-lib", "link-params", "opt-level", "tag"),
    "ext_dev": ("device", "keys", "model", "system-lib", "tag"),
    # GPU kinds parse (TVM code names them) but cannot be built: see require_backend.
    "cuda": ("device", "keys", "model", "arch", "max_num_threads", "thread_warp_size", "tag"),
    "opencl": ("device", "keys", "model", "max_num_threads", "thread_warp_size", "tag"),
}
_DEFAULT_KEYS = {"llvm": ("cpu",), "ext_dev": (), "cuda": ("cuda", "gpu"),
                 "opencl": ("opencl", "gpu")}
_NO_BACKEND = ("cuda", "opencl")
_CURRENT = []   # the targets of the enclosing `with target:` blocks, innermost last


class TargetNotEnabledError(TVMError):
    """A target minitvm can name but not compile for (it has no GPU backend)."""


def require_backend(target):
    """Refuse to compile for a GPU target, saying what to use instead."""
    if target.kind.name in _NO_BACKEND:
        raise TargetNotEnabledError(
            f"target {str(target)!r}: minitvm has no GPU backend, so it cannot build for "
            f"{target.kind.name!r} (this machine has no GPU either); build for 'llvm' to "
            f"run on the host CPU, or for a VTA target")


@dataclass(frozen=True)
class TargetKind:
    name: str

    def __str__(self):
        return self.name


class Target:
    """A parsed target: `.kind.name`, `.attrs` (options), `.keys`, `.host`, str()."""

    def __init__(self, target, host=None):
        if isinstance(target, Target):
            text, host = str(target), host if host is not None else target.host
        elif isinstance(target, str):
            text = target
        else:
            raise TypeError(f"Target: expected a target string or Target, got {target!r}")
        items = text.split()
        if not items:
            raise ValueError("Target: empty target string")
        kind = items[0]
        if kind not in _OPTIONS:
            raise ValueError(f"unknown target kind {kind!r} in {text!r}; minitvm knows: "
                             f"{', '.join(sorted(_OPTIONS))}")
        self.kind = TargetKind(kind)
        self.attrs = dict(_parse_option(kind, item, text) for item in items[1:])
        self.host = _host(host)

    @property
    def keys(self):
        if "keys" in self.attrs:
            return tuple(self.attrs["keys"].split(","))
        device = (self.attrs["device"],) if "device" in self.attrs else ()
        return device + _DEFAULT_KEYS[self.kind.name]

    @property
    def model(self):
        return self.attrs.get("model", "unknown")

    @property
    def device_name(self):
        return self.attrs.get("device", "")

    @property
    def mtriple(self):
        return self.attrs.get("mtriple", "")

    def __str__(self):
        options = [f"-{k}" if v is True else f"-{k}={v}" for k, v in self.attrs.items()]
        return " ".join([self.kind.name] + options)

    def __repr__(self):
        host = f", host={str(self.host)!r}" if self.host else ""
        return f"Target({str(self)!r}{host})"

    def __enter__(self):
        _CURRENT.append(self)
        return self

    def __exit__(self, *exc):
        _CURRENT.pop()

    @staticmethod
    def current(allow_none=True):
        """The target of the innermost `with target:` block (None outside any)."""
        if _CURRENT:
            return _CURRENT[-1]
        if allow_none:
            return None
        raise ValueError("Target.current(allow_none=False): no target is in scope; "
                         "use `with tvm.target.Target(...):`")

    def __eq__(self, other):
        return isinstance(other, Target) and str(self) == str(other) and \
            str(self.host) == str(other.host)

    def __hash__(self):
        return hash(str(self))


def _parse_option(kind, item, text):
    if not item.startswith("-"):
        raise ValueError(f"target {text!r}: option {item!r} must look like -name=value")
    name, sep, value = item.lstrip("-").partition("=")
    if name not in _OPTIONS[kind]:
        raise ValueError(f"target {text!r}: unknown option -{name} for kind {kind!r}; "
                         f"options are {', '.join('-' + o for o in _OPTIONS[kind])}")
    return name, value if sep else True


def _host(host):
    if host is None:
        return None
    host = host if isinstance(host, Target) else Target(host)
    if host.kind.name != "llvm":
        raise ValueError(f"target host {str(host)!r} must be a CPU target (kind 'llvm')")
    return host


def vta(model="unknown", options=None):
    """TVM's `tvm.target.vta`: the VTA accelerator as an ext_dev target."""
    text = f"ext_dev -device=vta -keys=vta,cpu -model={model}"
    return Target(text + (" " + " ".join(options) if options else ""))


def arm_cpu(model="unknown", options=None):
    """TVM's `tvm.target.arm_cpu`: an ARM CPU (minitvm compiles it for the host)."""
    text = f"llvm -keys=arm_cpu,cpu -device=arm_cpu -model={model}"
    return Target(text + (" " + " ".join(options) if options else ""))
