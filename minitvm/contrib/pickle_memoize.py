"""`tvm.contrib.pickle_memoize.memoize`: cache a function's results by its arguments in a
pickle file (".pkl_memoize_py3/<key>.<function>.pkl" under the working directory), so
test data generated once is reused; with `save_at_exit` the cache is written when the
process exits. Arguments (and the values the function closes over, which are part of the
key) must be strings, numbers or tuples of them."""
from __future__ import annotations

import atexit
import functools
import os
import pickle
import sys

_CACHES = {}
_ALLOWED = (str, int, float, tuple)


class Cache:
    """The results of one memoized function, loaded from and saved to its file."""

    def __init__(self, key, save_at_exit):
        self.path = os.path.join(f".pkl_memoize_py{sys.version_info[0]}", key)
        self.save_at_exit, self.dirty = save_at_exit, False
        try:
            with open(self.path, "rb") as f:
                self.cache = pickle.load(f)
        except (OSError, pickle.UnpicklingError, EOFError):
            self.cache = {}

    def save(self):
        if self.dirty:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(self.path, "wb") as f:
                pickle.dump(self.cache, f, pickle.HIGHEST_PROTOCOL)
            self.dirty = False


@atexit.register
def _save_all():
    for cache in _CACHES.values():
        if cache.save_at_exit:
            cache.save()


def memoize(key, save_at_exit=False):
    """Decorator: reuse `f(*args)`'s result for the same positional arguments."""
    def register(f):
        fkey = f"{key}.{f.__name__}.pkl"
        cache = _CACHES.setdefault(fkey, Cache(fkey, save_at_exit))
        closure = tuple(c.cell_contents for c in f.__closure__ or ())

        @functools.wraps(f)
        def memoized(*args, **kwargs):
            if kwargs:
                raise TypeError(f"memoized {f.__name__}: call it with positional arguments "
                                "only")
            entry = (len(closure),) + closure + args
            _check_key(f.__name__, entry)
            if entry not in cache.cache:
                cache.cache[entry] = f(*args)
                cache.dirty = True
            return cache.cache[entry]
        return memoized
    return register


def _check_key(name, args):
    for arg in args:
        items = arg if isinstance(arg, tuple) else (arg,)
        if not all(isinstance(x, _ALLOWED) for x in items):
            raise TypeError(f"memoized {name}: {arg!r} (an argument or a value it closes "
                            "over) is not a string, number or tuple of them, so it cannot key "
                            "the cache")
