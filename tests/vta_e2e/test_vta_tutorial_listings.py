"""The VTA tutorials print every IR listing TVM printed for them, identically (but for the
`global_symbol` entry TVM v0.16's printer drops), in order."""
import difflib

import pytest

from reference_text import ir_listings, tutorial_listings, without_global_symbol

# our tutorial -> the reference output of TVM's tutorial it re-creates
REFERENCES = {
    "vta_get_started": "vta_get_started",
    "matrix_multiply": "vta_matrix_multiply",
    "matrix_multiply_opt": "vta_matrix_multiply_opt",
}


@pytest.mark.parametrize("name", list(REFERENCES))
def test_every_listing_is_tvms(tutorial, name):
    want = tutorial_listings(REFERENCES[name])
    got = ir_listings(without_global_symbol(tutorial(name).output))
    assert len(got) == len(want), f"{name} printed {len(got)} listings, TVM {len(want)}"
    for k, (theirs, ours) in enumerate(zip(want, got), start=1):
        diff = "\n".join(difflib.unified_diff(theirs, ours, "TVM", "ours", lineterm=""))
        assert not diff, f"listing {k} of {name}:\n{diff}"
