"""Run a tutorial the way Sphinx-Gallery renders it: each text block, then its code's output.

The tutorials are Sphinx-Gallery scripts: text blocks are comment blocks opened by a
line of `#` characters, everything else is code. Run directly (`python
tutorials/convolution_opt.py`), consecutive `print(tvm.lower(...))` outputs follow each
other with nothing between them, so a reader (or `seed_diff.py`) cannot tell where one
listing ends and the next begins. The reference text (../shared/seeds/) is the rendered
page, where the section text separates them. This runner executes the same script,
block by block in one namespace, printing each text block (without its `# `) before
the code that follows it:

    python tutorials/gallery.py tutorials/convolution_opt.py | python ../shared/tools/seed_diff.py -
"""
from __future__ import annotations

import re
import sys
from typing import List, Tuple

SEPARATOR = re.compile(r"^#{20,}\s*$")
_RENDERING = "__gallery_rendering__"     # set in the namespace of a script being rendered


def render_when_run_directly(namespace) -> None:
    """Called by a tutorial with its `globals()`: when the tutorial is the program being run,
    render it as its page (this runner) and exit, so that `python tutorials/X.py` prints the
    section text between the outputs; when already rendering, or imported, do nothing."""
    if namespace.get("__name__") != "__main__" or namespace.get(_RENDERING):
        return
    run(namespace["__file__"])
    sys.exit(0)


def blocks(source: str) -> List[Tuple[str, int, str]]:
    """(kind, first line, text) pieces of a Sphinx-Gallery script, kind "text" or "code"."""
    pieces, lines, i = [], source.splitlines(), 0
    while i < len(lines):
        first = i
        if SEPARATOR.match(lines[i]):
            i += 1
            while i < len(lines) and lines[i].startswith("#"):
                i += 1
            text = [line[2:] if line.startswith("# ") else line[1:] for line in lines[first + 1:i]]
            pieces.append(("text", first, "\n".join(text)))
            continue
        while i < len(lines) and not SEPARATOR.match(lines[i]):
            i += 1
        pieces.append(("code", first, "\n".join(lines[first:i])))
    return [piece for piece in pieces if piece[2].strip()]


def run(path: str) -> dict:
    """Execute the script at `path` block by block, printing its text blocks; a closing
    text after the last code block (the page's summary) is left out, so the output ends
    with the script's own last line (its success message). Returns the script's globals."""
    with open(path) as src:
        source = src.read()
    namespace = {"__name__": "__main__", "__file__": path, _RENDERING: True}
    pieces = blocks(source)
    while pieces and pieces[-1][0] == "text":
        pieces.pop()
    for kind, first, text in pieces:
        if kind == "text":
            print(text.strip("\n"))
            print()
        else:
            # Blank lines in front keep the file's line numbers in tracebacks.
            exec(compile("\n" * first + text, path, "exec"), namespace)
    return namespace


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tutorials/gallery.py TUTORIAL.py")
    run(sys.argv[1])
