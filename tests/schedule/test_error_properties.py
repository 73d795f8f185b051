"""Property: any sequence of schedule primitives, with arguments drawn as a user's
mistakes would be (axes of other stages or already split, zero, negative and huge
factors, strings, None, floats, thread axes, tensors outside the graph, lists), either
lowers, builds and computes what the unscheduled program computes, or is refused with
a TVMError (or a TypeError for an argument of the wrong type). Never an IndexError,
KeyError, AttributeError, AssertionError, RecursionError or a hang."""
import signal
from contextlib import contextmanager

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import minitvm as tvm
from minitvm import te, topi
from minitvm.schedule import Stage
from primitive_programs import SETTINGS
from sched_workloads import elementwise, matmul, run

FOREIGN = te.placeholder((3,), name="F")
FOREIGN_OUT = te.compute((3,), lambda i: FOREIGN[i] + 1.0, name="FO")
PRIMITIVES = ("split", "split_nparts", "fuse", "fuse_none", "fuse_one", "reorder", "tile",
              "compute_at", "compute_inline", "compute_root", "bind", "unroll", "vectorize",
              "parallel", "pragma", "set_scope", "storage_align", "double_buffer",
              "set_store_predicate", "cache_read", "cache_write", "rfactor", "create_group",
              "group_compute_at", "env_threads", "normalize")
SCOPES = ("global", "local", "shared", "local", "sram", 3, None)


class Hang(Exception):
    """An example ran longer than any legal or illegal schedule of these sizes should."""


