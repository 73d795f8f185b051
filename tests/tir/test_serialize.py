"""Saved IR comes back with the same structure and the same sharing, and bad text is refused."""
import pytest

import minitvm.tir as T
from minitvm.tir.serialize import IRFormatError, dumps, loads


def _func():
    n = T.Var("i")
    a = T.decl_buffer((16,), "int8", "a")
    b = T.decl_buffer((16,), "int32", "b")
    body = T.For(n, T.const(0), T.const(16), T.ForKind.SERIAL,
                 T.BufferStore(b, T.cast("int32", T.BufferLoad(a, (n,))) * 2, (n,)))
    pa, pb = T.Var("a", "handle"), T.Var("b", "handle")
    return T.PrimFunc((pa, pb), body, {pa: a, pb: b}, {"global_symbol": "main"})


def test_round_trip_keeps_structure_and_sharing():
    f = loads(dumps(_func()))
    loop = f.body
    store = loop.body
    assert isinstance(loop, T.For) and loop.extent.value == 16
    assert store.indices[0] is loop.loop_var            # one var object, shared again
    assert store.value.a.value.indices[0] is loop.loop_var
    assert f.buffer_map[f.params[0]].dtype == "int8"
    assert f.attrs == {"global_symbol": "main"}


@pytest.mark.parametrize("text, message", [
    ("not json", "not JSON"),
    ('{"format": "other"}', "not a minitvm IR"),
    ('{"format": "minitvm-ir", "version": 1, "nodes": [{"type": "os.system"}], "root": {"ref": 0}}',
     "unknown type"),
    ('{"format": "minitvm-ir", "version": 1, "nodes": [], "root": {"ref": 3}}', "outside the table"),
])
def test_malformed_text_is_refused(text, message):
    with pytest.raises(IRFormatError, match=message):
        loads(text)


def test_truncated_text_is_refused():
    text = dumps(_func())
    with pytest.raises(IRFormatError):
        loads(text[: len(text) // 2])
