"""The static fit check agrees with the compiler and the simulator: for random knob
settings of ResNet-18 layers, every candidate it accepts builds and runs on the simulator
and equals numpy; every one it rejects does break the rule it names (an SRAM overflow:
the compiler's own storage plan, generic lowering, does not fit; any other rule: building
the candidate is refused by the compiler pass that owns the rule). Plus one test per
rule with the message it gives."""
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import minitvm as tvm
from minitvm import autotvm, te
from minitvm.schedule.errors import TensorizeError
from minitvm.tir import dtype as dt
from minitvm.tir import stmt as S
from minitvm.tir.functor import post_order_visit
from minitvm.topi.testing import conv2d_transpose_nchw_python
from minitvm.transform.storage_flatten import FlattenError
from minitvm.transform.storage_rewrite import StorageRewriteError
import vta_backend as vta
from vta_backend.top import BufferOverflowError, VirtualThreadSplitError, check_fit
from vta_backend.top.utils import UopBufferOverflowError
from vta_backend.top.workloads import (RESNET18_CONV, RESNET18_DENSE, conv2d_args,
                                       dense_args)
from vta_backend.runtime import RuntimeAPIError, UopKernelTooLarge
from vta_backend.transform.inject_dma_intrin import DMAPatternError
from vta_backend.transform.verify_gemm_kernels import UopKernelError
from test_conv2d_transpose import DCGAN, pack_transposed_kernel
from test_conv2d_transpose import placeholders as transposed_placeholders
from test_group_conv2d import WORKLOADS as MOBILENET
from vta_ops import build_and_run, conv2d_reference, random_int, requantise_np

env = vta.get_env()
# ResNet-18's layers, and one layer of each other operator: a DCGAN transposed convolution
# and a MobileNet group convolution
LAYERS = dict(RESNET18_CONV + RESNET18_DENSE + [DCGAN[2], MOBILENET[-1]])
TASKS = {}
# the compiler's refusal of a rule the static check predicts (a thread split that does not
# divide its loop leaves a guard around copies or GEMM loops, which those passes refuse)
COMPILER_REFUSAL = {TensorizeError: TensorizeError, DMAPatternError: DMAPatternError,
                    UopKernelError: UopKernelError,
                    VirtualThreadSplitError: (DMAPatternError, TensorizeError)}


