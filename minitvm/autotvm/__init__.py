"""AutoTVM (TVM's `tvm.autotvm`): tunable schedule templates and their tuning.

    @autotvm.template("matmul")                   # or register_topi_compute/_schedule
    def matmul(N, L, M, dtype):
        ...; cfg = autotvm.get_config(); cfg.define_split("tile_y", y, num_outputs=2)
        ...; return s, [A, B, C]

    task = autotvm.task.create("matmul", args=(N, L, M, "float32"), target="llvm")
    tuner = autotvm.tuner.GATuner(task)
    tuner.tune(n_trial=20, measure_option=autotvm.measure_option(),
               callbacks=[autotvm.callback.log_to_file("matmul.log")])
    with autotvm.apply_history_best("matmul.log"):
        s, args = matmul(N, L, M, "float32")      # built with the best config found

Layout: `task` (templates, config spaces, dispatch contexts), `measure` (one candidate:
check, build, time; local processes or Ray), `tuner` (the search), `record` (JSON-lines
logs), `tophub` (logs shipped with the backends).
"""
from . import measure, record, task, tophub, tuner
from .env import GLOBAL_SCOPE
from .measure import (LocalBuilder, LocalRunner, MeasureErrorNo, MeasureInput, MeasureResult,
                      RayRunner, measure_option)
from .task import (ApplyHistoryBest, FallbackContext, apply_history_best, get_config,
                   register_topi_compute, register_topi_schedule, template)
from .tuner import callback
from ..runtime.backends import load_deferred

__all__ = ["ApplyHistoryBest", "FallbackContext", "GLOBAL_SCOPE", "LocalBuilder",
           "LocalRunner", "MeasureErrorNo", "MeasureInput", "MeasureResult", "RayRunner",
           "apply_history_best", "callback", "get_config", "measure", "measure_option",
           "record", "register_topi_compute", "register_topi_schedule", "task", "template",
           "tophub", "tuner"]

# Last, once autotvm is whole: what backends load with it (their tuning tasks and devices).
load_deferred(__name__)
