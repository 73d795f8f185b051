"""`tvm.rpc`: the remote-execution API the tutorials use, served in this process.

minitvm has no network transport: `LocalSession()` is TVM's in-process "remote" (a
temporary work directory for uploads; functions run in the caller's thread, so the
simulator's statistics are the ones the script reads), and `connect` says so.
"""
from .client import LocalSession, RPCError, connect

__all__ = ["LocalSession", "RPCError", "connect"]