def task_args(name):
    """(task name, arguments) of layer `name`."""
    wl = LAYERS[name]
    if name.endswith("dense"):
        return "dense_packed.vta", dense_args(wl)
    if name.startswith("DCGAN"):
        data, kernel = transposed_placeholders(wl)
        return "conv2d_transpose_packed.vta", (data, kernel, (wl.hstride, wl.wstride),
                                               (wl.hpad, wl.wpad), env.acc_dtype)
    if name.startswith("mobilenet"):
        data, kernel, strides, padding, dilation, _, out_dtype = conv2d_args(wl._replace(
            in_filter=wl.in_filter // wl.groups))
        data = te.placeholder((1, wl.in_filter // env.BLOCK_IN) + tuple(data.shape[2:]),
                              name="data", dtype=env.inp_dtype)
        return "group_conv2d_packed.vta", (data, kernel, strides, padding, dilation,
                                           wl.groups, out_dtype)
    return "conv2d_packed.vta", conv2d_args(wl)


def task_of(name):
    if name not in TASKS:
        task_name, args = task_args(name)
        TASKS[name] = autotvm.task.create(task_name, args=args, target=env.target)
    return TASKS[name]


def instantiate(name, knobs):
    task = task_of(name)
    config = task.config_space.get(task.config_space.knob2point(knobs))
    with env.target:
        return task.instantiate(config)


def compiler_fits(s, args):
    """Whether the compiler's own storage plan fits every SRAM (generic lowering)."""
    try:
        mod = tvm.lower(s, args)
    except (FlattenError, StorageRewriteError) as err:
        assert "holds only" in str(err)
        return False
    used = {}

    def visit(node):
        if isinstance(node, S.Allocate):
            scope = node.buffer_var.type_annotation.storage_scope
            bits = math.prod(int(e) for e in node.extents) * dt.bits(node.dtype)
            used[scope] = used.get(scope, 0) + bits
    post_order_visit(mod["main"].body, visit)
    capacity = {env.inp_scope: env.INP_BUFF_SIZE, env.wgt_scope: env.WGT_BUFF_SIZE,
                env.acc_scope: env.ACC_BUFF_SIZE}
    return all(used.get(scope, 0) <= size * 8 for scope, size in capacity.items())


@st.composite
def candidates(draw, names=("resnet-18.C2", "resnet-18.C4", "resnet-18.C5", "resnet-18.C9",
                            "resnet-18.C11")):
    name = draw(st.sampled_from(names))
    dims = task_of(name).config_space.dims
    return name, [draw(st.integers(0, d - 1)) for d in dims]


def numpy_truth(name, rng):
    """Packed random inputs of layer `name` and its requantised output, from numpy."""
    wl = LAYERS[name]
    if name.endswith("dense"):
        a = random_int((wl.batch, wl.in_filter), env.INP_WIDTH, rng).astype("int8")
        w = random_int((wl.out_filter, wl.in_filter), env.WGT_WIDTH, rng).astype("int8")
        ref = requantise_np(a.astype("int32") @ w.astype("int32").T)
        return ([vta.top.pack_matrix(a, env.BATCH, env.BLOCK_IN),
                 vta.top.pack_matrix(w, env.BLOCK_OUT, env.BLOCK_IN)],
                vta.top.pack_matrix(ref, env.BATCH, env.BLOCK_OUT))
    if name.startswith("DCGAN"):
        a = random_int((wl.batch, wl.in_filter, wl.height, wl.width), env.INP_WIDTH, rng)
        w = random_int((wl.in_filter, wl.out_filter, wl.hkernel, wl.wkernel), env.WGT_WIDTH,
                       rng)
        ref = requantise_np(conv2d_transpose_nchw_python(
            a.astype("int32"), w.astype("int32"), (wl.hstride, wl.wstride), wl.hpad))
        return ([vta.top.pack_nchw(a.astype("int8")), pack_transposed_kernel(w.astype("int8"))],
                vta.top.pack_nchw(ref, block=env.BLOCK_OUT))
    a, w, _, ref = conv2d_reference(wl, rng, with_bias=False, groups=getattr(wl, "groups", 1))
    return ([vta.top.pack_nchw(a), vta.top.pack_kernel(w)],
            vta.top.pack_nchw(ref, block=env.BLOCK_OUT))


def vta_build(s, args):
    with vta.build_config(disabled_pass={"tir.CommonSubexprElimTIR"}):
        return vta.build(s, args, tvm.target.Target(env.target, host=env.target_host))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(candidates(names=("resnet-18.C9", "resnet-18.C10", "resnet-18.C11", "resnet-18.dense",
                         "DCGAN.CT3", "mobilenet.D9")),
       st.integers(0, 2**31 - 1))
def test_fit_check_agrees_with_the_simulator(candidate, seed):
    name, knobs = candidate
    s, args = instantiate(name, knobs)
    assert_fit_check_agrees(name, s, args, seed, COMPILER_REFUSAL)


def assert_fit_check_agrees(name, s, args, seed, refusal):
    """The candidate the check accepts builds, runs and equals numpy; one it rejects for
    SRAM does not fit the compiler's storage plan, one it rejects for the micro-op buffer is
    refused by the runtime as it records the kernel; one it rejects by another rule is
    refused by `refusal[rule]`, building or running it (by the runtime: only for its
    pipeline-distance rule)."""
    inputs, expected = numpy_truth(name, np.random.RandomState(seed % 2**16))
    try:
        check_fit(s, env)
    except UopBufferOverflowError:
        event("rejected: UopBufferOverflowError")
        with pytest.raises(UopKernelTooLarge):
            build_and_run(s, args, inputs, expected.shape)
    except BufferOverflowError:
        event("rejected: BufferOverflowError")
        assert not compiler_fits(s, args)
    except tuple(refusal) as err:
        event(f"rejected: {type(err).__name__}")
        with pytest.raises(refusal[type(err)]) as refused:
            build_and_run(s, args, inputs, expected.shape)
        if isinstance(refused.value, RuntimeAPIError):
            assert "within a distance of 2 must not share a destination" in str(refused.value)
    else:
        event("accepted")
        out, _ = build_and_run(s, args, inputs, expected.shape)
        np.testing.assert_array_equal(out, expected)


# the conv stage's loops between its loads (at k_o.outer) and the tensorized axis b_i
KERNEL_LOOPS = ("k_o.inner", "j", "d_j", "d_i", "c_o", "i")


def conv_stage(s):
    return next(stage for stage in s.stages if stage.op.name == "res"
                and stage.scope == env.acc_scope)


def fuse_kernel_loops(s, order, fused):
    """Reorder the conv stage's kernel loops into `order` (names) and fuse `fused` of them
    (adjacent in `order`); the fused loop."""
    stage = conv_stage(s)
    leaves = {iv.var.name: iv for iv in stage.leaf_iter_vars}
    stage.reorder(*[leaves[name] for name in order])
    return stage.fuse(*[leaves[name] for name in fused])


@st.composite
def fused_candidates(draw):
    """A convolution candidate (one input-channel block per load: wider padded loads are
    refused before the kernel matters) whose kernel loops are reordered and 2 or 3 adjacent
    ones fused."""
    name = draw(st.sampled_from(["resnet-18.C9", "resnet-18.C10", "resnet-18.C11"]))
    dims = task_of(name).config_space.dims
    knobs = [0 if k == 3 else draw(st.integers(0, d - 1)) for k, d in enumerate(dims)]
    order = draw(st.permutations(KERNEL_LOOPS))
    count = draw(st.integers(2, 3))
    start = draw(st.integers(0, len(order) - count))
    return name, knobs, list(order), list(order[start:start + count])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fused_candidates(), st.integers(0, 2**31 - 1))
def test_fit_check_agrees_with_the_simulator_on_fused_loops(candidate, seed):
    name, knobs, order, fused = candidate
    s, args = instantiate(name, knobs)
    fuse_kernel_loops(s, order, fused)
    # VerifyGEMMKernels does not read a kernel whose indices divide a fused loop's
    # variable: the runtime then refuses the kernel as it records it
    assert_fit_check_agrees(name, s, args, seed, {**COMPILER_REFUSAL, UopKernelError: (
        UopKernelError, RuntimeAPIError)})


def test_a_fused_loop_over_reduction_axes_in_the_kernel():
    # C11, tiles of 1 row x 7 columns, d_j and d_i fused: the kernel's loops are j (7) and
    # the fused loop (9). j folds; the fused loop does not: its outer digit d_j steps the
    # input tile by 1, its inner digit d_i by the tile's width 9, and 1 != 9 x 3. So it
    # stays in the kernel, whose consecutive micro-ops (over d_i) write one element
    s, args = instantiate("resnet-18.C11", [0, 0, 1, 0, 0, 0, 0])
    fuse_kernel_loops(s, KERNEL_LOOPS, ["d_j", "d_i"])
    with pytest.raises(UopKernelError, match=r"reduction axis 'd_i' \(3\) of fused loop "
                                             r"'d_j.d_i.fused' around 1 micro-op\(s\)"):
        check_fit(s, env)
    with pytest.raises(UopKernelError, match="write the same accumulator element"):
        vta_build(s, args)


def gemm_kernel_candidate(order, fused):
    """C11 in tiles of 7 rows x 1 column x 1 channel block, kernel loops reordered and
    fused: its schedule and the bytes of micro-ops the simulator loaded running it."""
    s, args = instantiate("resnet-18.C11", [0, 1, 0, 0, 0, 0, 0])
    fuse_kernel_loops(s, order, fused)
    inputs, expected = numpy_truth("resnet-18.C11", np.random.RandomState(0))
    out, stats = build_and_run(s, args, inputs, expected.shape)
    np.testing.assert_array_equal(out, expected)
    return s, stats["uop_load_nbytes"]


def test_a_contiguous_fused_loop_folds_into_the_instruction():
    # The kernel's loops: d_i and d_j fused (9) and i (7). With d_i the outer digit, the
    # fused loop is contiguous in every tile (d_i steps the 9x3 input tile and the 3x3
    # kernel tile by 3, d_j by 1; neither moves the accumulator), so it folds into the GEMM
    # instruction with i: a kernel of 1 micro-op. With d_j outer it cannot fold, and
    # folding stops there: 9 x 7 = 63 micro-ops, more than a 32-micro-op buffer holds.
    small = env.replace(LOG_UOP_BUFF_SIZE=7)          # 128 bytes: 32 micro-ops
    contiguous, folded_bytes = gemm_kernel_candidate(
        ("k_o.inner", "j", "d_i", "d_j", "c_o", "i"), ["d_i", "d_j"])
    check_fit(contiguous, small)
    strided, unfolded_bytes = gemm_kernel_candidate(KERNEL_LOOPS, ["d_j", "d_i"])
    with pytest.raises(BufferOverflowError, match="holds 32 micro-ops; stage 'res' needs a "
                                                  "GEMM kernel of 63"):
        check_fit(strided, small)
    assert unfolded_bytes - folded_bytes == (63 - 1) * 4     # what the simulator loaded


def test_overflow_names_the_buffer_and_the_stage():
    # C5 with 28x28 output tiles of 4 channel blocks: 28*28*4 accumulator entries of 64 B
    # (its input tile, 30x30 entries of 16 B, fits)
    s, _ = instantiate("resnet-18.C5", [0, 5, 5, 0, 2, 0, 0])
    with pytest.raises(BufferOverflowError,
                       match=r"accumulator buffer \(acc_buffer\) holds 131072 bytes; the "
                             r"schedule's tiles need 200704 \('res' 200704 B\)"):
        check_fit(s, env)


def test_virtual_threads_double_the_tiles():
    # C8, 14x14 tiles of 4 channel blocks: 14*14*4*64 = 50176 B of accumulator; with 2
    # threads over output channels (4 tiles of 4) 100352 B, within 131072. Tiles of 8
    # blocks: 100352 B alone, 200704 B for 2 threads.
    space = task_of("resnet-18.C8").config_space
    assert space.space_map["tile_h"][3].size == space.space_map["tile_w"][3].size == [-1, 14]
    assert space.space_map["tile_co"][2].size == [-1, 4]
    s, _ = instantiate("resnet-18.C8", [0, 3, 3, 0, 2, 1, 0])
    check_fit(s, env)
    s, _ = instantiate("resnet-18.C8", [0, 3, 3, 0, 3, 0, 0])
    check_fit(s, env)
    s, args = instantiate("resnet-18.C8", [0, 3, 3, 0, 3, 1, 0])
    with pytest.raises(BufferOverflowError, match=r"accumulator buffer \(acc_buffer\) holds "
                                                  r"131072 bytes; the schedule's tiles need "
                                                  r"200704 \('res' 200704 B\)"):
        check_fit(s, env)
    assert not compiler_fits(s, args)


def test_thread_split_that_does_not_divide():
    # C2 with all 4 output-channel blocks in one tile: 1 tile cannot go to 2 threads
    s, _ = instantiate("resnet-18.C2", [0, 0, 0, 0, 2, 1, 0])
    with pytest.raises(VirtualThreadSplitError, match="1 iterations by 2"):
        check_fit(s, env)


def test_micro_op_kernel_against_a_small_buffer():
    # C11 with tiles of 7 rows x 1 column x 32 channel blocks: the GEMM kernel's loops
    # inside the loads are d_j 3, d_i 3, c_o 32, i 7 (k_o.inner and j have 1 iteration);
    # d_j and d_i fold into the instruction, 32 * 7 = 224 micro-ops remain.
    task = task_of("resnet-18.C11")
    space = task.config_space
    knobs = [0, 1, 0, 0, 5, 0, 0]
    assert space.space_map["tile_h"][1].size == [-1, 7]
    assert space.space_map["tile_co"][5].size == [-1, 32]
    s, _ = instantiate("resnet-18.C11", knobs)
    check_fit(s, env)
    small = env.replace(LOG_UOP_BUFF_SIZE=9)          # 512 bytes: 128 micro-ops
    with pytest.raises(BufferOverflowError, match="holds 128 micro-ops; stage 'res' needs "
                                                  "a GEMM kernel of 224"):
        check_fit(s, small)
    uops = vta.top.evaluate(task, space.get(space.knob2point(knobs))).stats["uop_load_nbytes"]
    # the GEMM kernel, the reset kernel (1 micro-op) and three ALU kernels (1 each)
    assert uops == (224 + 1 + 3) * 4


def refused_alike(name, knobs, error, match):
    """The static check and the compiler refuse the candidate by the same rule."""
    s, args = instantiate(name, knobs)
    with pytest.raises(error, match=match):
        check_fit(s, env)
    with pytest.raises(error):
        vta_build(s, args)


def test_loops_under_the_tensorized_axis():
    # dense with 3 output-channel blocks per tile: VTA's schedule leaves them under b_i
    assert task_of("resnet-18.dense").config_space.space_map["tile_co"][1].size == [-1, 3]
    refused_alike("resnet-18.dense", [0, 0, 1, 0], TensorizeError,
                  r"tensorize on stage 'res', axis 'b_i': intrinsic 'GEMM' computes a 1x16x16 "
                  r"block, the loops under the axis are 'b_i' \(1\), 'c_i' \(16\), 'c_o' \(3\), "
                  r"'k_i' \(16\)")


def test_virtual_threads_over_two_axes():
    # C8, tiles of 7 whole rows x 4 channel blocks, 2 threads over channels and 2 over rows
    refused_alike("resnet-18.C8", [0, 2, 3, 0, 2, 1, 1], UopKernelError,
                  "2 virtual-thread axes .* keys a kernel by a single int32 value")


def test_gemm_pipeline_distance():
    # C11, tiles of 1 row x 7 columns: the kernel's loops x_j (7), d_j (3), d_i (3); the
    # first two fold into the instruction, so consecutive micro-ops (over d_i) accumulate
    # into the same element
    refused_alike("resnet-18.C11", [0, 0, 1, 0, 0, 0, 0], UopKernelError,
                  r"reduction axis 'd_i' \(3\) around 1 micro-op\(s\)")


def test_padded_load_pads_rows_and_columns_only():
    # C11 loading 2 input-channel blocks per step: the padded copy's loops are channels,
    # rows, columns, so its rows and columns are not the transfer's
    refused_alike("resnet-18.C11", [0, 1, 1, 1, 0, 0, 0], DMAPatternError,
                  "pads only rows and columns, which are the copy's axes 'i1' and 'i2' here, "
                  "not axis 'i3'")


def test_store_of_three_dimensions():
    # C8, output tiles of 2 channel blocks x 2 rows x 2 of 14 columns: three strided dims
    refused_alike("resnet-18.C8", [0, 1, 1, 0, 1, 0, 0], DMAPatternError,
                  "dma_copy of stage 'res_cast': cannot detect a 2-D DMA pattern")


@pytest.mark.parametrize("name", list(LAYERS))
def test_shipped_and_fallback_configs_are_accepted(name):
    # the tophub log's configs were measured on the simulator; the fallback (every tile
    # one block) is what an untuned layer runs
    task = task_of(name)
    with autotvm.tophub.context(env.target):
        tuned = autotvm.task.DispatchContext.current.query(env.target, task.workload)
    for config in (tuned, autotvm.task.FallbackConfigEntity()):
        with env.target:
            s, _ = task.instantiate(config)
        check_fit(s, env)


def test_a_rejected_candidate_is_invalid_before_compiling():
    # autotvm's measurement runs the check before building: the rule's error, counted as
    # an instantiation error (invalid), never as a compile or run failure
    task = task_of("resnet-18.C11")
    config = task.config_space.get(task.config_space.knob2point([0, 1, 1, 1, 0, 0, 0]))
    result = autotvm.measure.MeasureJob()(autotvm.MeasureInput(task.target, task, config))
    assert result.error_no == autotvm.MeasureErrorNo.INSTANTIATION_ERROR
    assert "DMAPatternError" in result.costs[0] and "pads only rows and columns" in \
        result.costs[0]


def test_an_index_not_affine_in_an_axis_leaves_the_kernel_to_the_compiler():
    """`AA[i // 2, k]` steps by no constant as `i` does: the fit check cannot say whether a
    fused loop over `i` folds, so it reads no steps (the compiler decides), while the same
    kernel with `AA[i, k]` has one step per operand."""
    from minitvm.schedule.bound import infer_bound
    from vta_backend.top.fit_kernels import _operand_steps

    def steps(index):
        A = te.placeholder((8, 16), name="A")
        AA = te.compute((8, 16), lambda i, k: A[i, k], name="AA")
        k = te.reduce_axis((0, 16), name="k")
        C = te.compute((8,), lambda i: te.sum(AA[index(i), k], axis=k), name="C")
        s = te.create_schedule(C.op).normalize()
        return _operand_steps(s[C], infer_bound(s))

    assert steps(lambda i: i // 2) is None
    assert len(steps(lambda i: i)) == 2
