"""AnnotateALUCoProcScope (phase 1): wraps every `pragma_alu` statement in
`coproc_scope(2) { coproc_uop_scope("VTAPushALUOp") { ... } }`, and turns
`pragma_skip_alu` (the mock environment's pragma) into `Evaluate(0)`.

The ALU loop nest itself is rewritten into micro-ops only in phase 2 (InjectALUIntrin),
after virtual threads are injected; marking it as compute-queue work now lets the phase-1
scope lifting and CoProcSync place its dependence tokens. Each site gets a fresh
StringImm so that LiftAttrScope never merges two ALU kernels into one. The stage is also
checked here to be element-wise in place, while its buffer still carries the stage's
name (the storage rewrite later renames it after the memory it shares).
"""
from minitvm.tir import expr as E
from minitvm.tir import op
from minitvm.tir import stmt as S
from minitvm.tir.functor import Mutator
from minitvm.transform.pass_infra import FLATTENED, lowering_pass

from ..environment import get_env
from .common import PUSH_ALU_NAME, coproc_scope, match_pragma, uop_scope
from .inject_alu_intrin import check_elementwise


class _AnnotateALU(Mutator):
    def __init__(self, env):
        self.env = env

    def visit_AttrStmt(self, node):
        node = self.generic_visit(node)
        if match_pragma(node, "alu"):
            check_elementwise(self.env, node)
            return coproc_scope(self.env.dev.QID_COMPUTE,
                                uop_scope(E.StringImm(PUSH_ALU_NAME), node))
        if match_pragma(node, "skip_alu"):
            return S.Evaluate(op.const(0))
        return node


@lowering_pass("tir.vta.AnnotateALUCoProcScope", requires=(FLATTENED,))
def annotate_alu_coproc_scope(func):
    """Put each `pragma_alu` stage on VTA's compute queue as an ALU micro-op kernel."""
    return func.with_body(_AnnotateALU(get_env()).visit(func.body))
