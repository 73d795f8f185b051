"""The scratch analyzer (minitvm/arith/scratch.py) is shared by the questions of a
lowering, so it must never be taught: binding on it is refused, inside a shared block or
not, while a Let inside a question still binds its own variable."""
from contextlib import nullcontext

import pytest

from minitvm.arith import Analyzer
from minitvm.arith.scratch import scratch_analyzer, shared_scratch
from minitvm.error import InternalError
from minitvm.tir import Var, const
from minitvm.tir import expr as E


@pytest.mark.parametrize("inside", [True, False])
def test_binding_on_the_scratch_analyzer_is_refused(inside):
    x = Var("x")
    with shared_scratch() if inside else nullcontext():
        ana = scratch_analyzer()
        with pytest.raises(InternalError, match=r"bind\(x\) on the scratch analyzer: .* "
                           r"must never be taught"):
            ana.bind(x, const(3))
        with pytest.raises(InternalError, match=r"update_bound\(x\) on the scratch"):
            ana.update_bound(x, (0, 7))


def test_a_let_inside_a_question_still_binds_its_variable():
    x, y = Var("x"), Var("y")
    question = E.Let(x, const(3), x + y - 3)
    with shared_scratch():
        assert scratch_analyzer().simplify(question) is y
    assert Analyzer().simplify(question) is y
