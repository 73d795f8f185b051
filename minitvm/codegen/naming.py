"""Python identifiers for IR variables in generated source.

IR variables are told apart by identity, and several may share a name (`i1` in
three loop nests, `res_conv` for a buffer and its data). A `Namer` gives each Var
object one readable, unique identifier; generated temporaries start with `_`.
"""
import keyword
import re

# Names the generated code itself uses; user variables never take them.
RESERVED = frozenset({"np", "range", "min", "max", "int", "float", "bool", "len", "True",
                      "False", "None", "abs"})


def python_identifier(name):
    """`name` made into a valid identifier that never starts with `_` (kept for temporaries)."""
    text = re.sub(r"\W", "_", str(name)) or "v"
    if text[0].isdigit() or text[0] == "_":
        text = "v" + text
    if keyword.iskeyword(text) or text in RESERVED:
        text += "_"
    return text


class Namer:
    """One identifier per Var (by identity) and fresh temporaries."""

    def __init__(self):
        self._by_var = {}
        self._taken = set()
        self._temps = 0

    def name(self, var, hint=None):
        if var in self._by_var:
            return self._by_var[var]
        base = python_identifier(hint or var.name)
        text, n = base, 0
        while text in self._taken:
            n += 1
            text = f"{base}_{n}"
        self._taken.add(text)
        self._by_var[var] = text
        return text

    def alias(self, var, other):
        """Let `var` use the identifier of `other` (a parameter handle and its data var)."""
        self._by_var[var] = self.name(other)

    def temp(self, hint="t"):
        self._temps += 1
        return f"_{hint}{self._temps}"
