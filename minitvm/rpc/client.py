"""`LocalSession` and `connect` (TVM's `python/tvm/rpc/client.py`, spec vta.md 8).

A session owns a temporary directory: `upload(path)` copies a file into it and
`load_module(name)` loads a module from it with `minitvm.runtime.load_module` (a module
file is data, see `runtime.module`). Devices of a session carry its index in the device
type as TVM encodes it (`type + 128 * (index + 1)`); arrays on them live where arrays of
the base device live (ext_dev: VTA's DRAM), and modules accept them.
"""
from __future__ import annotations

import itertools
import os
import shutil

from ..contrib import utils
from ..runtime import load_module as _load_module
from ..runtime.device import CPU, EXT_DEV, RPC_SESS_MASK, Device

_SESSION_INDEX = itertools.count()


class RPCError(RuntimeError):
    """A remote-execution request minitvm cannot serve."""


class LocalSession:
    """An in-process RPC session: upload, load_module and devices, as on a remote."""

    def __init__(self):
        self._workdir = utils.tempdir()
        self._index = next(_SESSION_INDEX)

    def _path(self, name, who):
        base = os.path.basename(str(name))
        if base in ("", ".", ".."):
            raise RPCError(f"{who}: {name!r} does not name a file")
        return self._workdir.relpath(base)

    def upload(self, data, target=None):
        """Copy a local file (a path, or bytes with `target` naming them) into the
        session's work directory, under its base name (or `target`)."""
        if isinstance(data, (bytes, bytearray)):
            if target is None:
                raise RPCError("upload(bytes): give target=<file name> for the data")
            with open(self._path(target, "upload"), "wb") as out:
                out.write(data)
            return
        if not os.path.isfile(data):
            raise RPCError(f"upload: no such file {data!r}")
        name = target if target is not None else os.path.basename(data)
        shutil.copyfile(data, self._path(name, "upload"))

    def download(self, path):
        """The bytes of a file in the work directory."""
        full = self._path(path, "download")
        if not os.path.isfile(full):
            raise RPCError(f"download: the session has no file {path!r} "
                           f"(it has: {', '.join(sorted(self.listdir())) or 'none'})")
        with open(full, "rb") as src:
            return src.read()

    def listdir(self, path="."):
        return self._workdir.listdir()

    def remove(self, path):
        os.remove(self._path(path, "remove"))

    def load_module(self, path):
        """Load a module uploaded to this session."""
        full = self._path(path, "load_module")
        if not os.path.isfile(full):
            raise RPCError(f"load_module: the session has no file {path!r}; upload it first "
                           f"(it has: {', '.join(sorted(self.listdir())) or 'none'})")
        return _load_module(full)

    def device(self, dev_type, dev_id=0):
        """A device of this session (`dev_type` a code or a name such as "ext_dev")."""
        from ..runtime.device import device
        base = device(dev_type, dev_id)
        if base.base_type not in (CPU, EXT_DEV):
            raise RPCError(f"device: {base} is not available in a local session "
                           f"(cpu and ext_dev are)")
        return Device(base.base_type + RPC_SESS_MASK * (self._index + 1), dev_id)

    def cpu(self, dev_id=0):
        return self.device(CPU, dev_id)

    def ext_dev(self, dev_id=0):
        """The VTA device of this session; arrays on it are allocated in VTA's DRAM (the
        first such array loads the backend that allocates them, see `runtime.ndarray`)."""
        return self.device(EXT_DEV, dev_id)

    def __repr__(self):
        return f"LocalSession({self._index}, {self._workdir.path!r})"


def connect(url, port, key="", session_timeout=0, session_constructor_args=None):
    """TVM's `rpc.connect`: refused, as minitvm has no network RPC."""
    raise RPCError(f"rpc.connect({url!r}, {port}): minitvm has no network RPC; with the "
                   f"bundled simulator (TARGET 'sim') use rpc.LocalSession(), which runs "
                   f"everything in this process")
