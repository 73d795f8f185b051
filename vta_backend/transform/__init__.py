"""The VTA lowering passes, one module each, every one a function `PrimFunc -> PrimFunc`
(`lift_attr_scope(key)` and `add_debug(flag)` build one). `vta_backend.build_module`
lists where each runs in the pipeline (spec vta.md 5.1).

Each module is named after the function it exports; the imports below bind the package
attributes to the functions (after every module has been loaded).
"""
from .add_debug import add_debug
from .annotate_alu_coproc_scope import annotate_alu_coproc_scope
from .cpu_access_rewrite import cpu_access_rewrite
from .early_rewrite import early_rewrite
from .fold_uop_loop import fold_uop_loop
from .inject_alu_intrin import inject_alu_intrin
from .inject_coproc_sync import inject_coproc_sync
from .inject_dma_intrin import inject_dma_intrin
from .inject_skip_copy import inject_skip_copy
from .lift_alloc_to_scope_begin import lift_alloc_to_scope_begin
from .lift_attr_scope import lift_attr_scope
from .lower_device_storage_access_info import lower_device_storage_access_info
from .verify_gemm_kernels import verify_gemm_kernels

__all__ = ["add_debug", "annotate_alu_coproc_scope", "cpu_access_rewrite", "early_rewrite",
           "fold_uop_loop", "inject_alu_intrin", "inject_coproc_sync", "inject_dma_intrin",
           "inject_skip_copy", "lift_alloc_to_scope_begin", "lift_attr_scope",
           "lower_device_storage_access_info", "verify_gemm_kernels"]