@contextmanager
def time_limit(seconds):
    def expire(*_):
        raise Hang(f"no result after {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def workloads():
    """(inputs, output, intermediates) of four small programs: an elementwise chain, a
    matmul, a padded reduction and a scan."""
    A, B, C, D = elementwise(4, 5)
    Am, Bm, Cm = matmul(3, 4, 5)
    Dm = te.compute(Cm.shape, lambda i, j: Cm[i, j] + 1.0, name="Dm")
    Ap = te.placeholder((4, 5), name="Ap")
    P = topi.nn.pad(Ap, [1, 1], name="P")
    r = te.reduce_axis((0, 3), name="r")
    S = te.compute((4, 5), lambda i, j: te.sum(P[i + r, j + 1], axis=r), name="S")
    X = te.placeholder((4, 3), name="X")
    state = te.placeholder((4, 3), name="state")
    init = te.compute((1, 3), lambda _, i: X[0, i], name="init")
    mid = te.compute((4, 3), lambda t, i: state[t - 1, i] * 2.0, name="mid")
    update = te.compute((4, 3), lambda t, i: mid[t, i] + X[t, i], name="update")
    scan = te.scan(init, update, state, inputs=[X])
    return [([A], D, [B, C]), ([Am, Bm], Dm, [Cm]), ([Ap], S, [P]),
            ([X], scan, [init, mid, update])]


class Drawer:
    """Draws the arguments of a primitive: mostly plausible, often wrong."""

    def __init__(self, data, s, tensors):
        self.data, self.s, self.tensors = data, s, tensors
        self.no_predication = False

    def pick(self, options):
        return self.data.draw(st.sampled_from(list(options)))

    def junk(self):
        return self.pick([0, -1, 7, 1000, 2.5, "x", None, True, [], (1, 2), te.var("v"),
                          te.thread_axis("threadIdx.x"), FOREIGN, FOREIGN_OUT,
                          FOREIGN_OUT.op.axis[0]])

    def axis(self):
        kind = self.pick(["leaf", "leaf", "any", "junk"])
        if kind == "junk":
            return self.junk()
        pool = [iv for stage in self.s.stages
                for iv in (stage.leaf_iter_vars if kind == "leaf" else stage.all_iter_vars)]
        return self.pick(pool) if pool else self.junk()

    def int(self):
        return self.pick([1, 2, 3, 4]) if self.data.draw(st.booleans()) else self.junk()

    def tensor(self):
        return self.pick(self.tensors) if self.pick([1, 1, 1, 0]) else self.junk()

    def stage(self):
        return self.pick(self.s.stages) if self.pick([1, 1, 1, 0]) else self.junk()


def apply(d, prim, stage):
    """Call `prim` with drawn arguments; returns the new tensors it made."""
    s = d.s
    if prim == "split":
        return stage.split(d.axis(), factor=d.int())
    if prim == "split_nparts":
        d.no_predication |= d.data.draw(st.booleans())
        return stage.split(d.axis(), nparts=d.int(), disable_predication=d.no_predication)
    if prim == "fuse":
        return stage.fuse(d.axis(), d.axis())
    if prim == "fuse_none":
        return stage.fuse()
    if prim == "fuse_one":
        return stage.fuse(d.axis())
    if prim == "reorder":
        return stage.reorder(*[d.axis() for _ in range(d.data.draw(st.integers(0, 3)))])
    if prim == "tile":
        return stage.tile(d.axis(), d.axis(), d.int(), d.int())
    if prim == "compute_at":
        return stage.compute_at(d.stage(), d.axis())
    if prim in ("compute_inline", "compute_root", "double_buffer", "fuse_none"):
        return getattr(stage, prim)()
    if prim == "bind":
        thread = te.thread_axis(d.pick(["vthread", "cthread", "threadIdx.x", "blockIdx.x"]))
        return stage.bind(d.axis(), thread if d.data.draw(st.booleans()) else d.junk())
    if prim in ("unroll", "vectorize", "parallel"):
        return getattr(stage, prim)(d.axis())
    if prim == "pragma":
        return stage.pragma(d.axis(), d.pick(["unroll", "x", "", 3, None]),
                            d.junk() if d.data.draw(st.booleans()) else None)
    if prim == "set_scope":
        return stage.set_scope(d.pick(SCOPES))
    if prim == "storage_align":
        return stage.storage_align(d.axis(), d.int(), d.int())
    if prim == "set_store_predicate":
        return stage.set_store_predicate(d.pick([te.var("q") < 3, tvm.tir.const(True),
                                                 d.junk(), d.axis()]))
    if prim == "cache_read":
        readers = [d.tensor() for _ in range(d.data.draw(st.integers(0, 2)))]
        return s.cache_read(d.tensor(), d.pick(SCOPES), readers)
    if prim == "cache_write":
        tensor = d.tensor() if d.data.draw(st.booleans()) else [d.tensor(), d.tensor()]
        return s.cache_write(tensor, d.pick(SCOPES))
    if prim == "rfactor":
        return s.rfactor(d.tensor(), d.axis(), d.pick([0, 1, 2, -1, 5]))
    if prim == "create_group":
        return s.create_group(d.tensor(), d.tensor(), d.data.draw(st.booleans()))
    if prim == "group_compute_at":
        return s.groups[-1].compute_at(d.stage(), d.axis()) if s.groups else None
    if prim == "env_threads":
        return stage.env_threads([te.thread_axis((0, 2), "threadIdx.x")])
    return s.normalize()


def new_tensors(result):
    items = result if isinstance(result, (list, tuple)) else [result]
    return [t for t in items if isinstance(t, te.Tensor)]


@settings(SETTINGS, max_examples=max(SETTINGS.max_examples * 3, 1))
@given(st.data())
def test_any_primitive_sequence_computes_the_program_or_is_refused(data):
    inputs, out, mids = data.draw(st.sampled_from(workloads()))
    s = te.create_schedule(out.op)
    d = Drawer(data, s, inputs + mids + [out])
    args = inputs + [out]
    values = [np.random.RandomState(k).uniform(-1, 1, tuple(int(x) for x in t.shape))
              .astype(t.dtype) for k, t in enumerate(inputs)]
    expected = run(te.create_schedule(out.op), args, values)
    with time_limit(60):
        for _ in range(data.draw(st.integers(1, 6))):
            prim, stage = d.pick(PRIMITIVES), d.stage()
            stage = stage if isinstance(stage, Stage) else s.stages[-1]
            try:
                d.tensors += new_tensors(apply(d, prim, stage))
            except (tvm.TVMError, TypeError):
                pass
        try:
            f = tvm.build(s, args)
        except (tvm.TVMError, TypeError):
            return
        result = tvm.nd.empty(tuple(int(x) for x in out.shape), out.dtype)
        try:
            f(*[tvm.nd.array(v) for v in values], result)
        except tvm.TVMError:
            # only a broken promise (a split without predication that does not divide)
            # may fail at run time
            assert d.no_predication
            return
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-5, atol=1e-5)
