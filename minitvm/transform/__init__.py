"""Generic IR passes, one module per pass, each a function `PrimFunc -> PrimFunc`.

The order they run in is listed once, in `minitvm.driver` (`PIPELINE`). This package
also holds `PassContext` (TVM's `tvm.transform.PassContext`), which adds user passes to
that pipeline or disables passes by name.
"""
from .memory_info import MemoryInfo, get_memory_info, register_memory_info
from .pass_infra import PassContext, PassOrderError, lowering_pass, pass_name

from .cse import common_subexpr_elim
from .inject_virtual_thread import inject_virtual_thread
from .remove_no_op import remove_no_op
from .rewrite_unsafe_select import rewrite_unsafe_select
from .simplify import simplify
from .storage_flatten import storage_flatten
from .storage_rewrite import storage_rewrite
from .unroll_loop import unroll_loop

__all__ = ["MemoryInfo", "PassContext", "PassOrderError", "common_subexpr_elim",
           "get_memory_info", "inject_virtual_thread", "lowering_pass", "pass_name",
           "register_memory_info", "remove_no_op", "rewrite_unsafe_select", "simplify", "storage_flatten",
           "storage_rewrite", "unroll_loop"]
