"""The IR listings of the reference tutorial text (/work/shared/seeds), as lists of lines.

Same extraction as /work/shared/tools/seed_diff.py: from the line
'# from tvm.script import ir as I' to the end of the indented block after it.
"""
import pathlib

SEED = pathlib.Path("/work/shared/seeds/convolution_opt_tutorial.txt")
IR_START = "# from tvm.script import ir as I"
CONTINUES = (" ", "\t", "@", "#", "class ")


def listings(text=None):
    lines = [line.rstrip() for line in (text or SEED.read_text()).splitlines()]
    out, i = [], 0
    while i < len(lines):
        if lines[i].strip() != IR_START:
            i += 1
            continue
        block = [lines[i]]
        i += 1
        while i < len(lines):
            line = lines[i]
            if line.strip() == "":
                nxt = next((x for x in lines[i + 1:] if x.strip()), "")
                if not nxt.startswith(CONTINUES):
                    break
                block.append("")
            elif not line.startswith(CONTINUES):
                break
            else:
                block.append(line)
            i += 1
        out.append("\n".join(block))
    return out


def listing(n):
    """Listing n (1-based) as one string."""
    return listings()[n - 1]
