"""Schedules (TVM's legacy TE schedule path): record, infer, build.

* record: `create_schedule` gives a `Schedule` of `Stage`s whose primitives (split,
  tile, fuse, reorder, compute_at, compute_inline, bind, pragma, tensorize,
  storage_align, double_buffer, set_store_predicate...) validate their arguments and
  record relations and attributes (`stage`, `relations`); the dataflow rewrites
  `cache_read`/`cache_write` (`cache`) and `rfactor` (`rfactor`) replace ops through
  `dataflow`, and `create_group` (`group`) makes a virtual stage for several;
* infer: `normalize` (a copy) and `infer_bound` decide the range of every loop and the
  region every stage computes and allocates (`bound`, `message_passing`);
* build: `schedule_ops` turns stages into the loop nest (`loop_nest`, `compute_stmt`,
  `tensorize`); `schedule_to_primfunc` wraps it as the PrimFunc lowering starts from.
"""
from .bound import infer_bound
from .errors import ScheduleError, TensorizeError
from .schedule import Schedule, create_schedule
from .schedule_ops import schedule_ops
from .stage import Stage
from .to_primfunc import get_binds, schedule_to_primfunc

__all__ = ["Schedule", "ScheduleError", "Stage", "TensorizeError", "create_schedule",
           "get_binds", "infer_bound", "schedule_ops", "schedule_to_primfunc"]
