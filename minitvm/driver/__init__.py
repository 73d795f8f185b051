"""`tvm.driver`: the compiler driver. `build_module` holds `schedule_to_module`, `lower`,
`build` and the pass pipeline (`PIPELINE`, `BUILD_PIPELINE`, `pipeline`); this package
re-exports them, as TVM's `tvm.driver` re-exports `lower` and `build`."""
from .build_module import (BUILD_PIPELINE, PIPELINE, USER, build, get_binds, lower, pipeline,
                           schedule_to_module)

__all__ = ["BUILD_PIPELINE", "PIPELINE", "USER", "build", "get_binds", "lower", "pipeline",
           "schedule_to_module"]
