"""Schedules for ARM CPUs (TVM's `topi.arm_cpu`): the spatial-pack convolution VTA's
benchmarks run on the ARM core beside VTA (`env.target_vta_cpu`), built here for the host."""
from .conv2d import conv2d_nchw_spatial_pack, schedule_conv2d_nchw_spatial_pack
from .conv2d_spatial_pack import conv2d_spatial_pack_nchw, schedule_conv2d_spatial_pack_nchw

__all__ = ["conv2d_nchw_spatial_pack", "conv2d_spatial_pack_nchw",
           "schedule_conv2d_nchw_spatial_pack", "schedule_conv2d_spatial_pack_nchw"]
