"""Benchmark of the VTA simulator on the reference convolution's instruction stream.

`conv_program` issues, through the runtime and by hand, the calls the reference convolution
tutorial's compiled code makes (ResNet-18 layer 9: 1x16x14x14 blocks of 16 channels, 3x3
kernel, pad 1; two virtual threads; spec §3.4 and §7.4): 3,366 instructions, among them 64 GEMMs
of 8x7 iterations over 126-micro-op kernels (451,584 GEMM micro-ops), 128 loads, 12 ALU ops
and 3,136 stores. The benchmark checks the result against numpy, then prints the median time of

* issue + run: the runtime calls and `synchronize` (encode, fetch, prepare, execute),
* replayed stream + run: the stream recorded once and run again as it stands, as a compiled
  module's later calls do (vta_backend/host/replay.py): stage it in DRAM and run the device,
* run: the device re-running the same stream (prepared program cached),
* numpy: the same multiply-accumulates as one im2col matrix product (float64, exact),

with GEMM micro-ops per second and the ratios. The simulator runs on one core; numpy's products
use every core OpenBLAS is given (OPENBLAS_NUM_THREADS=1 compares one core with one core).
Run: python bench/simulator.py [repeats]
"""
from __future__ import annotations

import statistics
import sys
import time

import numpy as np

from vta_backend import runtime as rt
from vta_backend.environment import get_env
from vta_backend.isa import ALU_MAX, ALU_MIN, ALU_SHR, MEM_INP, MEM_OUT, MEM_WGT
from vta_backend.simulator import DeviceMemory
from vta_backend.testing import simulator

OC_INNER, ROWS, COLS, IC_BLOCKS, THREADS = 8, 7, 14, 16, 2


def _record_reset(cmd, t):
    cmd.uop_loop_begin(OC_INNER, ROWS * COLS, 0, 0)
    cmd.uop_loop_begin(ROWS, COLS, 0, 0)
    for c in range(COLS):
        cmd.uop_push(0, 1, t * 784 + c, 0, 0, 0, 0, 0)
    cmd.uop_loop_end()
    cmd.uop_loop_end()


def _record_gemm(cmd, t):
    cmd.uop_loop_begin(OC_INNER, ROWS * COLS, 0, 9)
    cmd.uop_loop_begin(ROWS, COLS, 16, 0)
    for dy in range(3):
        for dx in range(3):
            for c in range(COLS):
                cmd.uop_push(0, 0, t * 784 + c, t * 144 + dy * 16 + dx + c, t * 72 + dy * 3 + dx,
                             0, 0, 0)
    cmd.uop_loop_end()
    cmd.uop_loop_end()


def _record_alu(cmd, t, opcode, imm):
    cmd.uop_loop_begin(OC_INNER * ROWS * COLS, 1, 1, 0)
    cmd.uop_push(1, 0, t * 784, t * 784, 0, opcode, 1, imm)
    cmd.uop_loop_end()


class ConvSites:
    """The call sites (kernel caches) of the compiled convolution: they live as long as it."""

    def __init__(self):
        self.reset, self.gemm = rt.UopKernelMap(), rt.UopKernelMap()
        self.alu = [(rt.UopKernelMap(), op, imm)
                    for op, imm in ((ALU_SHR, 8), (ALU_MAX, 0), (ALU_MIN, 127))]


def conv_program(cmd, sites: ConvSites, data, kernel, res) -> None:
    """Issue the reference convolution's runtime calls and synchronize."""
    cmd.dep_push(3, 2)
    cmd.dep_push(3, 2)
    for yo in range(2):
        for t in range(THREADS):
            cmd.dep_pop(3, 2)
            cmd.push_gemm_op(sites.reset, lambda s: _record_reset(cmd, s), t)
            cmd.dep_push(2, 1)
        for ic in range(IC_BLOCKS):
            for t in range(THREADS):
                cmd.dep_pop(2, 1)
                row0, pad_top, pad_bottom = (0, 1, 0) if yo == 0 else (6, 0, 1)
                cmd.load_buffer_2d(data, ic * 196 + row0 * 14, 14, 8, 14, 1, pad_top, 1,
                                   pad_bottom, t * 144, MEM_INP)
                cmd.load_buffer_2d(kernel, t * 8 * 144 + ic * 9, 9, 8, 144, 0, 0, 0, 0,
                                   t * 72, MEM_WGT)
                cmd.dep_push(1, 2)
            for t in range(THREADS):
                cmd.dep_pop(1, 2)
                cmd.push_gemm_op(sites.gemm, lambda s: _record_gemm(cmd, s), t)
                cmd.dep_push(2, 1)
        cmd.dep_pop(2, 1)
        cmd.dep_pop(2, 1)
        for t in range(THREADS):
            for site, op, imm in sites.alu:
                cmd.push_alu_op(site, lambda s, op=op, imm=imm: _record_alu(cmd, s, op, imm), t)
            cmd.dep_push(2, 3)
        for t in range(THREADS):
            cmd.dep_pop(2, 3)
            for oc in range(OC_INNER):
                for y in range(ROWS):
                    for x in range(COLS):
                        cmd.store_buffer_2d(t * 784 + oc * 98 + y * 14 + x, MEM_OUT, res,
                                            (t * 8 + oc) * 196 + (yo * 7 + y) * 14 + x, 1, 1, 1)
            cmd.dep_push(3, 2)
    cmd.dep_pop(3, 2)
    cmd.dep_pop(3, 2)
    cmd.synchronize(rt.SYNC_WAIT_CYCLES)


