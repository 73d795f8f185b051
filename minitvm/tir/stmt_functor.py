"""TVM's `tvm.tir.stmt_functor`: the traversal helpers at their TVM path (they live in
`minitvm.tir.functor`, with the visitor and mutator bases)."""
from .functor import post_order_visit, substitute

__all__ = ["post_order_visit", "substitute"]
