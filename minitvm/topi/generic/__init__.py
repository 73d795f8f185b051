"""Generic (CPU default) schedules of TOPI operators (TVM's `topi.generic`)."""
from .default import default_schedule
from .injective import (schedule_broadcast, schedule_elemwise, schedule_injective,
                        schedule_injective_from_existing)
from .nn import (schedule_batch_flatten, schedule_conv2d_nchw, schedule_conv2d_nhwc,
                 schedule_conv2d_transpose_nchw, schedule_dense,
                 schedule_depthwise_conv2d_nchw, schedule_group_conv2d_nchw, schedule_pool,
                 schedule_softmax)
