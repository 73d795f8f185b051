"""The reference convolution's instruction stream, issued by hand through the runtime with
one or two virtual threads (bench/simulator.py issues the two-thread one; its micro-op
kernels and data layout are reused here).

With one thread the output-channel halves run one after the other on one set of SRAM
tiles, so every load waits for the GEMM that last read its tile; with two, each thread has
its own tiles and its loads overlap the other thread's GEMM (spec §5.9, §7.4)."""
import importlib.util
from pathlib import Path

from vta_backend import runtime as rt
from vta_backend.isa import MEM_INP, MEM_OUT, MEM_WGT


def _bench():
    path = Path(__file__).resolve().parents[2] / "bench" / "simulator.py"
    spec = importlib.util.spec_from_file_location("vta_bench_simulator", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BENCH = _bench()
OC_INNER, ROWS, COLS, IC_BLOCKS = BENCH.OC_INNER, BENCH.ROWS, BENCH.COLS, BENCH.IC_BLOCKS


def conv_program(cmd, sites, data, kernel, res, threads: int) -> None:
    """Issue the convolution's runtime calls with `threads` (1 or 2) virtual threads and
    synchronize. `sites` is a bench ConvSites (kept across runs, like a compiled module)."""
    for _ in range(threads):
        cmd.dep_push(3, 2)
    for oc_outer in range(2 // threads):
        for yo in range(2):
            _row_block(cmd, sites, data, kernel, res, threads, oc_outer * threads, yo)
    for _ in range(threads):
        cmd.dep_pop(3, 2)
    cmd.synchronize(rt.SYNC_WAIT_CYCLES)


def _row_block(cmd, sites, data, kernel, res, threads, oc_first, yo) -> None:
    for t in range(threads):
        cmd.dep_pop(3, 2)
        cmd.push_gemm_op(sites.reset, lambda s: BENCH._record_reset(cmd, s), t)
        cmd.dep_push(2, 1)
    row0, pad_top, pad_bottom = (0, 1, 0) if yo == 0 else (6, 0, 1)
    for ic in range(IC_BLOCKS):
        for t in range(threads):
            cmd.dep_pop(2, 1)
            cmd.load_buffer_2d(data, ic * 196 + row0 * 14, 14, 8, 14, 1, pad_top, 1, pad_bottom,
                               t * 144, MEM_INP)
            cmd.load_buffer_2d(kernel, (oc_first + t) * 8 * 144 + ic * 9, 9, 8, 144, 0, 0, 0, 0,
                               t * 72, MEM_WGT)
            cmd.dep_push(1, 2)
        for t in range(threads):
            cmd.dep_pop(1, 2)
            cmd.push_gemm_op(sites.gemm, lambda s: BENCH._record_gemm(cmd, s), t)
            cmd.dep_push(2, 1)
    for _ in range(threads):
        cmd.dep_pop(2, 1)
    for t in range(threads):
        for site, op, imm in sites.alu:
            cmd.push_alu_op(site, lambda s, op=op, imm=imm: BENCH._record_alu(cmd, s, op, imm), t)
        cmd.dep_push(2, 3)
    for t in range(threads):
        cmd.dep_pop(2, 3)
        for oc in range(OC_INNER):
            for y in range(ROWS):
                for x in range(COLS):
                    cmd.store_buffer_2d(t * 784 + oc * 98 + y * 14 + x, MEM_OUT, res,
                                        ((oc_first + t) * 8 + oc) * 196 + (yo * 7 + y) * 14 + x,
                                        1, 1, 1)
        cmd.dep_push(3, 2)
