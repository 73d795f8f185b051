"""InjectSkipCopy: the mock environment's skipped copies disappear (spec vta.md 5.4)."""
from minitvm.tir import stmt as S
from vta_backend.transform import inject_skip_copy

from vtair import flat, func, load, loop, pragma, store, var


def test_skipped_copy_becomes_a_no_op():
    a, a_buf = flat("A", "int8", 16), flat("A_buf", "int8", 16, "local.inp_buffer")
    i = var("i")
    out = inject_skip_copy(func(pragma("skip_dma_copy", loop(i, 16, store(a_buf, i, load(a, i))))))
    assert isinstance(out.body, S.Evaluate) and out.body.value.value == 0
