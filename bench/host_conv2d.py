"""Time the host build of the tutorial's conv2d (listing 1: default schedule; listing 2:
blocked with two virtual threads) at full size, next to numpy doing the same conv.

The loop IR is built by hand in the exact shape of the reference listings
(tests/host/host_ir.py), so this measures code generation alone, independent of
scheduling and lowering. Run: python bench/host_conv2d.py [repeats]
"""
import os
import statistics
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "host"))
sys.path.insert(0, os.path.join(HERE, ".."))

import minitvm.nd as nd  # noqa: E402
from minitvm.codegen import build_host  # noqa: E402
from minitvm.topi.testing import conv2d_nchw_python  # noqa: E402
from host_ir import ConvShape, conv_listing1, conv_listing2  # noqa: E402


def median_time(fn, repeats):
    fn()                                    # warm up (einsum path planning, allocation)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def numpy_conv(d_nchw, k_oihw):
    out = conv2d_nchw_python(d_nchw, k_oihw, 1, 1)
    return np.clip(out >> 8, 0, 127).astype("int8")


def main(repeats=7):
    s = ConvShape()
    rng = np.random.default_rng(0)
    d_nchw = rng.integers(-128, 128, (1, 256, 14, 14)).astype("int8")
    k_oihw = rng.integers(-128, 128, (256, 256, 3, 3)).astype("int8")
    d = d_nchw.reshape(1, 1, 16, 16, 14, 14).transpose(0, 2, 4, 5, 1, 3)
    k = k_oihw.reshape(16, 16, 16, 16, 3, 3).transpose(0, 2, 4, 5, 1, 3)
    wide = (d_nchw.astype("int32"), k_oihw.astype("int32"))
    reference = numpy_conv(*wide).reshape(1, 1, 16, 16, 14, 14).transpose(0, 2, 4, 5, 1, 3)
    t_numpy = median_time(lambda: numpy_conv(*wide), repeats)
    print(f"conv2d 1x256x14x14, 256 3x3 filters (115.6 M MACs), median of {repeats} runs")
    print(f"  numpy (conv2d_nchw_python + shift/clip):   {t_numpy * 1e3:8.1f} ms")
    for label, f in (("listing 1 (default schedule)", conv_listing1(s)),
                     ("listing 2 (blocked, 2 vthreads)", conv_listing2(s))):
        start = time.perf_counter()
        mod = build_host(f, "my_conv")
        t_build = time.perf_counter() - start
        args = [nd.array(d), nd.array(k), nd.empty(s.res_shape, "int8")]
        t_run = median_time(lambda: mod(*args), repeats)
        ok = np.array_equal(args[2].numpy(), reference)
        print(f"  host build, {label:31s} {t_run * 1e3:8.1f} ms  "
              f"({t_run / t_numpy:4.2f}x numpy; codegen {t_build * 1e3:.0f} ms; "
              f"{'correct' if ok else 'WRONG RESULT'})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