def conv_setup(memory: DeviceMemory, seed: int = 0):
    """Random packed data (1,16,14,14,1,16) and kernel (16,16,3,3,16,16), their DRAM buffers
    (allocated first, as in the tutorial) and a command queue."""
    rng = np.random.default_rng(seed)
    data = rng.integers(-128, 128, (1, 16, 14, 14, 1, 16), dtype=np.int8)
    kernel = rng.integers(-128, 128, (16, 16, 3, 3, 16, 16), dtype=np.int8)
    bufs = [memory.alloc(a.nbytes) for a in (data, kernel)] + [memory.alloc(data.nbytes)]
    bufs[0].write(0, data)
    bufs[1].write(0, kernel)
    return data, kernel, bufs, rt.CommandQueue(get_env(), memory)


def conv_reference(data: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """numpy: conv2d (pad 1) in int64, >> 8, clip to [0, 127], int8, packed like `res`."""
    padded = np.pad(data[0, :, :, :, 0, :].astype(np.int64), ((0, 0), (1, 1), (1, 1), (0, 0)))
    out = np.zeros((16, 14, 14, 16), dtype=np.int64)
    for dy in range(3):
        for dx in range(3):
            out += np.einsum("iyxk,oiqk->oyxq", padded[:, dy:dy + 14, dx:dx + 14],
                             kernel[:, :, dy, dx].astype(np.int64))
    return np.clip(out >> 8, 0, 127).astype(np.int8).reshape(1, 16, 14, 14, 1, 16)


def im2col(data: np.ndarray, kernel: np.ndarray):
    """The convolution as one matrix product: (196 pixels, 2304) @ (2304, 256 channels)."""
    padded = np.pad(data[0, :, :, :, 0, :], ((0, 0), (1, 1), (1, 1), (0, 0)))
    cols = np.stack([padded[:, dy:dy + 14, dx:dx + 14] for dy in range(3) for dx in range(3)])
    x = cols.transpose(2, 3, 1, 0, 4).reshape(196, 16 * 9 * 16)        # (y x, ic tap lane)
    w = kernel.reshape(16, 16, 9, 16, 16).transpose(1, 2, 4, 0, 3).reshape(2304, 256)
    return x.astype(np.float64), w.astype(np.float64)


def _recorded(cmd, program):
    """The one stream `program` synchronizes, as the queue ran it."""
    cmd.recorder = streams = []
    try:
        program()
    finally:
        cmd.recorder = None
    (stream,) = streams
    return stream


def _median(fn, repeats: int) -> float:
    """Median wall time of `repeats` calls (one phase per workload: the BLAS threads numpy's
    products leave spinning would otherwise slow whatever runs next)."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(repeats: int = 20) -> None:
    memory = DeviceMemory()
    data, kernel, (data_buf, kernel_buf, res_buf), cmd = conv_setup(memory)
    sites = ConvSites()
    simulator.clear_stats()
    t0 = time.perf_counter()
    conv_program(cmd, sites, data_buf, kernel_buf, res_buf)
    cold = time.perf_counter() - t0
    expected = conv_reference(data, kernel)
    if not np.array_equal(res_buf.read(0, data.nbytes).view(np.int8).reshape(data.shape),
                          expected):
        raise SystemExit("the simulated convolution differs from numpy")
    stats = simulator.stats()
    x, w = im2col(data, kernel)
    exact = np.rint(x @ w).astype(np.int64).reshape(14, 14, 16, 16).transpose(2, 0, 1, 3)
    if not np.array_equal(np.clip(exact >> 8, 0, 127).astype(np.int8), expected[0, :, :, :, 0]):
        raise SystemExit("the im2col baseline differs from the reference")
    x32, w32 = x.astype(np.float32), w.astype(np.float32)
    insn_phys, count = cmd.insn_staging.phys_addr, len(cmd.last_records)
    stream = _recorded(cmd, lambda: conv_program(cmd, sites, data_buf, kernel_buf, res_buf))
    runs = {"issue + run": lambda: conv_program(cmd, sites, data_buf, kernel_buf, res_buf),
            "replayed stream + run": lambda: cmd.run_stream(stream),
            "run (device only)": lambda: cmd.device.run(insn_phys, count),
            "numpy im2col float64 (exact)": lambda: x @ w,
            "numpy im2col float32 (inexact)": lambda: x32 @ w32}
    median = {label: _median(fn, repeats) for label, fn in runs.items()}
    uops, numpy64 = stats["gemm_counter"], median["numpy im2col float64 (exact)"]
    print(f"{count} instructions, statistics of one run: {stats}")
    print(f"first run (records kernels, builds plans): {cold * 1e3:8.2f} ms")
    for label, t in median.items():
        line = f"{label:<32}: {t * 1e3:8.2f} ms (median of {repeats})"
        if not label.startswith("numpy"):
            line += f"  {uops / t / 1e6:6.1f} M GEMM micro-ops/s  {t / numpy64:5.2f}x numpy float64"
            line += f"  {t / median['numpy im2col float32 (inexact)']:5.2f}x numpy float32"
        print(line)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
