"""Integer arithmetic analysis (TVM's `tvm.arith`): the `Analyzer` that simplifies index
expressions, proves conditions and bounds integer expressions. Bound inference, lowering
passes and the VTA passes all call it; `int_set` adds interval sets on top of it."""
from .analyzer import Analyzer
from .compare import CompareResult
from .const_int_bound import NEG_INF, POS_INF, ConstIntBound
from .modular_set import ModularSet

__all__ = ["Analyzer", "CompareResult", "ConstIntBound", "ModularSet", "NEG_INF", "POS_INF"]
