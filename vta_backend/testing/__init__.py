"""Testing helpers of the VTA backend (VTA's `vta.testing`): `simulator` exposes the bundled
simulator's statistics and debug mode; `run(fn)` calls `fn(env, remote)` in simulation."""
from . import simulator
from .utils import run

__all__ = ["simulator", "run"]
