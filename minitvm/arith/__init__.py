"""Integer arithmetic analysis (TVM's `tvm.arith`): the `Analyzer` that simplifies index
expressions, proves conditions and bounds integer expressions. Bound inference, lowering
passes and the VTA passes all call it."""
from .analyzer import Analyzer

__all__ = ["Analyzer"]
