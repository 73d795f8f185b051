"""The pass pipeline: its order, user passes from the PassContext, the dump, the phases."""
import pytest

import minitvm
from minitvm import driver
from minitvm.tir import expr as E
from minitvm.tir import stmt as S
from minitvm.tir.buffer import decl_buffer
from minitvm.transform import PassContext

from irbuild import func, loop, param, realize, var

BUILTIN = [(1, "tir.StorageFlatten"), (1, "tir.Simplify"),
           (2, "tir.LoopPartition"),
           (2, "tir.VectorizeLoop"), (2, "tir.InjectVirtualThread"), (2, "tir.InjectDoubleBuffer"),
           (2, "tir.StorageRewrite"),
           (2, "tir.HoistIfThenElse"),
           (2, "tir.UnrollLoop"),
           (3, "tir.Simplify"), (3, "tir.RemoveNoOp"), (3, "tir.RewriteUnsafeSelect"),
           (3, "tir.CommonSubexprElimTIR")]
TEXT_PASSES = {"tir.Simplify", "tir.RemoveNoOp", "tir.RewriteUnsafeSelect",
               "tir.CommonSubexprElimTIR"}


def names(ctx):
    return [(phase, name) for phase, name, _ in driver.pipeline(ctx)]


def test_pipeline_is_tvm_order():
    # vta.md §5.1, CreatePassList reduced to the passes minitvm implements
    assert names(PassContext()) == BUILTIN


def named(name):
    def run(f):
        return f
    run.__name__ = name
    return run


def test_user_passes_run_at_the_end_of_their_phase_in_the_given_order():
    p0, p1a, p1b, p2, p3 = (named(n) for n in ("p0", "p1a", "p1b", "p2", "p3"))
    ctx = PassContext(config={"tir.add_lower_pass": [(1, p1a), (3, p3), (0, p0), (2, p2),
                                                     (1, p1b)]})
    got = names(ctx)
    assert got[0] == (0, "p0")
    assert got[got.index((1, "tir.Simplify")) + 1: got.index((2, "tir.LoopPartition"))] \
        == [(1, "p1a"), (1, "p1b")]
    assert got[got.index((2, "tir.UnrollLoop")) + 1] == (2, "p2")
    assert got[-2:] == [(3, "p3"), (3, "tir.CommonSubexprElimTIR")]


def test_disabled_passes_are_skipped():
    ctx = PassContext(disabled_pass={"tir.CommonSubexprElimTIR"})
    assert names(ctx) == BUILTIN[:-1]


def test_context_is_current_inside_with_and_nests():
    outer, inner = PassContext(opt_level=1), PassContext(opt_level=3)
    with outer:
        assert PassContext.current() is outer
        with inner:
            assert PassContext.current() is inner
        assert PassContext.current() is outer
    assert PassContext.current() is not outer


def test_bad_user_pass_entries_are_refused():
    with pytest.raises(ValueError, match="phase 7 of p must be 0, 1, 2 or 3"):
        PassContext(config={"tir.add_lower_pass": [(7, named("p"))]})
    with pytest.raises(TypeError, match="are \\(phase, pass_fn\\) pairs"):
        PassContext(config={"tir.add_lower_pass": [named("p")]})


def small_program():
    """B = A + 1 through a realized intermediate, as the schedule would emit it."""
    a, out = param("A", (4,), "int32"), param("Out", (4,), "int32")
    b = decl_buffer((4,), "int32", "B")
    i, j = var("i"), var("j")
    body = realize(b, [(0, 4)], S.seq(
        loop(i, 4, S.BufferStore(b, E.BufferLoad(a[1], (i,)) + 1, (i,))),
        loop(j, 4, S.BufferStore(out[1], E.BufferLoad(b, (j,)), (j,)))))
    return func([a, out], body)


def test_lower_runs_every_pass_records_it_and_dumps_after_each():
    seen = []
    with PassContext(disabled_pass=TEXT_PASSES):
        mod = minitvm.lower(small_program(), dump=lambda phase, name, f: seen.append(name))
    f = mod["main"]
    assert f.phases == ("tir.StorageFlatten", "tir.LoopPartition", "tir.VectorizeLoop",
                        "tir.InjectVirtualThread", "tir.InjectDoubleBuffer", "tir.StorageRewrite",
                        "tir.HoistIfThenElse", "tir.UnrollLoop")
    assert seen == list(f.phases)
    assert isinstance(f.body, S.Allocate)


