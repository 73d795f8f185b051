"""The tutorials under tutorials/te/ print TVM's listings for the same programs
(tests/data/reference/tvm_tutorial_outputs/, `global_symbol` aside) and, through their
own numpy checks, compute the right results."""
import difflib
import os
import pathlib
import subprocess
import sys

import pytest

from reference_text import ir_listings, tutorial_listings, tutorial_output, without_global_symbol

ROOT = pathlib.Path(__file__).resolve().parents[2]

# (tutorial, number of listings TVM printed)
TUTORIALS = [("tuple_inputs", 3), ("tensorize", 4), ("extern_op", 0), ("scan", 3),
             ("schedule_primitives", 11), ("reduction", 5), ("tensor_expr_get_started", 9)]
# Listings that cannot match yet, (tutorial, listing) -> why.
PENDING = {}


@pytest.fixture(scope="module")
def outputs():
    return {}


def printed(name, cache):
    if name not in cache:
        done = subprocess.run([sys.executable, str(ROOT / "tutorials" / "te" / f"{name}.py")],
                              capture_output=True, text=True, cwd=ROOT, timeout=600,
                              env=dict(os.environ, PYTHONPATH=str(ROOT)))
        assert done.returncode == 0, done.stderr[-3000:]
        cache[name] = done.stdout
    return cache[name]


CASES = [pytest.param(name, n, marks=[pytest.mark.xfail(reason=PENDING[name, n])]
                      if (name, n) in PENDING else [], id=f"{name}-{n}")
         for name, count in TUTORIALS for n in range(1, count + 1)]


@pytest.mark.parametrize("name, n", CASES)
def test_listing_is_tvms(name, n, outputs):
    want = tutorial_listings(name)
    got = ir_listings(without_global_symbol(printed(name, outputs)))
    assert len(got) == len(want), f"{name} printed {len(got)} listings, TVM {len(want)}"
    diff = "\n".join(difflib.unified_diff(want[n - 1], got[n - 1], "TVM", "ours",
                                          lineterm=""))
    assert not diff, diff


@pytest.mark.parametrize("name", [name for name, _ in TUTORIALS])
def test_tutorial_runs_and_checks_its_results(name, outputs):
    printed(name, outputs)   # each tutorial asserts its results equal numpy's


def test_extern_op_prints_what_tvm_prints(outputs):
    """Its one output, the callback's argument types; minitvm's module path is minitvm."""
    want = [line for line in tutorial_output("extern_op").splitlines()
            if not line.startswith("### ")]
    got = printed("extern_op", outputs).replace("minitvm.", "tvm.").splitlines()
    assert got == want


def test_reduction_prints_the_rfactored_body_as_tvm(outputs):
    """`print(s[B].op.body)`: an Array of one Reduce over B.rf, with its reducer."""
    text = tutorial_output("reduction")
    want = text.split("### print(s[B].op.body)\n", 1)[1].splitlines()[0]
    assert want in printed("reduction", outputs).splitlines()
