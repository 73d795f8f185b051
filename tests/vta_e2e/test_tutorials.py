"""All four tutorials run on the simulator, their results equal numpy's, and their
statistics equal counts derived here by hand from the counting rules (spec vta.md 3.3:
bytes per loaded or stored element, padding, NOPs and reset GEMMs not counted, every ALU
instruction counted; 4.3: each distinct (call site, key) kernel loaded once per run)."""
import numpy as np
import pytest

from e2e_helpers import statistics
from vta_backend.environment import get_env

ENV = get_env()
INP, WGT, ACC, OUT, UOP = (ENV.INP_ELEM_BYTES, ENV.WGT_ELEM_BYTES, ENV.ACC_ELEM_BYTES,
                           ENV.OUT_ELEM_BYTES, 4)


def stats(inp=0, wgt=0, acc=0, uop=0, out=0, gemm=0, alu=0):
    return {"inp_load_nbytes": inp, "wgt_load_nbytes": wgt, "acc_load_nbytes": acc,
            "uop_load_nbytes": uop, "out_store_nbytes": out, "gemm_counter": gemm,
            "alu_counter": alu}


def vector_add():
    """64 accumulator tiles of A and of B loaded (one DMA each), one ALU add over a
    64-iteration loop of one micro-op, 64 tiles stored."""
    tiles = 64
    return stats(acc=2 * tiles * ACC, uop=1 * UOP, out=tiles * OUT, alu=tiles * 1)


def matrix_multiply():
    """16 reduction steps ko, each loading 1 input tile and the 16 weight tiles of that
    input block and issuing one GEMM: its kernel is 1 micro-op under a 16-iteration loop
    over the output blocks. Kernels: the reset and the GEMM, 1 micro-op each."""
    ko, out_blocks = 16, 16
    return stats(inp=ko * 1 * INP, wgt=ko * out_blocks * WGT, uop=(1 + 1) * UOP,
                 out=out_blocks * OUT, gemm=ko * out_blocks * 1 * 1)


def blocked_matrix_multiply():
    """Output blocks oc_out 4 x input blocks ic_out 4; each step loads 16 input tiles and
    16 x 16 weight tiles and issues one GEMM of 16 (oc_inn) x 16 (ic_inn) iterations of 1
    micro-op. Per output block, 3 ALU ops (shr, max, min) over 16 tiles. Kernels: reset,
    GEMM, 3 ALU, 1 micro-op each. 64 output tiles stored one by one."""
    oc_out, ic_out, block = 4, 4, 16
    return stats(inp=oc_out * ic_out * block * INP, wgt=oc_out * ic_out * block * block * WGT,
                 uop=5 * UOP, out=oc_out * block * OUT,
                 gemm=oc_out * ic_out * block * block * 1, alu=3 * oc_out * block)


def convolution():
    """Spec 3.4: 2 virtual threads x 2 row blocks x 16 input-channel steps = 64 steps, each
    loading the 9 x 16 input window minus its padding (8 rows x 14 columns: one pad row
    and the two pad columns) and 8 x 3 x 3 weight tiles, and issuing one GEMM of 8 x 7
    iterations over 3 x 3 x 14 micro-ops; 3 ALU ops per thread and row block over 8 x 7 x
    14 tiles; each thread has its own kernels: reset 14 + GEMM 126 + 3 ALU x 1 micro-ops."""
    steps = 2 * 2 * 16
    tile = 8 * 7 * 14
    return stats(inp=steps * 8 * 14 * INP, wgt=steps * 8 * 3 * 3 * WGT,
                 uop=2 * (14 + 3 * 3 * 14 + 3 * 1) * UOP, out=16 * 14 * 14 * OUT,
                 gemm=steps * 8 * 7 * (3 * 3 * 14), alu=3 * 2 * 2 * tile)


TUTORIALS = {
    "vta_get_started": (vector_add, "Successful vector add test!", ("C_ref", "C_nd")),
    "matrix_multiply": (matrix_multiply, "Successful matrix multiply test!", ("C_ref", "C_nd")),
    "matrix_multiply_opt": (blocked_matrix_multiply, "Successful blocked matrix multiply test!",
                            ("res_ref", "res_nd")),
    "convolution_opt": (convolution, "Successful 2D convolution test!", ("res_ref", "res_nd")),
}

# The blocked matrix multiply ends with `coproc_sync` followed by `coproc_dep_pop(3, 2)`
# (TVM's CoProcSync puts both after the loop, the sync first); the pop's token stays in
# the s2g queue until the next run, which VTA's fsim allows (its token queues persist).
@pytest.mark.parametrize("name", list(TUTORIALS))
def test_result_equals_numpy(tutorial, name):
    run = tutorial(name)
    _, success, (ref, nd) = TUTORIALS[name]
    np.testing.assert_array_equal(run.namespace[nd].numpy(), run.namespace[ref])
    assert run.output.rstrip().splitlines()[-1] == success


@pytest.mark.parametrize("name", list(TUTORIALS))
def test_statistics_equal_the_hand_derived_counts(tutorial, name):
    run = tutorial(name)
    derive, _, _ = TUTORIALS[name]
    assert run.stats == derive()
    if "Execution statistics:" in run.output:
        assert statistics(run.output) == derive()


def test_the_convolution_counts_are_the_reference_tutorials():
    """The hand derivation agrees with the seven numbers the reference tutorial printed."""
    assert convolution() == stats(inp=114688, wgt=1179648, uop=1144, out=50176,
                                  gemm=451584, alu=9408)
