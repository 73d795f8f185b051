"""vta.top.dense_packed + schedule_dense_packed on VTA's LSTM shapes and ResNet-18's last
layer, run on the simulator against numpy (matmul, shift, clip, cast)."""
import numpy as np
import pytest

from minitvm import autotvm, te
import vta_backend as vta
from vta_backend.top.workloads import DenseWorkload
from vta_ops import build_and_run, env, random_int, requantise_np

WORKLOADS = [("lstm.dense.1", DenseWorkload(1, 256, 128)),
             ("lstm.dense.4", DenseWorkload(4, 256, 128)),
             ("resnet-18.dense", DenseWorkload(1, 512, 1008))]


@pytest.mark.parametrize("name,wl", WORKLOADS, ids=[n for n, _ in WORKLOADS])
def test_dense(name, wl):
    data, weight, _, out_dtype = vta.top.workloads.dense_args(wl)
    autotvm.GLOBAL_SCOPE.silent = True
    try:
        with env.target:
            res = vta.top.dense_packed(data, weight, None, out_dtype)
            res = vta.top.shift_clip_cast(res)
            s = vta.top.schedule_dense_packed([res])
    finally:
        autotvm.GLOBAL_SCOPE.silent = False
    rng = np.random.RandomState(2)
    a = random_int((wl.batch, wl.in_filter), env.INP_WIDTH, rng).astype("int8")
    w = random_int((wl.out_filter, wl.in_filter), env.WGT_WIDTH, rng).astype("int8")
    ref = requantise_np(a.astype("int32") @ w.astype("int32").T)
    out, _ = build_and_run(s, [data, weight, res],
                           [vta.top.pack_matrix(a, env.BATCH, env.BLOCK_IN),
                            vta.top.pack_matrix(w, env.BLOCK_OUT, env.BLOCK_IN)],
                           tuple(int(d) for d in res.shape))
    np.testing.assert_array_equal(vta.top.unpack_matrix(out), ref)


def test_error_dense_channel_mismatch():
    data = te.placeholder((1, 16, 1, 16), name="data", dtype="int8")
    weight = te.placeholder((8, 8, 16, 16), name="weight", dtype="int8")
    with pytest.raises(vta.top.VTAOperatorError, match="input channels"):
        vta.top.dense_packed(data, weight, None, "int32")


def test_error_dense_not_packed():
    data = te.placeholder((1, 256), name="data", dtype="int8")
    weight = te.placeholder((8, 16, 16, 16), name="weight", dtype="int8")
    with pytest.raises(vta.top.VTAOperatorError, match="data 'data' has 2 dimensions"):
        vta.top.dense_packed(data, weight, None, "int32")
