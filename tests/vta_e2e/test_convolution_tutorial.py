"""The reference tutorial, run as a script, prints the reference text's three listings and
statistics and its success line; it differs from the reference only in its imports."""
import re
import subprocess
import sys

import pytest

from e2e_helpers import (ROOT, SEED, SEED_DIFF, TUTORIALS, ir_listings, run_script,
                         statistics)

SCRIPT = "tutorials/convolution_opt.py"


@pytest.fixture(scope="module")
def output():
    return run_script(SCRIPT)


def test_three_listings_equal_the_reference(output):
    want = ir_listings(SEED.read_text())
    got = ir_listings(output)
    assert len(want) == 3 and len(got) == 3
    for n, (w, g) in enumerate(zip(want, got), 1):
        assert g == w, f"listing {n} differs"


def test_statistics_equal_the_reference(output):
    assert statistics(output) == statistics(SEED.read_text())


def test_ends_with_the_success_line(output):
    assert output.rstrip().splitlines()[-1] == "Successful 2D convolution test!"


def test_seed_diff_finds_everything_identical_in_the_gallery_rendering():
    """Rendered like the reference page (tutorials/gallery.py puts the section text between
    the outputs), the output passes the shared comparison tool as it is."""
    rendered = run_script("tutorials/gallery.py", SCRIPT)
    done = subprocess.run([sys.executable, str(SEED_DIFF), "-"], input=rendered, text=True,
                          capture_output=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout
    assert "IR listing 3: identical" in done.stdout
    assert "statistics: identical (7 counters)" in done.stdout


def _code_lines(text):
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def _as_tvm(line):
    """An import line of ours written back with TVM's module names."""
    line = line.replace("import minitvm as tvm", "import tvm")
    line = line.replace("import vta_backend as vta", "import vta")
    return line.replace("minitvm", "tvm").replace("vta_backend", "vta")


RENDER_LINE = ("from gallery import render_when_run_directly; "
               "render_when_run_directly(globals())  # noqa: E702")


def test_direct_run_passes_the_comparison_tool():
    """`python tutorials/convolution_opt.py | seed_diff -` finds everything identical."""
    done = subprocess.run([sys.executable, str(SEED_DIFF), "-"], input=run_script(SCRIPT),
                          text=True, capture_output=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout
    assert "all identical" in done.stdout


def test_only_the_import_lines_differ_from_the_reference_code():
    """With the imports written back with TVM's names, the tutorial's code lines are the
    reference's lines, in the reference's order; what changed is import lines only, plus
    the one line that renders a direct run as the tutorial page."""
    seed = SEED.read_text().splitlines()
    body = (TUTORIALS / "convolution_opt.py").read_text().split('"""', 2)[2]
    ours = [line for line in _code_lines(body) if line != RENDER_LINE]
    assert len(ours) == len(_code_lines(body)) - 1
    imports = re.compile(r"^(import |from \S+ import )")
    changed = [line for line in ours if _as_tvm(line) != line]
    assert len(changed) == 9 and all(imports.match(line) for line in changed), changed
    position = 0
    for line in ours:
        assert _as_tvm(line) in seed[position:], f"not in the reference (in order): {line}"
        position = seed.index(_as_tvm(line), position) + 1
