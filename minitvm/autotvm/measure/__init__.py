"""Measuring candidates (TVM's `autotvm.measure`)."""
from .measure import (LocalBuilder, LocalRunner, MeasureErrorNo, MeasureInput,
                      MeasureOptionError, MeasureResult, RayRunner, create_measure_batch,
                      measure_option)
from .measure_methods import DeviceMeasure, MeasureJob, register_device

__all__ = ["DeviceMeasure", "LocalBuilder", "LocalRunner", "MeasureErrorNo", "MeasureInput",
           "MeasureJob", "MeasureOptionError", "MeasureResult", "RayRunner",
           "create_measure_batch", "measure_option", "register_device"]
