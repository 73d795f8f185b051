"""UnrollLoop: `unrolled` loops become copies of their body."""
import pytest

from minitvm.tir import stmt as S
from minitvm.transform.unroll_loop import UnrollError, unroll_loop

from irbuild import evaluate, func, i32, loop, param, var


def test_unrolled_loop_becomes_copies_with_the_index_substituted():
    out = param("Out", (3, 4), "int32")
    i, j = var("i"), var("j")
    store = S.BufferStore(out[1], i * 10 + j, (i * 4 + j,))
    body = loop(i, 3, loop(j, 4, store), kind=S.ForKind.UNROLLED)
    g = unroll_loop(func([out], body))
    copies = g.body.seq
    assert len(copies) == 3 and all(isinstance(c, S.For) and c.loop_var is j for c in copies)
    assert [evaluate(c.body.value, {j: 1}) for c in copies] == [1, 11, 21]
    assert g.phases == ("tir.UnrollLoop",)


def test_other_loops_are_left_alone():
    out = param("Out", (4,), "int32")
    i = var("i")
    body = loop(i, 4, S.BufferStore(out[1], i, (i,)))
    assert unroll_loop(func([out], body)).body is body


def test_symbolic_extent_cannot_be_unrolled():
    out = param("Out", (4,), "int32")
    i, n = var("i"), var("n")
    body = S.For(i, i32(0), n, S.ForKind.UNROLLED, S.BufferStore(out[1], i, (i,)))
    with pytest.raises(UnrollError, match="cannot unroll loop i"):
        unroll_loop(func([out], body))
