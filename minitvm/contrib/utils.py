"""`tvm.contrib.utils.tempdir()`: a temporary directory removed when no longer used."""
from __future__ import annotations

import os
import shutil
import tempfile
import weakref


class TempDirectory:
    """A directory for build artifacts. Removed by `remove()`, on leaving a `with`
    block, or when garbage collected, unless created at a custom path or with
    `keep_for_debug=True`."""

    def __init__(self, custom_path=None, keep_for_debug=False):
        if custom_path:
            os.makedirs(custom_path, exist_ok=True)
            self.path = os.path.abspath(custom_path)
        else:
            self.path = tempfile.mkdtemp(prefix="minitvm_")
        keep = bool(custom_path) or keep_for_debug
        self._cleanup = weakref.finalize(self, lambda: None) if keep else \
            weakref.finalize(self, shutil.rmtree, self.path, True)

    def relpath(self, name):
        """The path of `name` inside the directory."""
        return os.path.join(self.path, name)

    def listdir(self):
        return os.listdir(self.path)

    def remove(self):
        self._cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()

    def __repr__(self):
        return f"TempDirectory({self.path!r})"


def tempdir(custom_path=None, keep_for_debug=None):
    """A new TempDirectory (TVM's name)."""
    return TempDirectory(custom_path, bool(keep_for_debug))
