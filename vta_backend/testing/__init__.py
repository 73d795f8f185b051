"""Testing helpers of the VTA backend (VTA's `vta.testing`): `simulator` exposes the bundled
simulator's statistics and debug mode."""
from . import simulator

__all__ = ["simulator"]
