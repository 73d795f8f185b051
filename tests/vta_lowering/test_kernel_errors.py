"""A tensorized GEMM whose micro-op kernel VTA's runtime would refuse is refused when
`vta.lower` / `vta.build` runs, naming the stage, its loops or buffers and what to change:
one test per rule. Where the rule is the runtime's, a second test builds the same schedule
without the build-time check and shows the runtime refusing it (the truth the check
anticipates), and each piece of advice is followed once to show that it works."""
import pytest

import minitvm as tvm
from minitvm import te
from minitvm.transform import PassContext
from vta_backend import build_module
from vta_backend.environment import get_env
from vta_backend.host.compile import VTAHostCompileError
from vta_backend.runtime import RuntimeAPIError
from vta_backend.transform import verify_gemm_kernels
from vta_backend.transform.verify_gemm_kernels import UopKernelError

from conv_schedule import conv2d, vta_schedule

ENV = get_env()


def small_conv(width=4, w_block=2, env=None):
    env = env or ENV
    t = conv2d(env, height=4, width=width, in_channels=32, out_channels=32)
    s = vta_schedule(t, env, oc_block=1, h_block=2, w_block=w_block, v_threads=1)
    return s, [t["data"], t["kernel"], t["res"]]


def gemm(nin=4, nout=4, o_block=2, i_block=2, v_threads=1, data_at=True, weight_at=True):
    """matrix_multiply_opt's shape: res_gem tensorized, its input buffers attached at its
    outer reduction axis unless `data_at` / `weight_at` say otherwise."""
    data = te.placeholder((1, nin, 1, 16), name="data", dtype="int8")
    weight = te.placeholder((nout, nin, 16, 16), name="weight", dtype="int8")
    ic, ic_tns = te.reduce_axis((0, nin), name="ic"), te.reduce_axis((0, 16), name="ic_tns")
    data_buf = te.compute(data.shape, lambda *i: data(*i), "data_buf")
    weight_buf = te.compute(weight.shape, lambda *i: weight(*i), "weight_buf")
    res_gem = te.compute((1, nout, 1, 16), lambda bo, co, bi, ci: te.sum(
        data_buf[bo, ic, bi, ic_tns].astype("int32")
        * weight_buf[co, ic, ci, ic_tns].astype("int32"), axis=[ic, ic_tns]), name="res_gem")
    res = te.compute(res_gem.shape, lambda *i: res_gem(*i).astype("int8"), name="res")
    s = te.create_schedule(res.op)
    oc_out, _ = s[res].split(s[res].op.axis[1], factor=o_block)
    if v_threads > 1:
        oc_out, tx = s[res].split(oc_out, factor=v_threads)
        s[res].reorder(tx, oc_out)
        s[res].bind(tx, te.thread_axis("cthread"))
    s[res_gem].compute_at(s[res], oc_out)
    b_inn, oc_inn, b_tns, oc_tns = s[res_gem].op.axis
    ic_out, ic_inn = s[res_gem].split(ic, i_block)
    s[res_gem].reorder(ic_out, b_inn, oc_inn, ic_inn, b_tns, oc_tns, ic_tns)
    for stage, scope, attach in ((data_buf, ENV.inp_scope, data_at),
                                 (weight_buf, ENV.wgt_scope, weight_at)):
        s[stage].set_scope(scope)
        if attach:
            s[stage].compute_at(s[res_gem], ic_out)
        s[stage].pragma(s[stage].op.axis[0], ENV.dma_copy)
    s[res_gem].set_scope(ENV.acc_scope)
    s[res].pragma(s[res].op.axis[2], ENV.dma_copy)
    s[res_gem].tensorize(b_tns, ENV.gemm)
    return s, [data, weight, res]


def without_the_check():
    """VTA's passes minus VerifyGEMMKernels: what the runtime alone would see."""
    passes = [(p, fn) for p, fn in build_module.pass_list() if fn is not verify_gemm_kernels]
    return PassContext(config={build_module.ADD_LOWER_PASS: passes})


def run_zeros(mod, args):
    ctx = tvm.runtime.ext_dev(0)
    import numpy as np
    arrays = [tvm.nd.array(np.zeros([int(d) for d in a.shape], a.dtype), ctx) for a in args]
    mod(*arrays)


# --- two micro-ops within the pipeline distance write one accumulator element ------------

def test_innermost_output_axis_of_two_iterations_is_refused_naming_it():
    s, args = small_conv(w_block=2)
    with pytest.raises(UopKernelError, match=r"tensorized stage 'res_conv': micro-ops 0 and 2 "
                                             r"of its GEMM kernel \(loops 'dx' \(3\), 'j' \(2\)"
                                             r".*within a distance of 2.*innermost loop 'j' has "
                                             r"only 2 iterations.*split factor of 3 or more"):
        build_module.lower(s, args)


