"""Helpers of the timing-model tests: queues, micro-op kernels and the parameters the
paper derivations use (deliberately not the defaults, so the tests show they are read)."""
import numpy as np

from vta_backend.environment import get_env
from vta_backend.runtime import CommandQueue, UopKernelMap
from vta_backend.simulator import DeviceMemory
from vta_backend.simulator.timing import TimingParams
from vta_backend.testing import simulator

P = TimingParams(clock_mhz=50, issue_cycles=3, dram_latency=20, load_bytes_per_cycle=8,
                 store_bytes_per_cycle=4, gemm_cycles_per_uop=1, gemm_pipeline_depth=6,
                 alu_cycles_per_uop=2, alu_pipeline_depth=5, token_queue_depth=8)
ENV = get_env()


def new_queue():
    """A command queue on its own DRAM and device."""
    return CommandQueue(ENV, DeviceMemory())


def dram(cmd, nbytes):
    """A zeroed DRAM buffer of `nbytes` bytes."""
    buf = cmd.memory.alloc(nbytes)
    buf.write(0, np.zeros(nbytes, np.uint8))
    return buf


def gemm(cmd, site, iter_out, iter_in, nuops, reset=0, src=0):
    """A GEMM over a kernel of `nuops` micro-ops (dst u, inp src, wgt 0) under an
    iter_out x iter_in loop with zero factors: iter_out * iter_in * nuops micro-ops."""
    def record(_):
        cmd.uop_loop_begin(iter_out, 0, 0, 0)
        cmd.uop_loop_begin(iter_in, 0, 0, 0)
        for u in range(nuops):
            cmd.uop_push(0, reset, u, src, 0, 0, 0, 0)
        cmd.uop_loop_end()
        cmd.uop_loop_end()
    cmd.push_gemm_op(site, record)


def alu_add(cmd, site, count):
    """An ALU add of immediate 1 over accumulator elements 0..count-1 (one micro-op under a
    count-iteration loop)."""
    def record(_):
        cmd.uop_loop_begin(count, 1, 1, 0)
        cmd.uop_push(1, 0, 0, 0, 0, 2, 1, 1)
        cmd.uop_loop_end()
    cmd.push_alu_op(site, record)


def run_timed(cmd, params=P):
    """Synchronize with the timing model on; the report."""
    simulator.timing_mode(True, params)
    cmd.synchronize()
    return simulator.timing()


def kinds(report):
    return [e.kind for e in report.trace]


def span(report, i):
    """(start, end) of instruction i."""
    e = report.trace[i]
    return e.start, e.end


__all__ = ["P", "ENV", "new_queue", "dram", "gemm", "alu_add", "run_timed", "kinds", "span",
           "UopKernelMap"]
