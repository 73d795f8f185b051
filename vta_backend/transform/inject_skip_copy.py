"""InjectSkipCopy (phase 1): rewrites every `pragma_skip_dma_copy` statement into
`Evaluate(0)`.

`env.mock.dma_copy` is `"skip_dma_copy"`: a mock environment compiles a schedule with its
copies removed, to look at the compute alone. It sits in phase 1 next to InjectDMAIntrin,
which handles the real `dma_copy` pragma the same way.
"""
from minitvm.tir import op
from minitvm.tir import stmt as S
from minitvm.tir.functor import Mutator
from minitvm.transform.pass_infra import FLATTENED, lowering_pass

from .common import match_pragma


class _SkipCopy(Mutator):
    def visit_AttrStmt(self, node):
        if match_pragma(node, "skip_dma_copy"):
            return S.Evaluate(op.const(0))
        return self.generic_visit(node)


@lowering_pass("tir.vta.InjectSkipCopy", requires=(FLATTENED,))
def inject_skip_copy(func):
    """Replace `pragma_skip_dma_copy` statements by `Evaluate(0)`."""
    return func.with_body(_SkipCopy().visit(func.body))
