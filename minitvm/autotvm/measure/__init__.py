"""Measuring candidates (TVM's `autotvm.measure`)."""
from .measure import (LocalBuilder, LocalRunner, MeasureErrorNo, MeasureInput,
                      MeasureOptionError, MeasureResult, RayRunner, create_measure_batch,
                      measure_option)
from .measure_methods import (DeviceMeasure, MeasureError, MeasureJob, build_candidate,
                              make_arrays, reference, register_device)

__all__ = ["DeviceMeasure", "LocalBuilder", "LocalRunner", "MeasureErrorNo", "MeasureInput",
           "MeasureError", "MeasureJob", "MeasureOptionError", "MeasureResult", "RayRunner",
           "build_candidate", "create_measure_batch", "make_arrays", "measure_option", "reference",
           "register_device"]