def test_innermost_reduction_axis_is_refused_naming_it():
    """w_block=1: the loop over j disappears and dx, a reduction axis, is innermost."""
    s, args = small_conv(w_block=1)
    with pytest.raises(UopKernelError, match=r"stage 'res_conv': micro-ops 0 and 1 .* its "
                                             r"innermost loop 'dx' does not change the element"):
        build_module.lower(s, args)


def test_the_runtime_refuses_the_same_kernel():
    s, args = small_conv(w_block=2)
    with without_the_check():
        mod = build_module.build(s, args)
    with pytest.raises(RuntimeAPIError, match="within a distance of 2 must not share"):
        run_zeros(mod, args)


def test_a_split_factor_of_four_builds():
    s, args = small_conv(w_block=4)
    build_module.build(s, args)


# --- reset and accumulation in one kernel ---------------------------------------------------

def test_input_buffers_at_the_root_are_refused_naming_them():
    s, args = gemm(data_at=False, weight_at=False)
    with pytest.raises(UopKernelError, match=r"stage 'res_gem': its accumulator reset and its "
                                             r"accumulation fall into one micro-op kernel.*"
                                             r"Attach 'data_buf' and 'weight_buf' inside the "
                                             r"stage \(compute_at"):
        build_module.lower(s, args)
    s, args = gemm()            # the advice followed
    build_module.build(s, args)


def test_the_runtime_refuses_a_kernel_that_resets_and_accumulates():
    s, args = gemm(data_at=False, weight_at=False)
    with without_the_check():
        mod = build_module.build(s, args)
    with pytest.raises(RuntimeAPIError, match="reset_out.* must be the same for every micro-op"):
        run_zeros(mod, args)


# --- what the kernel closes over -----------------------------------------------------------

def test_kernel_depending_on_two_outer_loops_is_refused_naming_the_buffer():
    """weight_buf at the root: its index inside the kernel moves with the consumer's
    loop and with res_gem's outer reduction loop."""
    s, args = gemm(nout=8, weight_at=False)
    with pytest.raises(UopKernelError, match=r"stage 'res_gem': its GEMM micro-op kernel "
                                             r"depends on 2 variables defined outside it "
                                             r"\('i1.outer', 'ic.outer'\).*single int32 "
                                             r"value.*indices move with 'i1.outer' by "
                                             r"'weight_buf'; 'ic.outer' by 'weight_buf'"):
        build_module.lower(s, args)


def test_kernel_keyed_by_more_values_than_the_runtime_holds_is_refused():
    s, args = gemm(nin=2, nout=100, o_block=1, weight_at=False, data_at=True)
    with pytest.raises(UopKernelError, match=r"stage 'res_gem': its GEMM micro-op kernel "
                                             r"depends on loop 'i1.outer' \(values up to 99, "
                                             r"used by 'weight_buf'\).* up to 98"):
        build_module.lower(s, args)


def test_common_subexpression_hoisted_out_of_a_kernel_names_the_pass_to_disable():
    """matrix_multiply_opt with two virtual threads: CSE (after every VTA pass) moves part
    of the kernel's indices into a let outside it; TVM fails here too."""
    s, args = gemm(nin=16, nout=16, o_block=4, i_block=4, v_threads=2)
    with pytest.raises(VTAHostCompileError, match=r"cse_var_\d+ holds an index computation "
                                                  r"that common-subexpression elimination "
                                                  r"moved out of the kernel.*disabled_pass="
                                                  r"\{\"tir.CommonSubexprElimTIR\"\}"):
        build_module.build(s, args)
    with build_module.build_config(disabled_pass={"tir.CommonSubexprElimTIR"}):
        build_module.build(s, args)


# --- size -----------------------------------------------------------------------------------

def test_kernel_larger_than_the_micro_op_buffer_is_refused():
    """A 16-micro-op buffer (LOG_UOP_BUFF_SIZE 6) and a kernel of 3 x 8 micro-ops."""
    with ENV.replace(LOG_UOP_BUFF_SIZE=6) as env:
        s, args = small_conv(width=8, w_block=8, env=env)
        with pytest.raises(UopKernelError, match=r"stage 'res_conv': its GEMM micro-op kernel "
                                                 r"has more than 16 micro-ops \(loops 'dx' "
                                                 r"\(3\), 'j' \(8\)"):
            build_module.lower(s, args)


def test_errors_are_tvm_errors_and_value_errors():
    assert issubclass(UopKernelError, tvm.error.TVMError)
    assert issubclass(UopKernelError, ValueError)
    assert issubclass(VTAHostCompileError, tvm.error.TVMError)
