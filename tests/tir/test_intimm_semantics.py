"""IntImm's Python protocol is TVM's (python/tvm/tir/expr.py: IntImm.__eq__ is _OpEQ,
which folds two constants; __bool__ is value != 0; __hash__ is the value), so what TVM's
users write about constant extents holds: `if stage.op.axis[0].dom.extent == 16:`."""
from minitvm import te, tir


def test_comparing_with_a_constant_folds_to_a_bool_constant():
    a = tir.IntImm("int32", 16)
    for result, truth in ((a == 16, True), (16 == a, True), (a == 15, False),
                          (a != 16, False), (a == tir.IntImm("int64", 16), True)):
        assert isinstance(result, tir.IntImm) and result.dtype == "bool"
        assert bool(result) is truth


def test_truth_is_nonzero_and_hash_is_the_value():
    assert not tir.IntImm("int32", 0) and tir.IntImm("int32", -3)
    assert hash(tir.IntImm("int64", 7)) == hash(7)
    assert {tir.IntImm("int32", 7): "seven"}[7] == "seven"


def test_an_extent_compares_as_tvm_users_write_it():
    A = te.placeholder((16, 8), name="A")
    B = te.compute((16, 8), lambda i, j: A[i, j] + 1, name="B")
    i, j = B.op.axis
    assert i.dom.extent == 16 and j.dom.extent != 16
    assert [ax for ax in B.op.axis if ax.dom.extent == 8] == [j]


def test_comparing_with_an_expression_is_still_an_expression():
    x = tir.Var("x", "int32")
    e = tir.IntImm("int32", 1) == x
    assert isinstance(e, tir.EQ) and e.a.value == 1 and e.b is x
