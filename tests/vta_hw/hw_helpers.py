"""Helpers shared by the VTA hardware-model tests: configurations, queues, DRAM arrays."""
import numpy as np

from vta_backend.environment import get_env
from vta_backend.runtime import CommandQueue
from vta_backend.simulator import DeviceMemory

# The default configuration and three others: two GEMM rows, 32-wide blocks, tiny buffers.
CONFIGS = {
    "default": {},
    "batch2": {"LOG_BATCH": 1},
    "block32": {"LOG_BLOCK": 5},
    "small": {"LOG_UOP_BUFF_SIZE": 8, "LOG_INP_BUFF_SIZE": 10, "LOG_WGT_BUFF_SIZE": 12,
              "LOG_ACC_BUFF_SIZE": 11},
}


def make_env(name):
    return get_env().replace(**CONFIGS[name])


def new_queue(env):
    """A command queue on its own fresh DRAM and device (zeroed on-chip buffers)."""
    return CommandQueue(env, DeviceMemory())


def dram_array(cmd, array):
    """A DRAM buffer holding `array`."""
    buf = cmd.memory.alloc(array.nbytes)
    buf.write(0, array)
    return buf


def read(buf, dtype, shape):
    return buf.read(0, int(np.prod(shape)) * np.dtype(dtype).itemsize).view(dtype).reshape(shape)


def handoff(cmd, from_qid, to_qid):
    """Make stage `to_qid` wait for everything stage `from_qid` has queued so far."""
    cmd.dep_push(from_qid, to_qid)
    cmd.dep_pop(from_qid, to_qid)
