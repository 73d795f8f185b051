"""FoldUopLoop on listing 3's GEMM kernels as they look after LowerDeviceStorageAccessInfo
(loops co, i, dy, dx, j around one micro-op); folding rules from spec vta.md 5.12."""
from minitvm.tir import expr as E
from minitvm.tir import stmt as S
from vta_backend.transform import fold_uop_loop
from vta_backend.transform.common import PUSH_GEMM, uop_push, uop_scope

from vtair import calls, collect, extern_args, func, nest, same_values, var

T = var("cthread_s")


def gemm_kernel(reset=False):
    co, i, dy, dx, j = (var(n) for n in ("co", "i", "dy", "dx", "j"))
    if reset:
        push = uop_push(0, 1, T * 784 + co * 98 + i * 14 + j, 0, 0, 0, 0, 0)
        loops = [(co, 8), (i, 7), (j, 14)]
    else:
        push = uop_push(0, 0, T * 784 + co * 98 + i * 14 + j, T * 144 + i * 16 + dy * 16 + j + dx,
                        T * 72 + co * 9 + dy * 3 + dx, 0, 0, 0)
        loops = [(co, 8), (i, 7), (dy, 3), (dx, 3), (j, 14)]
    return uop_scope(PUSH_GEMM, nest(loops, push)), loops


def loop_levels(body):
    return [[a.value for a in extern_args(c)] for c in calls(body, "VTAUopLoopBegin")]


def test_update_kernel_folds_two_levels():
    kernel, loops = gemm_kernel()
    body = fold_uop_loop(func(kernel)).body
    assert loop_levels(body) == [[8, 98, 0, 9], [7, 14, 16, 0]]
    assert len(calls(body, "VTAUopLoopEnd")) == 2
    assert [f.loop_var.name for f in collect(body, S.For)] == ["j", "dx", "dy"]
    push, = calls(body, "tir.vta.uop_push")
    (dy, _), (dx, _), (j, _) = loops[2:]
    ranges = {T: range(2), dy: range(3), dx: range(3), j: range(14)}
    assert same_values(push.args[2], lambda t, a, b, c: t * 784 + c, ranges)
    assert same_values(push.args[3], lambda t, a, b, c: t * 144 + a * 16 + c + b, ranges)
    assert same_values(push.args[4], lambda t, a, b, c: t * 72 + a * 3 + b, ranges)


def test_reset_kernel_folds_with_zero_input_and_weight_factors():
    kernel, _ = gemm_kernel(reset=True)
    body = fold_uop_loop(func(kernel)).body
    assert loop_levels(body) == [[8, 98, 0, 0], [7, 14, 0, 0]]


def test_pushes_with_different_factors_stay_loops():
    i = var("i")
    pushes = S.seq(uop_push(0, 0, i * 2, 0, 0, 0, 0, 0), uop_push(0, 0, i * 3, 0, 0, 0, 0, 0))
    kernel = uop_scope(PUSH_GEMM, nest([(i, 4)], pushes))
    assert fold_uop_loop(func(kernel)).body is kernel


def test_alu_kernels_are_left_alone():
    i = var("i")
    kernel = uop_scope(E.StringImm("VTAPushALUOp"), nest([(i, 4)], uop_push(1, 0, i, i, 0, 2, 0, 0)))
    f = func(kernel)
    assert fold_uop_loop(f).body is kernel
