"""Simplify and RemoveNoOp as passes, and the structural analyses CSE relies on."""
from minitvm import tir as T
from minitvm.tir import stmt as S
from minitvm.tir.analysis import (StructuralInterner, expr_complexity, expr_deep_equal,
                                  legacy_repr, structural_equal, structural_key)
from minitvm.tir.printer import format_stmt
from minitvm.transform.remove_no_op import remove_no_op
from minitvm.transform.simplify import simplify

BUF = T.decl_buffer((256,), "int32", "buf")


def run(pass_fn, body):
    lines = format_stmt(pass_fn(T.PrimFunc((), body, {}, {})).body).splitlines()
    return [line for line in lines if " = T.Buffer(" not in line]


def loop(var, extent, body):
    return S.For(var, T.const(0), T.const(extent), S.ForKind.SERIAL, body)


def test_simplify_inlines_constant_lets_and_uses_loop_bounds():
    i, i0 = T.Var("i"), T.Var("i0")
    body = S.LetStmt(i0, T.const(0), loop(i, 16, S.BufferStore(
        BUF, T.min(i, 20), ((i0 * 16 + i) // 16 * 16 + T.floormod(i0 * 16 + i, 16),))))
    assert run(simplify, body) == ["for i in range(16):", "    buf[i] = i"]


def test_simplify_folds_provable_conditions():
    i = T.Var("i")
    body = loop(i, 8, S.IfThenElse(i < 8, S.BufferStore(BUF, T.const(1), (i,)),
                                   S.BufferStore(BUF, T.const(2), (i,))))
    assert run(simplify, body) == ["for i in range(8):", "    buf[i] = 1"]
    kept = loop(i, 8, S.IfThenElse(i < 4, S.BufferStore(BUF, T.if_then_else(i < 4, 1, 2), (i,))))
    assert run(simplify, kept) == ["for i in range(8):", "    if i < 4:", "        buf[i] = 1"]


def test_simplify_turns_self_stores_into_no_ops_that_remove_no_op_deletes():
    i = T.Var("i")
    body = loop(i, 4, T.seq(S.BufferStore(BUF, T.BufferLoad(BUF, (i + 0,)), (i,)),
                            S.BufferStore(BUF, T.const(3), (i,))))
    assert run(lambda f: remove_no_op(simplify(f)), body) == ["for i in range(4):",
                                                               "    buf[i] = 3"]


def test_remove_no_op_drops_empty_scopes_and_keeps_side_effects():
    i = T.Var("i")
    call = S.Evaluate(T.call_extern("int32", "VTASync"))
    body = T.seq(loop(i, 4, S.Evaluate(T.const(0))),
                 S.AttrStmt(T.StringImm("x"), "pragma_y", T.const(1), S.Evaluate(T.const(0))),
                 S.IfThenElse(i < 1, S.Evaluate(T.const(0))), call)
    assert format_stmt(remove_no_op(T.PrimFunc((), body, {}, {})).body) == \
        'T.call_extern("int32", "VTASync")'


def test_expr_deep_equal_compares_variables_by_identity():
    x, y = T.Var("x"), T.Var("x")
    assert expr_deep_equal(x * 16 + 1, x * 16 + 1)
    assert not expr_deep_equal(x * 16 + 1, y * 16 + 1)
    assert not expr_deep_equal(x + 1, x + T.const(1, "int64"))
    assert structural_key(x * 16 + 1) == structural_key(x * 16 + 1)
    assert structural_key(x + 1) != structural_key(y + 1)


def test_structural_equal_maps_defined_variables():
    def make():
        i = T.Var("i")
        return loop(i, 4, S.BufferStore(BUF, i * 2, (i,)))
    assert structural_equal(make(), make())
    assert not expr_deep_equal(make(), make())
    x, y = T.Var("x"), T.Var("y")
    assert not structural_equal(x + 1, y + 1)
    assert structural_equal(x + 1, y + 1, map_free_vars=True)


def test_interner_numbers_structures():
    x = T.Var("x")
    interner = StructuralInterner()
    assert interner.key(x * 2 + 1) == interner.key(x * 2 + 1) != interner.key(x * 2 + 2)


def test_complexity_and_legacy_repr():
    co, i, j, ci, x = (T.Var(n) for n in ("co", "i", "j", "ci", "i2_outer"))
    assert expr_complexity(co * 1568 + i * 224 + j * 16 + ci) == 13
    assert legacy_repr(T.max(x * 7 - 6, 0)) == "max(((i2_outer*7) - 6), 0)"
    assert legacy_repr(T.max(1 - x * 7, 0)) == "max((1 - (i2_outer*7)), 0)"
    assert legacy_repr(T.floordiv(x, 2)) == "floordiv(i2_outer, 2)"
    assert legacy_repr(T.Var("n", "int64") + 2) == "(n + (int64)2)"
    v = T.Var("v")
    assert legacy_repr(T.expr.Let(v, x * 2, v + 1)) == "(let v = (i2_outer*2) in (v + 1))"
    assert legacy_repr(T.SizeVar("n") + 1) == "({n|n>=0} + 1)"
