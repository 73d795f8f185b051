"""Devices as TVM names them: `tvm.cpu(0)`, `tvm.ext_dev(0)` (DLPack device type codes).

A `Device` is a (device_type, device_id) pair. RPC sessions encode their session in
the type as TVM does (`type + 128 * (session + 1)`); the base type is `type % 128`.
"""
from __future__ import annotations

from dataclasses import dataclass

CPU = 1
EXT_DEV = 12
RPC_SESS_MASK = 128

_TYPE_NAMES = {CPU: "cpu", 2: "cuda", 4: "opencl", EXT_DEV: "ext_dev"}
_NAME_TYPES = {"cpu": CPU, "llvm": CPU, "c": CPU, "ext_dev": EXT_DEV, "vta": EXT_DEV}


@dataclass(frozen=True)
class Device:
    """Where an NDArray lives and where a module runs."""
    device_type: int
    device_id: int = 0

    @property
    def base_type(self):
        """The device type without an RPC session tag."""
        return self.device_type % RPC_SESS_MASK

    @property
    def type_name(self):
        return _TYPE_NAMES.get(self.base_type, f"device_type{self.base_type}")

    @property
    def exist(self):
        return self.base_type in (CPU, EXT_DEV)

    def sync(self):
        """Wait for queued work; minitvm devices run synchronously."""

    def __repr__(self):
        name = f"{self.type_name}({self.device_id})"
        session = self.device_type // RPC_SESS_MASK
        return f"remote[{session - 1}]:{name}" if session else name

    __str__ = __repr__


def device(dev_type, dev_id=0):
    """`tvm.device("cpu", 0)` or `tvm.device(1, 0)`."""
    if isinstance(dev_type, str):
        key = dev_type.split()[0]
        if key not in _NAME_TYPES:
            raise ValueError(f"unknown device {dev_type!r}; minitvm knows: "
                             f"{', '.join(sorted(_NAME_TYPES))}")
        dev_type = _NAME_TYPES[key]
    return Device(int(dev_type), int(dev_id))


def cpu(dev_id=0):
    return Device(CPU, dev_id)


def ext_dev(dev_id=0):
    """The extension device (VTA)."""
    return Device(EXT_DEV, dev_id)
