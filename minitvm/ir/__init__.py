"""IR infrastructure shared by every dialect (TVM's `tvm.ir`): the operator registry
(`Op`, `register_op_attr`, `register_intrin_lowering`), the `Array` and `Map` containers,
and `save_json`/`load_json`."""
from .base import load_json, save_json
from .container import Array, Map
from .op import Op, register_intrin_lowering, register_op_attr

__all__ = ["Array", "Map", "Op", "load_json", "register_intrin_lowering", "register_op_attr",
           "save_json"]
