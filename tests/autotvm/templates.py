"""A small tunable template on the host CPU, shared by the autotvm tests."""
from minitvm import autotvm, te

USED = []   # the config of each instantiation, for the tests to inspect


@autotvm.template("test.matmul")
def matmul(n, l, m, dtype):
    A = te.placeholder((n, l), name="A", dtype=dtype)
    B = te.placeholder((l, m), name="B", dtype=dtype)
    k = te.reduce_axis((0, l), name="k")
    C = te.compute((n, m), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    s = te.create_schedule(C.op)
    y, x = s[C].op.axis
    cfg = autotvm.get_config()
    USED.append(cfg)
    cfg.define_split("tile_y", y, num_outputs=2)
    cfg.define_split("tile_x", x, num_outputs=3, policy="power2")
    cfg.define_knob("unroll", [0, 1])
    yo, yi = cfg["tile_y"].apply(s, C, y)
    xo, xm, xi = cfg["tile_x"].apply(s, C, x)
    s[C].reorder(yo, xo, k, yi, xm, xi)
    if cfg["unroll"].val:
        s[C].unroll(xi)
    return s, [A, B, C]
