"""VTA's operator library (VTA's `vta.top`): packed conv2d, group conv2d, transposed conv2d
and dense with their AutoTVM schedule templates, packing helpers, the static fit check of
a candidate schedule, and the tuned configurations shipped for them.

Importing it registers the operators' tuning tasks, the "vta" measurement device of
autotvm (timing model) and the bundled TopHub log (`autotvm.tophub.context(env.target)`).
"""
from pathlib import Path

from minitvm.autotvm import measure as _measure
from minitvm.autotvm import tophub as _tophub

from .fit import BufferOverflowError, VirtualThreadSplitError, check_fit
from .measure import Evaluation, VTADeviceMeasure, evaluate
from .packing import pack_kernel, pack_matrix, pack_nchw, unpack_matrix, unpack_nchw
from .tuning import (conv2d_packed_task, conv2d_transpose_packed_task, dense_packed_task,
                     group_conv2d_packed_task, shift_clip_cast)
from . import workloads
from .utils import VTAOperatorError, is_packed_layout
from .vta_conv2d import conv2d_packed, schedule_conv2d_packed
from .vta_dense import dense_packed, schedule_dense_packed
from .vta_conv2d_transpose import conv2d_transpose_packed, schedule_conv2d_transpose_packed
from .vta_group_conv2d import group_conv2d_packed, schedule_group_conv2d_packed

TOPHUB_VERSION = "v0.10"     # TVM's version of the "vta" TopHub package
_measure.register_device("vta", VTADeviceMeasure())
_tophub.register_package("vta", TOPHUB_VERSION,
                         Path(__file__).parent / "tophub" / f"vta_{TOPHUB_VERSION}.log")

__all__ = ["BufferOverflowError", "check_fit", "conv2d_packed", "conv2d_packed_task",
           "conv2d_transpose_packed", "conv2d_transpose_packed_task",
           "dense_packed", "dense_packed_task", "evaluate", "Evaluation", "group_conv2d_packed",
           "group_conv2d_packed_task", "is_packed_layout", "pack_kernel", "pack_matrix",
           "pack_nchw", "schedule_conv2d_packed", "schedule_conv2d_transpose_packed",
           "schedule_dense_packed",
           "schedule_group_conv2d_packed", "shift_clip_cast", "unpack_matrix", "unpack_nchw",
           "VirtualThreadSplitError", "VTADeviceMeasure", "VTAOperatorError", "workloads"]
