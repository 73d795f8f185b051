"""HoistIfThenElse: a guard moves out of the loops it does not read, and no further."""
import numpy as np

import minitvm as tvm
from minitvm import te
from minitvm.tir import stmt as S
from minitvm.transform import PassContext


def loops_and_ifs(stmt):
    """The nest as a list of 'for x' / 'if' entries, outermost first, down the first path."""
    found = []
    while True:
        if isinstance(stmt, S.For):
            found.append("for " + stmt.loop_var.name.replace(".", "_"))
            stmt = stmt.body
        elif isinstance(stmt, S.IfThenElse):
            found.append("if")
            stmt = stmt.then_case
        elif isinstance(stmt, (S.LetStmt, S.AttrStmt, S.Allocate)):
            stmt = stmt.body
        else:
            return found


def tiled_copy():
    m, n = te.var("m"), te.var("n")
    A = te.placeholder((m, n), name="A")
    B = te.compute((m, n), lambda i, j: A[i, j], name="B")
    s = te.create_schedule(B.op)
    xo, xi = s[B].split(B.op.axis[0], factor=10)
    yo, yi = s[B].split(B.op.axis[1], factor=5)
    s[B].reorder(xo, yo, xi, yi)
    return s, A, B


def test_row_guard_moves_above_the_column_loop():
    s, A, B = tiled_copy()
    body = tvm.lower(s, [A, B], simple_mode=True)["main"].body
    # the row guard reads i_inner, so it stops there; the column guard reads j_inner
    assert loops_and_ifs(body) == ["for i_outer", "for j_outer", "for i_inner", "if",
                                   "for j_inner", "if"]


def test_disabled_pass_leaves_both_guards_innermost():
    s, A, B = tiled_copy()
    with PassContext(disabled_pass={"tir.HoistIfThenElse"}):
        body = tvm.lower(s, [A, B], simple_mode=True)["main"].body
    assert loops_and_ifs(body) == ["for i_outer", "for j_outer", "for i_inner", "for j_inner",
                                   "if", "if"]


def test_a_guard_reading_the_innermost_loop_stays():
    m = te.var("m")
    A = te.placeholder((m,), name="A")
    B = te.compute((m,), lambda i: A[i], name="B")
    s = te.create_schedule(B.op)
    s[B].split(B.op.axis[0], factor=4)
    body = tvm.lower(s, [A, B], simple_mode=True)["main"].body
    assert loops_and_ifs(body) == ["for i_outer", "for i_inner", "if"]


def test_hoisted_program_computes_the_same():
    s, A, B = tiled_copy()
    f = tvm.build(s, [A, B])
    a = np.random.rand(23, 12).astype("float32")
    b = tvm.nd.array(np.zeros((23, 12), "float32"))
    f(tvm.nd.array(a), b)
    np.testing.assert_array_equal(b.numpy(), a)
