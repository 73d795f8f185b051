"""Default schedules of the neural-network operators (TVM's `topi.generic.nn`): each is
the plain default schedule, one stage per operator, nothing inlined."""
from __future__ import annotations

from .default import default_schedule


def _plain(name):
    def schedule(outs):
        return default_schedule(outs, False)
    schedule.__name__ = schedule.__qualname__ = name
    schedule.__doc__ = f"The default schedule of {name[len('schedule_'):]} (TVM's " \
                       f"topi.generic.{name})."
    return schedule


schedule_conv2d_nchw = _plain("schedule_conv2d_nchw")
schedule_conv2d_nhwc = _plain("schedule_conv2d_nhwc")
schedule_depthwise_conv2d_nchw = _plain("schedule_depthwise_conv2d_nchw")
schedule_group_conv2d_nchw = _plain("schedule_group_conv2d_nchw")
schedule_conv2d_transpose_nchw = _plain("schedule_conv2d_transpose_nchw")
schedule_dense = _plain("schedule_dense")
schedule_softmax = _plain("schedule_softmax")
schedule_batch_flatten = _plain("schedule_batch_flatten")


def schedule_pool(outs, layout):
    """The default schedule of pooling (TVM's topi.generic.schedule_pool)."""
    return default_schedule(outs, False)
