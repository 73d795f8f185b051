"""Random legal schedules for the property tests, drawn with hypothesis' `st.data()`.

`transform_loops` draws splits (dividing or not, by factor or nparts), fuses of adjacent
loops, reorders and loop kinds; `bind_threads` binds loops to fresh virtual threads;
`random_schedule` decides for each intermediate stage whether it is inlined, attached
(at any loop of its consumer) or left at the root, with what storage scope, and
transforms and binds every stage's loops. `outcome` lowers, prints, builds and runs a
schedule: it either computes the expected array or is refused with a ScheduleError that
names one of the program's stages.
"""
import numpy as np
from hypothesis import strategies as st

import minitvm as tvm
from minitvm import te
from minitvm.schedule import ScheduleError
from minitvm.tir.expr import IterVarType
from minitvm.transform import PassContext

_FUSABLE = (IterVarType.DATA_PAR, IterVarType.COMM_REDUCE)
THREAD_TAGS = ("vthread", "cthread")


def fusable_pairs(stage):
    leaves = stage.leaf_iter_vars
    return [k for k in range(len(leaves) - 1)
            if leaves[k].iter_type == leaves[k + 1].iter_type
            and leaves[k].iter_type in _FUSABLE]


def split(data, stage, leaf):
    parts = data.draw(st.integers(1, 8))
    if data.draw(st.booleans()):
        return stage.split(leaf, factor=parts)
    return stage.split(leaf, nparts=parts)


def transform_loops(data, stage, bind=False, kinds=()):
    """A random sequence of splits, fuses of adjacent loops, reorders (so a loop may be
    fused and the fused loop split, or split loops fused) and loop kinds from `kinds`,
    then (with `bind`) maybe a cthread binding of the outermost loop."""
    steps = ["split", "fuse", "fuse+split", "reorder"] + (["annotate"] if kinds else [])
    for _ in range(data.draw(st.integers(0, 4))):
        step = data.draw(st.sampled_from(steps))
        if step == "annotate":
            leaf = data.draw(st.sampled_from(stage.leaf_iter_vars))
            allowed = [k for k in kinds if k == "unroll"
                       or leaf.iter_type == IterVarType.DATA_PAR]
            if allowed:
                getattr(stage, data.draw(st.sampled_from(allowed)))(leaf)
        elif step == "reorder":
            stage.reorder(*data.draw(st.permutations(stage.leaf_iter_vars)))
        elif step == "split":
            split(data, stage, data.draw(st.sampled_from(stage.leaf_iter_vars)))
        elif fusable_pairs(stage):
            k = data.draw(st.sampled_from(fusable_pairs(stage)))
            leaves = stage.leaf_iter_vars
            fused = stage.fuse(leaves[k], leaves[k + 1])
            if step == "fuse+split":
                split(data, stage, fused)
    outer = stage.leaf_iter_vars[0]
    if bind and outer.iter_type == IterVarType.DATA_PAR and data.draw(st.booleans()):
        stage.bind(outer, te.thread_axis("cthread"))


def _unbound_leaves(stage):
    def bound(iv):
        attr = stage.iter_var_attrs.get(iv)
        return attr is not None and attr.bind_thread is not None
    return [iv for iv in stage.leaf_iter_vars if iv.iter_type in _FUSABLE and not bound(iv)]


def bind_threads(data, stage, most=2):
    """Bind up to `most` random loops of `stage` (reduction loops too, rarely) to fresh
    virtual threads, each a vthread or a cthread."""
    for _ in range(data.draw(st.integers(0, most))):
        leaves = _unbound_leaves(stage)
        data_par = [iv for iv in leaves if iv.iter_type == IterVarType.DATA_PAR]
        pool = data_par if data_par and data.draw(st.integers(0, 4)) else leaves
        if not pool:
            return
        leaf = data.draw(st.sampled_from(pool))
        stage.bind(leaf, te.thread_axis(data.draw(st.sampled_from(THREAD_TAGS))))


# Loop kinds TVM accepts wherever they are drawn: a stage computed inside another loop
# may have extents that depend on it (TVM refuses to unroll or vectorize those), and
# TVM's CPU codegen refuses nested parallel loops, so only the output gets `parallel`.
OUTPUT_KINDS = ("unroll", "vectorize", "parallel")
ROOT_KINDS = ("unroll", "vectorize")
SCOPES = (None, "global", "local")


def random_schedule(data, output, consumers, threads=False):
    """A schedule of `output` where each tensor of `consumers` ({tensor: the one tensor
    reading it}, in dataflow order) is inlined, attached or left at the root. With
    `threads`, every stage's loops may be bound to virtual threads and every
    intermediate stage gets a random storage scope; else only the output's outermost
    loop may become a cthread."""
    s = te.create_schedule(output.op)
    inlined = {t for t in consumers if not t.op.reduce_axis and data.draw(st.booleans())}
    attached = {t for t in consumers if t not in inlined and data.draw(st.booleans())}
    for t in consumers:
        if t in inlined:
            s[t].compute_inline()
    transform_loops(data, s[output], bind=not threads, kinds=OUTPUT_KINDS)
    if threads:
        bind_threads(data, s[output])
    for t in consumers:
        if t in inlined:
            continue
        transform_loops(data, s[t], kinds=() if t in attached else ROOT_KINDS)
        if threads:
            bind_threads(data, s[t])
            scope = data.draw(st.sampled_from(SCOPES))
            if scope is not None:
                s[t].set_scope(scope)
    for t in (t for t in consumers if t in attached):       # dataflow order
        consumer = consumers[t]
        while consumer in inlined:
            consumer = consumers[consumer]
        loop = data.draw(st.sampled_from(s[consumer].leaf_iter_vars))
        s[t].compute_at(s[consumer], loop)
    return s


def run(s, args, inputs):
    """Lower (printing the IR), build for the CPU and run `s`: the output array."""
    exact = {"tir.reuse_require_exact_matched_dtype": True}   # as tvm.build lowers
    with PassContext.current().with_config(exact):
        mod = tvm.lower(s, args, simple_mode=True)
    assert "def main(" in str(mod)
    f = tvm.build(mod)
    out = args[-1]
    result = tvm.nd.empty(tuple(int(x) for x in out.shape), out.dtype)
    f(*[tvm.nd.array(x) for x in inputs], result)
    return result.numpy()


def outcome(s, args, inputs, expected, stages):
    """Run `s`: "built" if it computes `expected`, "refused" if lowering raises a
    ScheduleError naming one of `stages` (tensors); anything else fails the test."""
    try:
        result = run(s, args, inputs)
    except ScheduleError as err:
        names = [f"stage '{t.op.name}'" for t in stages]
        assert any(name in str(err) for name in names), f"names no stage: {err}"
        return "refused"
    np.testing.assert_array_equal(result, expected)
    return "built"
