"""The three IR listings of the convolution tutorial, reproduced exactly.

Each function is built by hand as TVM has it before Simplify (naive row-major
indices, extent-1 axes as lets, spec §4), then Simplify and CSE run and the module
is printed; the text must equal the reference listing in the seed file.
"""
import difflib

import pytest

from minitvm.arith import memo
from minitvm.tir import IRModule
from minitvm.transform.cse import common_subexpr_elim
from minitvm.transform.remove_no_op import remove_no_op
from minitvm.transform.simplify import simplify

from . import conv_ir, seed

BUILDERS = {1: conv_ir.listing1_func, 2: conv_ir.listing2_func, 3: conv_ir.listing3_func}


def lowered_text(n):
    func = common_subexpr_elim(remove_no_op(simplify(BUILDERS[n]())))
    return str(IRModule({"main": func}))


@pytest.mark.parametrize("n", [1, 2, 3])
def test_listing_text_matches_reference(n):
    want, got = seed.listing(n), lowered_text(n)
    diff = "\n".join(difflib.unified_diff(want.splitlines(), got.splitlines(), "reference",
                                          "minitvm", lineterm=""))
    assert got == want, diff


def test_seed_has_three_listings():
    assert len(seed.listings()) == 3


@pytest.mark.parametrize("n", [1, 2, 3])
def test_listing_text_is_the_same_without_the_simplifier_cache(n):
    with memo.disabled():
        plain = lowered_text(n)
    assert plain == seed.listing(n)
