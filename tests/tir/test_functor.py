"""The traversal base treats binding sites as definitions, not uses."""
import minitvm.tir as T
from minitvm.transform.simplify import simplify


def _one_iteration_loop():
    i = T.Var("i")
    buf = T.decl_buffer((4,), "int32", "b")
    loop = T.For(i, T.const(0), T.const(1), T.ForKind.SERIAL,
                 T.BufferStore(buf, i + 1, (i * 2,)))
    data = T.Var("b", "handle")
    return i, T.PrimFunc((data,), loop, {data: buf})


def test_a_mutator_rewriting_uses_keeps_the_loop_variable():
    i, func = _one_iteration_loop()

    class ZeroI(T.Mutator):
        def visit_Var(self, v):
            return T.const(0) if v is i else v

    loop = ZeroI().visit(func.body)
    assert loop.loop_var is i
    assert loop.body.indices[0].a.value == 0          # the use in i * 2 was rewritten


def test_simplify_of_a_one_iteration_loop_keeps_a_variable_as_its_var():
    """Regression: the loop var of an extent-1 loop used to become the constant 0."""
    _, func = _one_iteration_loop()
    loop = simplify(func).body
    assert isinstance(loop, T.For) and isinstance(loop.loop_var, T.Var)
    assert loop.body.indices[0].value == 0 and loop.body.value.value == 1
