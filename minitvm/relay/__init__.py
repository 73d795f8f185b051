"""A stand-in for TVM's `tvm.relay` holding only the helpers operator scripts import
(`relay.nn.get_pad_tuple2d`, as VTA's benchmarks use it).

minitvm has no Relay: no graph IR, no frontends, no `relay.build`. Programs are written in
TE (`minitvm.te`) and TOPI (`minitvm.topi`); any other `relay` name is an AttributeError.
"""
from . import nn

__all__ = ["nn"]
