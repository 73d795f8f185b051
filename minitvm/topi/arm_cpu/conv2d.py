"""The tunable NCHW spatial-pack convolution of ARM CPUs (TVM's
`topi.arm_cpu.conv2d_nchw_spatial_pack` and its schedule), registered with AutoTVM as task
"conv2d_nchw_spatial_pack.arm_cpu"."""
from __future__ import annotations

from ... import autotvm, te
from ..utils import traverse_inline
from .conv2d_spatial_pack import conv2d_spatial_pack_nchw, schedule_conv2d_spatial_pack_nchw


@autotvm.register_topi_compute("conv2d_nchw_spatial_pack.arm_cpu")
def conv2d_nchw_spatial_pack(cfg, data, kernel, strides, padding, dilation, out_dtype):
    """NCHW conv2d of `data` by OIHW `kernel`, packed by output tiles (num_tile 2: the ARM
    CPU's two-level tiling)."""
    return conv2d_spatial_pack_nchw(cfg, data, kernel, strides, padding, dilation, out_dtype,
                                    num_tile=2)


@autotvm.register_topi_schedule("conv2d_nchw_spatial_pack.arm_cpu")
def schedule_conv2d_nchw_spatial_pack(cfg, outs):
    """The AutoTVM template of the spatial-pack convolution behind `outs`: the padding is
    inlined into the packed input, the rest is schedule_conv2d_spatial_pack_nchw's."""
    outs = [outs] if isinstance(outs, te.Tensor) else list(outs)
    s = te.create_schedule([x.op for x in outs])

    def callback(op):
        if "spatial_conv2d_output" in op.tag:
            conv = op.input_tensors[0]
            data_vec, kernel_vec = conv.op.input_tensors
            s[data_vec.op.input_tensors[0]].compute_inline()
            schedule_conv2d_spatial_pack_nchw(cfg, s, data_vec, kernel_vec, conv, op.output(0),
                                              outs[0])

    traverse_inline(s, outs[0].op, callback)
    return s
