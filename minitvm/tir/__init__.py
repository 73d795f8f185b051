"""The loop IR (TVM's `tvm.tir`): expression and statement nodes, buffers, functions,
operator functions, the traversal base and the TVMScript printer."""
from . import dtype
from .expr import (Add, And, Broadcast, Call, Cast, CommReducer, Div, EQ, FloatImm, FloorDiv,
                   FloorMod, GE, GT, IntImm, IterVar, IterVarType, LE, LT, Let, Max, Min, Mod,
                   Mul, NE, Not, Or, PointerType, PrimExpr, ProducerLoad, BufferLoad, Ramp,
                   Range, Reduce, Select, SizeVar, StringImm, Sub, Var)
from .stmt import (Allocate, AssertStmt, AttrStmt, BufferRealize, BufferStore, Evaluate, For,
                   ForKind, IfThenElse, LetStmt, ProducerRealize, ProducerStore, SeqStmt, Stmt,
                   While, seq)
from .buffer import Buffer, decl_buffer
from .function import IRModule, PrimFunc
from .functor import Mutator, Visitor, post_order_visit
from .op import (DTypeMismatchError, all, any, call_extern, call_intrin, cast, const,
                 convert, floordiv, floormod, if_then_else, max, min, select, shift_left,
                 shift_right)
from .op import call_pure_extern
# TVM's index arithmetic: indexdiv/indexmod round toward minus infinity (floordiv/floormod);
# truncdiv/truncmod round toward zero, as C does
from .op import floordiv as indexdiv, floormod as indexmod, truncdiv, truncmod
from .packed import call_packed
from . import ir_builder, stmt_functor
from .intrin import (CallEffectKind, abs, acos, acosh, asin, asinh, atan, atan2, atanh, ceil,
                     cos, cosh, erf, exp, exp10, exp2, floor, fmod, isnan, log, log10, log1p,
                     log2, nearbyint, popcount, pow, power, round, rsqrt, sigmoid, sin, sinh,
                     sqrt, tan, tanh, trunc, vscale)
