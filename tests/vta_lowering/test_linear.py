"""The affine reading of index expressions the VTA passes rely on."""
from minitvm.tir import op
from vta_backend.transform.linear import Linear, detect_clip_bound, detect_linear_equation

from vtair import same_values, var


def test_linear_equation_separates_loop_variables_from_the_base():
    i, j, o = var("i"), var("j"), var("o")
    coeffs, base = detect_linear_equation((o * 7 + i) * 224 + j * 16 - 240, [i, j])
    assert coeffs == [224, 16]
    assert same_values(base.to_expr(), lambda v: v * 1568 - 240, {o: range(3)})


def test_non_affine_use_of_a_loop_variable_is_not_linear():
    i = var("i")
    assert detect_linear_equation(op.floordiv(i, 2) * 16, [i]) is None
    assert detect_linear_equation(i * i, [i]) is None


def test_atoms_divide_exactly_when_their_coefficients_do():
    o = var("o")
    pad = op.max(1 - o * 7, 0)
    form = Linear.of(pad * 224 + o * 1568 - 224)
    assert same_values(form.exact_div(16).to_expr(), lambda v: max(1 - 7 * v, 0) * 14 + v * 98 - 14,
                       {o: range(3)})
    assert Linear.of(pad * 8).exact_div(16) is None


def test_clip_bounds_in_every_comparison_form():
    """The same window 1 <= i + o*7 < 15 written four ways gives the same bounds."""
    i, o = var("i"), var("o")
    row = i + o * 7
    forms = [op.all(1 <= row, row < 15), op.all(row >= 1, 14 >= row),
             op.all(row > 0, 15 > row), op.all(i >= 1 - o * 7, i <= 14 - o * 7)]
    for cond in forms:
        ((lo, hi),) = detect_clip_bound(cond, [i])
        assert same_values(lo.to_expr(), lambda v: 1 - 7 * v, {o: range(3)})
        assert same_values(hi.to_expr(), lambda v: 14 - 7 * v, {o: range(3)})


def test_clause_naming_two_loop_variables_is_not_a_clip_bound():
    i, j = var("i"), var("j")
    assert detect_clip_bound(op.all(i + j < 3, i >= 0), [i, j]) is None
    assert detect_clip_bound(i * 2 < 3, [i]) is None


def test_putting_loop_values_in_keeps_which_variables_atoms_read():
    # VerifyGEMMKernels asks once per micro-op and loop whether the loop variable is read
    # inside an atom (non-affine): values put in drop bare variables and add constants
    i, j, k = var("i"), var("j"), var("k")
    form = Linear.of(i * 16 + op.floordiv(j, 2) * 4 + j + k * 3 + 5)
    expected = {i: False, j: True, k: False}
    for order in ([i, j, k], [k, j, i], [j, i, k]):
        derived = form
        for value, v in enumerate(order):
            assert derived.mentions_inside_atoms(v) == expected[v]
            derived = derived.without(v) + derived.coeff(v) * (value + 2)
