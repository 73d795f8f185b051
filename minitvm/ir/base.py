"""`tvm.ir.save_json` / `tvm.ir.load_json`: an IR object as JSON text and back.

An IRModule is saved as its functions, each in the shared-node form of
`minitvm.tir.serialize` (what saved modules hold), so a loaded module prints exactly as
the saved one did. Other IR objects (a PrimFunc, a statement, an expression) are saved
alone. Nothing in the text is executed when loading; malformed text raises
`minitvm.tir.serialize.IRFormatError`.
"""
from __future__ import annotations

import json

_MODULE = "minitvm-irmodule"


def save_json(node):
    """JSON text for `node` (an IRModule or any IR object)."""
    from ..tir.function import IRModule
    from ..tir.serialize import dumps
    if isinstance(node, IRModule):
        return json.dumps({"format": _MODULE,
                           "functions": {name: dumps(f) for name, f in node.functions.items()}})
    return dumps(node)


def load_json(text):
    """The object saved by `save_json(...)` as `text`."""
    from ..tir.function import IRModule
    from ..tir.serialize import IRFormatError, loads
    try:
        doc = json.loads(text)
    except (TypeError, ValueError) as err:
        raise IRFormatError(f"load_json: not JSON text ({err})") from None
    if isinstance(doc, dict) and doc.get("format") == _MODULE:
        return IRModule({name: loads(f) for name, f in doc["functions"].items()})
    return loads(text)
