"""The reference tutorial's convolution (ResNet-18 layer 9) and its VTA schedule, with the
tiling as parameters so other tilings can be tried (seeds/convolution_opt_tutorial.txt)."""
from minitvm import te, topi
from vta_backend.environment import get_env
from vta_backend.intrin import gemm


def conv2d(env, height=14, width=14, in_channels=256, out_channels=256, kernel=3, pad=1,
           stride=1):
    """(data, kernel, res) tensors and every stage of the fixed-point convolution."""
    data_shape = (1, in_channels // env.BLOCK_IN, height, width, env.BATCH, env.BLOCK_IN)
    kernel_shape = (out_channels // env.BLOCK_OUT, in_channels // env.BLOCK_IN, kernel, kernel,
                    env.BLOCK_OUT, env.BLOCK_IN)
    out_h = (height + 2 * pad - kernel) // stride + 1
    out_w = (width + 2 * pad - kernel) // stride + 1
    output_shape = (1, out_channels // env.BLOCK_OUT, out_h, out_w, env.BATCH, env.BLOCK_OUT)
    dy = te.reduce_axis((0, kernel), name="dy")
    dx = te.reduce_axis((0, kernel), name="dx")
    ic = te.reduce_axis((0, in_channels // env.BLOCK_IN), name="ic")
    ic_tns = te.reduce_axis((0, env.BLOCK_IN), name="ic_tns")
    data = te.placeholder(data_shape, name="data", dtype=env.inp_dtype)
    weights = te.placeholder(kernel_shape, name="kernel", dtype=env.wgt_dtype)
    data_buf = topi.nn.pad(data, [0, 0, pad, pad, 0, 0], name="data_buf")
    kernel_buf = te.compute(kernel_shape, lambda *i: weights(*i), "kernel_buf")
    res_conv = te.compute(
        output_shape,
        lambda bo, co, i, j, bi, ci: te.sum(
            data_buf[bo, ic, i * stride + dy, j * stride + dx, bi, ic_tns].astype(env.acc_dtype)
            * kernel_buf[co, ic, dy, dx, ci, ic_tns].astype(env.acc_dtype),
            axis=[ic, dy, dx, ic_tns]),
        name="res_conv")
    res_shr = te.compute(output_shape, lambda *i: res_conv(*i) >> 8, name="res_shr")
    res_max = te.compute(output_shape, lambda *i: te.max(res_shr(*i), 0), "res_max")
    res_min = te.compute(output_shape, lambda *i: te.min(res_max(*i), 127), "res_min")
    res = te.compute(output_shape, lambda *i: res_min(*i).astype(env.inp_dtype), name="res")
    return dict(data=data, kernel=weights, data_buf=data_buf, kernel_buf=kernel_buf,
                res_conv=res_conv, res_shr=res_shr, res_max=res_max, res_min=res_min, res=res,
                ic=ic, dy=dy, dx=dx, ic_tns=ic_tns)


def vta_schedule(t, env=None, oc_block=8, h_block=7, w_block=14, v_threads=2):
    """The tutorial's schedule: tiles, virtual threads, SRAM scopes, DMA, GEMM, ALU."""
    env = env or get_env()
    s = te.create_schedule(t["res"].op)
    res, res_conv = t["res"], t["res_conv"]
    b, oc, y, x, b_tns, oc_tns = s[res].op.axis
    b_out, b_inn = s[res].split(b, factor=1)
    oc_out, oc_inn = s[res].split(oc, factor=oc_block)
    y_out, y_inn = s[res].split(y, factor=h_block)
    x_out, x_inn = s[res].split(x, factor=w_block)
    s[res].reorder(b_out, oc_out, y_out, x_out, b_inn, oc_inn, y_inn, x_inn, b_tns, oc_tns)
    for stage in ("res_conv", "res_shr", "res_max", "res_min"):
        s[t[stage]].compute_at(s[res], x_out)
    b_inn, oc_inn, y_inn, x_inn, b_tns, oc_tns = s[res_conv].op.axis
    ic_out, ic_inn = s[res_conv].split(t["ic"], factor=1)
    s[res_conv].reorder(ic_out, b_inn, oc_inn, y_inn, ic_inn, t["dy"], t["dx"], x_inn, b_tns,
                        oc_tns, t["ic_tns"])
    if v_threads > 1:
        _, tx = s[res].split(oc_out, factor=v_threads)
        s[res].reorder(tx, b_out)
        s[res].bind(tx, te.thread_axis("cthread"))
    s[t["data_buf"]].set_scope(env.inp_scope)
    s[t["kernel_buf"]].set_scope(env.wgt_scope)
    for stage in ("res_conv", "res_shr", "res_min", "res_max"):
        s[t[stage]].set_scope(env.acc_scope)
    s[t["data_buf"]].compute_at(s[res_conv], ic_out)
    s[t["kernel_buf"]].compute_at(s[res_conv], ic_out)
    s[t["data_buf"]].pragma(s[t["data_buf"]].op.axis[0], env.dma_copy)
    s[t["kernel_buf"]].pragma(s[t["kernel_buf"]].op.axis[0], env.dma_copy)
    s[res].pragma(s[res].op.axis[4], env.dma_copy)
    s[res_conv].tensorize(b_tns, gemm(env))
    for stage in ("res_shr", "res_min", "res_max"):
        s[t[stage]].pragma(s[t[stage]].op.axis[0], env.alu)
    return s