def test_simple_mode_leaves_loop_partition_out():
    """TVM's lower passes `disable_loop_partition=simple_mode` to CreatePassList."""
    with PassContext(disabled_pass=TEXT_PASSES):
        f = minitvm.lower(small_program(), simple_mode=True)["main"]
    assert "tir.LoopPartition" not in f.phases and "tir.VectorizeLoop" in f.phases


def test_user_pass_sees_the_ir_of_its_phase():
    phases_seen = {}

    def spy(f):
        phases_seen["spy"] = f.phases
        return f
    ctx = PassContext(disabled_pass=TEXT_PASSES, config={"tir.add_lower_pass": [(1, spy)]})
    with ctx:
        f = minitvm.lower(small_program())["main"]
    assert phases_seen["spy"] == ("tir.StorageFlatten",)
    assert "spy" in f.phases


def test_a_pass_returning_something_else_is_named():
    def broken(f):
        return None
    ctx = PassContext(disabled_pass=TEXT_PASSES, config={"tir.add_lower_pass": [(2, broken)]})
    with ctx, pytest.raises(TypeError, match="pass broken returned NoneType, not a PrimFunc"):
        minitvm.lower(small_program())


def test_dump_environment_variable_prints_after_each_pass(monkeypatch, capsys):
    monkeypatch.setenv("MINITVM_DUMP_IR", "1")
    with PassContext(disabled_pass=TEXT_PASSES):
        minitvm.lower(small_program())
    err = capsys.readouterr().err
    assert err.index("after tir.StorageFlatten") < err.index("after tir.StorageRewrite")


def test_lower_needs_args_for_a_schedule():
    with pytest.raises(TypeError, match="argument tensors are missing"):
        minitvm.lower(object())


def test_full_pipeline_with_simplifier():
    f = minitvm.lower(small_program())["main"]
    assert f.phases == tuple(name for _, name in BUILTIN)


def test_lower_accepts_a_module_and_lowers_each_function():
    with PassContext(disabled_pass=TEXT_PASSES):
        mod = minitvm.lower(minitvm.tir.IRModule({"f": small_program(), "g": small_program()}))
    assert sorted(mod.functions) == ["f", "g"]
    assert all("tir.StorageRewrite" in f.phases for _, f in mod)


def test_build_runs_the_lowered_program_on_the_cpu():
    import numpy as np
    f = minitvm.build(small_program(), target="llvm")
    a = minitvm.nd.array(np.arange(4, dtype="int32"))
    out = minitvm.nd.empty((4,), "int32")
    f(a, out)
    assert out.numpy().tolist() == [1, 2, 3, 4]


def test_build_refuses_an_unknown_target():
    with pytest.raises(ValueError, match="unknown target kind 'rocm'"):
        minitvm.build(small_program(), target="rocm")


def test_build_for_a_gpu_says_there_is_no_gpu_backend():
    from minitvm.target import TargetNotEnabledError
    with pytest.raises(TargetNotEnabledError, match="no GPU backend.*build for 'llvm'"):
        minitvm.build(small_program(), target="cuda")


def test_a_pass_that_needs_flat_buffers_says_so_when_run_too_early():
    from minitvm.transform import PassOrderError, storage_rewrite
    ctx = PassContext(config={"tir.add_lower_pass": [(0, storage_rewrite)]})
    with ctx, pytest.raises(PassOrderError,
                            match="tir.StorageRewrite needs tir.StorageFlatten to have run first"):
        minitvm.lower(small_program())


def test_build_plans_storage_per_element_type():
    # the host build cannot reinterpret int8 memory as int32, so build asks StorageRewrite
    # for TVM's exact-dtype reuse rule; lower keeps TVM's default (listings unchanged)
    seen = []

    def spy(f):
        seen.append(PassContext.current().config.get("tir.reuse_require_exact_matched_dtype"))
        return f
    with PassContext(config={"tir.add_lower_pass": [(2, spy)]}):
        minitvm.build(small_program())
        minitvm.lower(small_program())
    assert seen == [True, None]
