"""IR infrastructure shared by every dialect (TVM's `tvm.ir`): the operator registry
(`Op`, `register_op_attr`, `register_intrin_lowering`)."""
from .op import Op, register_intrin_lowering, register_op_attr

__all__ = ["Op", "register_intrin_lowering", "register_op_attr"]
