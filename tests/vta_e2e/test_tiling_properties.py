"""Property tests over VTA tilings: random convolutions (padded or not, strided or not),
blocked matrix multiplies and ALU stages (negative immediates included), with dividing
and non-dividing split factors and 1, 2 or 4 virtual threads. Every generated program
either builds, runs on the simulator and equals numpy, or is refused with an error of
TVM's types (`tvm.error.TVMError` or `ValueError`, never IndexError, KeyError,
AttributeError, AssertionError or a bare TypeError) whose message names one of the
program's stages or axes.

The programs are small (a VTA run takes tens of milliseconds, lowering a few hundred);
`OUTCOMES` counts them, and the last test checks that every family produced programs that
ran and equalled numpy, so the suite cannot pass by refusing everything. A program
refused by VerifyGEMMKernels is built again without it, and the runtime must then refuse
it too: the build-time check anticipates the runtime, it adds no rule of its own."""
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

import minitvm as tvm
import vta_backend as vta
from e2e_helpers import blocked_matmul, conv2d, conv2d_reference, pack_nchw
from minitvm import te
from minitvm.error import TVMError
from vta_backend import build_module
from vta_backend.host.compile import VTAHostCompileError
from vta_backend.runtime import RuntimeAPIError
from vta_backend.transform import verify_gemm_kernels
from vta_backend.transform.verify_gemm_kernels import UopKernelError

ENV = vta.get_env()
CTX = tvm.runtime.ext_dev(0)
OUTCOMES = Counter()          # (family, "equal" | "refused") -> programs
INTERNAL = (IndexError, KeyError, AttributeError, AssertionError, TypeError, NameError,
            ZeroDivisionError, RecursionError)
