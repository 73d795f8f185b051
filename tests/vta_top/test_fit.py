"""The static fit check agrees with the compiler: for random knob settings of ResNet-18
layers, a candidate it accepts gets a storage plan that fits every SRAM (generic lowering,
whose StorageFlatten and StorageRewrite refuse what does not fit), and one it rejects does
not fit. Plus the micro-op rule against a micro-op buffer smaller than the kernel."""
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minitvm as tvm
from minitvm import autotvm
from minitvm.tir import dtype as dt
from minitvm.tir import stmt as S
from minitvm.tir.functor import post_order_visit
from minitvm.transform.storage_flatten import FlattenError
from minitvm.transform.storage_rewrite import StorageRewriteError
import vta_backend as vta
from vta_backend.top import BufferOverflowError, VirtualThreadSplitError, check_fit
from vta_backend.top.workloads import RESNET18_CONV, conv2d_args

env = vta.get_env()
LAYERS = dict(RESNET18_CONV)
TASKS = {}


def task_of(name):
    if name not in TASKS:
        TASKS[name] = autotvm.task.create("conv2d_packed.vta", args=conv2d_args(LAYERS[name]),
                                          target=env.target)
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


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(candidates())
def test_fit_check_agrees_with_the_compiler(candidate):
    name, knobs = candidate
    s, args = instantiate(name, knobs)
    try:
        check_fit(s, env)
        accepted = True
    except VirtualThreadSplitError:
        return                  # a different rule: the split itself is refused
    except BufferOverflowError:
        accepted = False
    assert accepted == compiler_fits(s, args), (name, knobs)


def test_overflow_names_the_buffer_and_the_stage():
    # C5 with 28x28 output tiles of 4 channel blocks: 28*28*4 accumulator entries of 64 B
    # (its input tile, 30x30 entries of 16 B, fits)
    s, _ = instantiate("resnet-18.C5", [0, 5, 5, 0, 2, 0, 0])
    with pytest.raises(BufferOverflowError,
                       match=r"accumulator buffer \(acc_buffer\) holds 131072 bytes; the "
                             r"schedule's tiles need 200704 \('res' 200704 B\)"):
        check_fit(s, env)


def test_virtual_threads_double_the_tiles():
    # C11, 7x7 tiles of 8 channel blocks: 7*7*8*64 = 25088 B of accumulator; with 2 threads
    # over output channels (4 tiles of 8) 50176 B, still within 131072.
    knobs = [0, 3, 3, 0, 3, 0, 0]
    s, _ = instantiate("resnet-18.C11", knobs)
    check_fit(s, env)
    assert task_of("resnet-18.C11").config_space.space_map["tile_co"][3].size == [-1, 8]


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


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(candidates(names=("resnet-18.C11",)))
def test_accepted_candidates_that_compile_run_correctly(candidate):
    # C11's candidates the check accepts: once compiled (VTA's DMA rules may still refuse
    # a tile shape), they run without a micro-op overflow and compute the right output.
    name, knobs = candidate
    task = task_of(name)
    config = task.config_space.get(task.config_space.knob2point(knobs))
    with env.target:
        s, _ = task.instantiate(config)
    try:
        check_fit(s, env)
    except (BufferOverflowError, VirtualThreadSplitError):
        return
    try:
        result = vta.top.evaluate(task, config)
    except autotvm.measure.MeasureError as err:
        assert err.error_no == autotvm.MeasureErrorNo.COMPILE_HOST, err.message
        assert "holds only" not in err.message and "micro-op buffer" not in err.message
        return
    assert result.correct
