"""tutorials/convolution_cpu.py prints the reference's listings 1 and 2 and runs both
schedules correctly on the CPU (issue 3, acceptance 1 and 2)."""
import difflib
import pathlib
import subprocess
import sys

import pytest

from reference_text import SEED, ir_listings

ROOT = pathlib.Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "tutorials" / "convolution_cpu.py"
EXPECTED = pathlib.Path(__file__).with_name("data") / "convolution_listings.txt"

# Each deliberate difference from the reference text: (listing, reference line, our line,
# why). Empty: both listings are reproduced exactly, including TVM accidents such as the
# 157351936-element views of listing 2 (tvmscript.md §4.5) and the v0.13-era
# "global_symbol" attribute (tvmscript.md §0).
DEVIATIONS = []


def apply_deviations(n, reference):
    replaced = {ref: ours for listing, ref, ours, _ in DEVIATIONS if listing == n}
    return [replaced.get(line, line) for line in reference]


@pytest.fixture(scope="module")
def tutorial_output():
    done = subprocess.run([sys.executable, str(TUTORIAL)], capture_output=True, text=True,
                          cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_expected_listings_are_the_seed_listings():
    if not SEED.exists():
        pytest.skip("the reference tutorial text is not beside this checkout")
    assert ir_listings(EXPECTED.read_text()) == ir_listings(SEED.read_text())[:2]


@pytest.mark.parametrize("n", [1, 2])
def test_listing_matches_reference(tutorial_output, n):
    want = apply_deviations(n, ir_listings(EXPECTED.read_text())[n - 1])
    got = ir_listings(tutorial_output)
    assert len(got) >= n, f"the tutorial printed {len(got)} listings"
    diff = "\n".join(difflib.unified_diff(want, got[n - 1], "reference", "output", lineterm=""))
    assert not diff, diff


def test_both_schedules_equal_numpy_on_the_cpu(tutorial_output):
    assert "Default schedule: the CPU result equals numpy's" in tutorial_output
    assert "Blocked, virtual-threaded schedule: the CPU result equals numpy's" in tutorial_output
    assert tutorial_output.rstrip().endswith("Successful 2D convolution test on the CPU!")


def test_deviations_are_explained():
    for listing, reference, ours, reason in DEVIATIONS:
        assert listing in (1, 2) and reference != ours and len(reason) > 20