SETTINGS = dict(deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def names_of(s):
    """The stage and axis names a message may use (axes as TVM names them: `i2.outer`)."""
    names = set()
    for stage in s.stages:
        names.add(stage.op.name)
        for iv in list(getattr(stage, "all_iter_vars", ())) + list(stage.leaf_iter_vars):
            names.add(iv.var.name)
    return names


def build_config(verify_kernels=True):
    """The convolution tutorial's build options, optionally without VerifyGEMMKernels."""
    config = vta.build_config(disabled_pass={"tir.CommonSubexprElimTIR"})
    if not verify_kernels:
        passes = [(p, fn) for p, fn in config.config[build_module.ADD_LOWER_PASS]
                  if fn is not verify_gemm_kernels]
        config = config.with_config({build_module.ADD_LOWER_PASS: passes})
    return config


def build_and_run(s, args, inputs, out_shape, verify_kernels=True):
    target = tvm.target.Target("ext_dev", host=ENV.target_host)
    with build_config(verify_kernels):
        module = vta.build(s, args, target, name="prog")
    out = tvm.nd.array(np.zeros(out_shape, "int8"), CTX)
    module(*[tvm.nd.array(a, CTX) for a in inputs], out)
    return out.numpy()


def the_runtime_refuses(run):
    """Whether the runtime itself refuses the program when VerifyGEMMKernels is left out:
    the build-time check must refuse only what the runtime would."""
    try:
        run(verify_kernels=False)
    except (RuntimeAPIError, VTAHostCompileError):
        return True
    return False


def check(family, s, run, expected):
    """Run the program; it equals `expected()` or is refused in the user's terms."""
    try:
        got = run()
    except UopKernelError as e:
        assert the_runtime_refuses(run), f"refused a kernel the runtime accepts: {e}"
        refused(family, s, e)
        return
    except Exception as e:        # noqa: BLE001 - the property is about which errors
        allowed = isinstance(e, TVMError) or (isinstance(e, ValueError)
                                             and not isinstance(e, INTERNAL))
        assert allowed, f"internal error type {type(e).__name__}: {e}"
        refused(family, s, e)
        return
    np.testing.assert_array_equal(got, expected())
    OUTCOMES[family, "equal"] += 1
    event(f"{family}: equal")


def refused(family, s, error):
    names = names_of(s)
    assert any(f"'{n}'" in str(error) for n in names), (
        f"{type(error).__name__} names none of the stages or axes {sorted(names)}: {error}")
    OUTCOMES[family, "refused"] += 1
    event(f"{family}: refused ({type(error).__name__})")


def divisor_or_not(extent):
    """A split factor: half the time one that divides `extent`, else any up to extent+1."""
    divisors = [d for d in range(1, extent + 1) if extent % d == 0]
    return st.one_of(st.sampled_from(divisors), st.integers(1, extent + 1))


@st.composite
def conv_programs(draw):
    size = draw(st.integers(3, 7))
    kernel = draw(st.sampled_from([1, 3]))
    pad = draw(st.integers(0, 1)) if kernel == 3 else 0
    stride = draw(st.integers(1, 2))
    cin, cout = 16 * draw(st.integers(1, 2)), 16 * draw(st.integers(1, 4))
    out = (size + 2 * pad - kernel) // stride + 1
    if out < 1:
        out, size = 1, kernel
    tiling = dict(oc_block=draw(divisor_or_not(cout // 16)), h_block=draw(divisor_or_not(out)),
                  w_block=draw(divisor_or_not(out)), v_threads=draw(st.sampled_from([1, 2, 4])))
    return size, cin, cout, kernel, pad, stride, tiling


@settings(max_examples=30, **SETTINGS)
@given(conv_programs(), st.integers(0, 2**16))
def test_convolution_tilings(program, seed):
    size, cin, cout, kernel, pad, stride, tiling = program
    s, args, out_shape = conv2d(ENV, size, size, cin, cout, kernel, pad, stride, **tiling)
    rng = np.random.default_rng(seed)
    data = rng.integers(-128, 128, (1, cin, size, size)).astype("int8")
    weights = rng.integers(-128, 128, (cout, cin, kernel, kernel)).astype("int8")
    inputs = [pack_nchw(ENV, data, ENV.BATCH, ENV.BLOCK_IN),
              pack_nchw(ENV, weights, ENV.BLOCK_OUT, ENV.BLOCK_IN)]
    check("conv", s, lambda **kw: build_and_run(s, args, inputs, out_shape, **kw),
          lambda: conv2d_reference(ENV, data, weights, stride, pad))


@settings(max_examples=25, **SETTINGS)
@given(st.integers(1, 4), st.integers(1, 4), st.data())
def test_matrix_multiply_tilings(in_blocks, out_blocks, data):
    i_block = data.draw(divisor_or_not(in_blocks))
    o_block = data.draw(divisor_or_not(out_blocks))
    v_threads = data.draw(st.sampled_from([1, 2, 4]))
    s, args = blocked_matmul(ENV, 16 * in_blocks, 16 * out_blocks, i_block, o_block, v_threads)
    rng = np.random.default_rng(in_blocks * 7 + out_blocks)
    a = rng.integers(-128, 128, (1, 16 * in_blocks)).astype("int8")
    w = rng.integers(-128, 128, (16 * out_blocks, 16 * in_blocks)).astype("int8")
    inputs = [a.reshape(1, 1, in_blocks, 16).transpose(0, 2, 1, 3),
              w.reshape(out_blocks, 16, in_blocks, 16).transpose(0, 2, 1, 3)]

    def expected():
        r = (a.astype("int32") @ w.T.astype("int32")) >> ENV.INP_WIDTH
        r = np.clip(r, 0, 127).astype("int8")
        return r.reshape(1, 1, out_blocks, 16).transpose(0, 2, 1, 3)

    check("gemm", s, lambda **kw: build_and_run(s, args, inputs, (1, out_blocks, 1, 16), **kw),
          expected)


ALU_OPS = {
    "add": (lambda x, k: x + k, lambda x, k: x + k),
    "max": (lambda x, k: te.max(x, k), np.maximum),
    "min": (lambda x, k: te.min(x, k), np.minimum),
    "mul": (lambda x, k: x * k, lambda x, k: x * k),
    "shr": (lambda x, k: x >> abs(k) % 8, lambda x, k: x >> (abs(k) % 8)),
}


def alu_program(blocks, op, imm, factor, v_threads):
    """vta_get_started's shape: A loaded into the accumulator, one ALU stage with an
    immediate, stored as int8; the outer axis split by `factor`, optionally threaded."""
    shape = (1, blocks, ENV.BATCH, ENV.BLOCK_OUT)
    a = te.placeholder(shape, name="A", dtype=ENV.acc_dtype)
    a_buf = te.compute(shape, lambda *i: a(*i), "A_buf")
    c_buf = te.compute(shape, lambda *i: ALU_OPS[op][0](a_buf(*i), imm), "C_buf")
    c = te.compute(shape, lambda *i: c_buf(*i).astype(ENV.inp_dtype), "C")
    s = te.create_schedule(c.op)
    outer, _ = s[c].split(s[c].op.axis[1], factor=factor)
    if v_threads > 1:
        _, tx = s[c].split(outer, nparts=v_threads)
        s[c].bind(tx, te.thread_axis("cthread"))
        outer = tx
    for buf in (a_buf, c_buf):
        s[buf].set_scope(ENV.acc_scope)
        s[buf].compute_at(s[c], outer)
    s[a_buf].pragma(s[a_buf].op.axis[0], ENV.dma_copy)
    s[c_buf].pragma(s[c_buf].op.axis[0], ENV.alu)
    s[c].pragma(s[c].leaf_iter_vars[-3], ENV.dma_copy)
    return s, [a, c]


@settings(max_examples=30, **SETTINGS)
@given(st.integers(1, 8), st.sampled_from(sorted(ALU_OPS)),
       st.one_of(st.integers(-40000, 40000), st.integers(-300, 300)), st.data())
def test_alu_stage_tilings(blocks, op, imm, data):
    factor = data.draw(divisor_or_not(blocks))
    v_threads = data.draw(st.sampled_from([1, 2, 4]))
    s, args = alu_program(blocks, op, imm, factor, v_threads)
    a = np.random.default_rng(blocks).integers(-1000, 1000, (1, blocks, ENV.BATCH,
                                                              ENV.BLOCK_OUT)).astype("int32")
    check("alu", s, lambda **kw: build_and_run(s, args, [a], a.shape, **kw),
          lambda: ALU_OPS[op][1](a, imm).astype("int8"))


@pytest.mark.parametrize("imm", [-5, -32768, 5])
def test_add_of_a_negative_immediate_equals_numpy(imm):
    """`A + -5`, which the simplifier turns into `A - 5`: ADD with the signed immediate."""
    s, args = alu_program(4, "add", imm, 4, 1)
    a = np.arange(-128, 128, 4, dtype="int32").reshape(1, 4, ENV.BATCH, ENV.BLOCK_OUT)
    np.testing.assert_array_equal(build_and_run(s, args, [a], a.shape), (a + imm).astype("int8"))


def test_every_family_ran_programs_that_equal_numpy():
    """Runs after the properties above (file order): none of them passed by refusing
    everything."""
    if not OUTCOMES:
        pytest.skip("the property tests did not run in this session")
    print("VTA tiling programs:", dict(OUTCOMES))
    for family in ("conv", "gemm", "alu"):
        assert OUTCOMES[family, "equal"] > 0, dict(OUTCOMES)
