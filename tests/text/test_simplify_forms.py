"""The simplifier's normal form (spec §3), checked on the printed text."""
import pytest

from minitvm import tir as T
from minitvm.arith import Analyzer
from minitvm.tir.printer import format_expr


def bound(**extents):
    """An analyzer with one loop variable per keyword, ranging over [0, extent)."""
    ana = Analyzer()
    variables = {}
    for name, extent in extents.items():
        var = T.Var(name)
        ana.bind(var, T.Range.from_min_extent(0, extent))
        variables[name] = var
    return ana, variables


def text(expr, ana=None):
    return format_expr((ana or Analyzer()).simplify(expr))


def test_padded_load_flattens_with_a_negative_base_printed_last():
    ana, v = bound(i1=16, i2=16, i3=16, i5=16)
    i0, i4 = T.const(0), T.const(0)
    index = ((((i0 * 16 + v["i1"]) * 14 + (v["i2"] - 1)) * 14 + (v["i3"] - 1)) * 1 + i4) * 16 + v["i5"]
    assert text(index, ana) == "i1 * 3136 + i2 * 224 + i3 * 16 + i5 - 240"


def test_terms_sort_by_scale_stably_and_distinct_indices_never_merge():
    ana, v = bound(ic_outer=16, i2_outer=2, i=7, dy=3, j=14, dx=3, ic_tns=16)
    row = v["i2_outer"] * 7 + v["i"] + v["dy"]
    index = v["ic_outer"] * 4096 + row * 256 + (v["j"] + v["dx"]) * 16 + v["ic_tns"]
    assert text(index, ana) == ("ic_outer * 4096 + i2_outer * 1792 + i * 256 + dy * 256"
                                " + j * 16 + dx * 16 + ic_tns")


@pytest.mark.parametrize("build, want", [
    (lambda x, y: 1 - x * 7, "1 - x * 7"),                     # no positive term: base first
    (lambda x, y: x * 7 - 6, "x * 7 - 6"),                     # term, then negative base
    (lambda x, y: (x * 7 + 9) - 15, "x * 7 - 6"),
    (lambda x, y: 9 - x - y, "9 - x - y"),                     # scale -1 terms in order
    (lambda x, y: 9 - (x + y), "9 - x - y"),
    (lambda x, y: x * 8 + y + x * 8, "x * 16 + y"),            # equal terms merge
    (lambda x, y: 3 + x + 4, "x + 7"),                         # constants fold into base
    (lambda x, y: (x + 2) * 3 - 6, "x * 3"),
    (lambda x, y: y - x + x, "y"),
])
def test_sum_normal_form(build, want):
    x, y = T.Var("x"), T.Var("y")
    assert text(build(x, y)) == want


def test_max_is_a_term_index():
    ana, v = bound(ic_outer=16, i2_outer=2)
    top = T.max(1 - v["i2_outer"] * 7, 0)
    index = v["ic_outer"] * 196 + (v["i2_outer"] * 7 + top - 1) * 14
    assert text(index, ana) == "ic_outer * 196 + i2_outer * 98 + T.max(1 - i2_outer * 7, 0) * 14 - 14"


@pytest.mark.parametrize("build, want", [
    (lambda i: i >= 1, "1 <= i"),                              # >= becomes <=, swapped
    (lambda i: i > 3, "3 < i"),                                # > becomes <, swapped
    (lambda i: i < 14 + 1, "i < 15"),
    (lambda i: T.all(i >= 1, i < 15, i * 2 >= 4), "1 <= i and i < 15 and 2 <= i"),
])
def test_comparisons(build, want):
    ana, v = bound(i=16)
    assert text(build(v["i"]), ana) == want


def test_provable_comparisons_fold():
    ana, v = bound(i=16, j=16)
    assert ana.can_prove(v["i"] < 16)
    assert ana.can_prove(v["i"] * 16 + v["j"] < 256)
    assert not ana.can_prove(v["i"] < 15)
    assert text(v["i"] >= 0, ana) == "T.bool(True)"
    assert text(v["i"] + v["j"] > 40, ana) == "T.bool(False)"


def test_floordiv_and_floormod_with_known_bounds():
    ana, v = bound(i=8, j=16)
    fused = v["i"] * 16 + v["j"]
    assert text(T.floordiv(fused, 16), ana) == "i"
    assert text(T.floormod(fused, 16), ana) == "j"
    assert text(T.floordiv(fused, 16) * 16 + T.floormod(fused, 16), ana) == "i * 16 + j"
    assert text(T.floordiv(v["j"], 16), ana) == "0"
    assert text(T.floormod(v["j"] + 32, 16), ana) == "j"


def test_floordiv_without_bounds_stays():
    i, j = T.Var("i"), T.Var("j")
    # equal scales: the term with the larger lower factor (j // 16) sorts first
    assert text(T.floordiv(i * 16 + j, 16)) == "j // 16 + i"
    assert text(T.floormod(i * 16 + j, 16)) == "j % 16"
    assert text(T.floordiv(T.floordiv(i, 4), 8)) == "i // 32"


def test_min_max_with_bounds():
    ana, v = bound(i=16)
    assert text(T.min(v["i"], 20), ana) == "i"
    assert text(T.max(v["i"], -1), ana) == "i"
    assert text(T.min(v["i"] + 2, v["i"] + 5), ana) == "i + 2"
    assert text(T.max(v["i"] * 4, 8), ana) == "T.max(i, 2) * 4"
    assert text(T.max(1 - v["i"], 0), ana) == "T.max(1 - i, 0)"


def test_const_int_bound():
    ana, v = bound(i=16, j=3)
    assert ana.const_int_bound(v["i"] * 16 + v["j"] - 5) == (-5, 237)
    assert ana.const_int_bound(T.floordiv(v["i"], 4)) == (0, 3)
    assert ana.const_int_bound(T.floormod(v["i"] - 20, 7)) == (0, 6)
    assert tuple(ana.const_int_bound(T.max(v["i"], v["j"] + 20))) == (20, 22)
    lo, hi = Analyzer().const_int_bound(T.Var("free"))
    assert (lo, hi) == (-2**31, 2**31 - 1)


def test_bind_to_a_value_substitutes():
    ana = Analyzer()
    x, y = T.Var("x"), T.Var("y")
    ana.bind(x, y * 2 + 1)
    assert text(x * 3, ana) == "y * 6 + 3"


def test_rebinding_differently_is_an_error_naming_the_variable():
    ana, v = bound(i=16)
    with pytest.raises(ValueError, match="'i'"):
        ana.bind(v["i"], T.Range.from_min_extent(0, 8))
    ana.bind(v["i"], T.Range.from_min_extent(0, 8), allow_override=True)
    assert ana.const_int_bound(v["i"]) == (0, 7)


def test_conditions_are_known_inside_their_branch():
    ana, v = bound(i=16)
    expr = T.if_then_else(v["i"] < 8, T.min(v["i"], 7), 0)
    assert text(expr, ana) == "T.if_then_else(i < 8, i, 0)"
    with ana.constraint_scope(v["i"] < 4):
        assert ana.can_prove(v["i"] < 4)
        assert ana.const_int_bound(v["i"]) == (0, 3)
    assert ana.const_int_bound(v["i"]) == (0, 15)


def test_non_index_dtypes_keep_their_shape():
    x = T.Var("x", "int8")
    assert text(T.max(x, T.const(0, "int8"))) == "T.max(x, T.int8(0))"
    f = T.Var("f", "float32")
    assert text(f + T.const(0.0)) == "f"
