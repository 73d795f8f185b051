"""Tuning tasks, config spaces and dispatch contexts (TVM's `autotvm.task`)."""
from .dispatcher import (ApplyConfig, ApplyHistoryBest, DispatchContext, FallbackContext,
                         apply_history_best)
from .knobs import (KnobDefinitionError, OtherOptionEntity, ReorderEntity, SplitEntity,
                    get_factors, get_pow2s)
from .space import (ConfigEntity, ConfigIndexError, ConfigSpace, FallbackConfigEntity,
                    InstantiationError)
from .task import (TASK_TABLE, Task, TaskError, args_to_workload, compute_flop, create,
                   deserialize_args, get_config, serialize_args, template)
from .topi_integration import get_workload, register_topi_compute, register_topi_schedule

__all__ = ["ApplyConfig", "ApplyHistoryBest", "ConfigEntity", "ConfigIndexError",
           "ConfigSpace", "DispatchContext", "FallbackConfigEntity", "FallbackContext",
           "InstantiationError", "KnobDefinitionError", "OtherOptionEntity", "ReorderEntity",
           "SplitEntity", "TASK_TABLE", "Task", "TaskError", "apply_history_best",
           "args_to_workload", "compute_flop", "create", "deserialize_args", "get_config",
           "get_factors", "get_pow2s", "get_workload", "register_topi_compute",
           "register_topi_schedule", "serialize_args", "template"]
