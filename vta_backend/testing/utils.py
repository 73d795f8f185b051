"""`vta.testing.run(fn)`: run a test body against the simulator, as VTA's own tests do.

VTA's tests are written as `def _run(env, remote): ...` and passed to `run`, which gives
them the current Environment and a remote session. With TARGET "sim" the session is an
in-process `rpc.LocalSession()` on the bundled simulator; the other targets need a board
(or tsim's hardware simulation), which minitvm does not have.
"""
from __future__ import annotations

from minitvm import rpc

from ..environment import get_env


def run(run_func):
    """Call `run_func(env, remote)` with a local session on the simulator; return its
    result."""
    env = get_env()
    if env.TARGET == "sim":
        return run_func(env, rpc.LocalSession())
    raise rpc.RPCError(f"vta.testing.run: TARGET {env.TARGET!r} needs a VTA board over RPC "
                       f"(or tsim), which minitvm does not have; the bundled simulator runs "
                       f"TARGET 'sim'")
