"""The VTA pipeline lowers other workloads than the tutorial's: ResNet-18 layer shapes, one
and two virtual threads, a stride-2 layer and a 1x1 kernel. Each lowered program is
checked against facts derived from its shape: one input and one weight load per tile and
thread, input elements + padding = the window the tile reads, three ALU kernels per thread, and
tokens balanced per queue pair."""
import pytest

from minitvm import driver
from minitvm.tir import stmt as S
from vta_backend import build_module
from vta_backend.environment import get_env

from conv_schedule import conv2d, vta_schedule
from vtair import calls, collect, evaluate

ENV = get_env()

WORKLOADS = {   # name: (conv2d shape, tiling); every tile fits the SRAMs
    "tutorial_1_thread": (dict(), dict(v_threads=1)),
    "resnet_56x56x64": (dict(height=56, width=56, in_channels=64, out_channels=64),
                        dict(oc_block=2, h_block=7, w_block=56)),
    "resnet_28x28x128": (dict(height=28, width=28, in_channels=128, out_channels=128),
                         dict(oc_block=4, h_block=7, w_block=28)),
    "resnet_7x7x512": (dict(height=7, width=7, in_channels=512, out_channels=512),
                       dict(oc_block=16, h_block=7, w_block=7)),
    "stride_2": (dict(stride=2), dict(oc_block=8, h_block=7, w_block=7)),
    "kernel_1x1": (dict(kernel=1, pad=0), dict(oc_block=8, h_block=7, w_block=14)),
}


def lowered(shape, tiling):
    t = conv2d(ENV, **shape)
    s = vta_schedule(t, ENV, **tiling)
    with build_module.build_config(disabled_pass={"tir.CommonSubexprElimTIR"}):
        return t, driver.lower(s, [t["data"], t["kernel"], t["res"]])["main"].body


def loop_extents(body):
    return {f.loop_var.name: f.extent.value for f in collect(body, S.For)}


@pytest.mark.parametrize("name", sorted(WORKLOADS))
def test_workload_lowers_with_consistent_transfers(name):
    shape, tiling = WORKLOADS[name]
    threads = tiling.get("v_threads", 2)
    t, body = lowered(shape, tiling)
    loads = calls(body, "VTALoadBuffer2D")
    data_loads = [c for c in loads if c.args[2].name == "data"]
    assert len(data_loads) == threads and len(loads) == 2 * threads
    extents = loop_extents(body)
    kernel, stride = shape.get("kernel", 3), shape.get("stride", 1)
    # rows and columns of the padded input that one output tile reads
    rows = (tiling.get("h_block", 7) - 1) * stride + kernel
    cols = (tiling.get("w_block", 14) - 1) * stride + kernel
    outer = [v for v in _free_vars(data_loads[0]) if v.name in extents]
    for point in _points(outer, extents):
        x, y, _, xpb, ypb, xpa, ypa = (evaluate(a, point) for a in data_loads[0].args[4:11])
        assert (x + xpb + xpa) * (y + ypb + ypa) == rows * cols   # rows may fold into one
    alu = [c for c in calls(body, "tir.vta.uop_push") if c.args[0].value == 1]
    assert len(alu) == 3                # one per stage (inside the thread loop when threaded)
    assert len(calls(body, "VTAStoreBuffer2D")) == 1
    _tokens_balance(body)


def _free_vars(call):
    from minitvm.tir import expr as E
    return {id(v): v for v in collect(call, E.Var)}.values()


def _points(variables, extents):
    import itertools
    variables = list(variables)
    for values in itertools.product(*(range(extents[v.name]) for v in variables)):
        yield dict(zip(variables, values))


def _tokens_balance(body):
    """Per queue pair, the pushes and pops executed over the whole program are equal."""
    counts = {}

    def walk(stmt, times):
        if isinstance(stmt, S.For):
            walk(stmt.body, times * stmt.extent.value)
        elif isinstance(stmt, S.SeqStmt):
            for s in stmt.seq:
                walk(s, times)
        elif isinstance(stmt, (S.AttrStmt, S.LetStmt, S.Allocate)):
            walk(stmt.body, times)
        elif isinstance(stmt, S.Evaluate) and stmt.value.op in ("tir.vta.coproc_dep_push",
                                                                "tir.vta.coproc_dep_pop"):
            pair = tuple(a.value for a in stmt.value.args)
            sign = 1 if stmt.value.op.endswith("push") else -1
            counts[pair] = counts.get(pair, 0) + sign * times

    walk(body, 1)
    assert counts and all(v == 0 for v in counts.values()), counts
