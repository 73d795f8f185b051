"""The loop nests the legacy schedule primitives build, against what TVM printed for its
schedule-primitives tutorial (the `for`/`if` lines of each listing: the symbolic-shape
buffers around them are another part's business) and against loop nests derived by hand.
"""
import re

import minitvm as tvm
from minitvm import te
from reference_text import ir_listings, tutorial_output

_CONTROL = re.compile(r"^\s*(for |if )")


def control_lines(text):
    """The loop and condition lines of a listing, stripped."""
    return [line.strip() for line in text.splitlines() if _CONTROL.match(line)]


def reference_control(index):
    listing = ir_listings(tutorial_output("schedule_primitives"))[index]
    return control_lines("\n".join(listing))


def loops_and_conditions(lines):
    """[(loop var, extent)] outermost first and the set of `if` conditions: the nest
    without where the lowering passes put each condition or how loops are grouped."""
    loops, conditions = [], set()
    for line in lines:
        if line.startswith("if "):
            conditions.add(line)
            continue
        names, header = re.match(r"for (.*) in (.*):$", line).groups()
        names = [n.strip() for n in names.split(",")]
        inner = re.match(r"(?:T\.grid|range)\((.*)\)$", header).group(1)
        loops += zip(names, _top_level_split(inner))
    return loops, conditions


def _top_level_split(text):
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    return parts + [current.strip()]


def lowered(s, args):
    return str(tvm.lower(s, args, simple_mode=True))


def symbolic_copy(ndim):
    shape = (te.var("m"), te.var("n"))[:ndim]
    A = te.placeholder(shape, name="A")
    fcompute = (lambda i: A[i]) if ndim == 1 else (lambda i, j: A[i, j])
    B = te.compute(shape, fcompute, name="B")
    return A, B, te.create_schedule(B.op)


def test_tile_loop_nest_matches_tvm():
    A, B, s = symbolic_copy(2)
    xo, yo, xi, yi = s[B].tile(B.op.axis[0], B.op.axis[1], x_factor=10, y_factor=5)
    assert [iv.var.name for iv in (xo, yo, xi, yi)] == ["i.outer", "j.outer", "i.inner",
                                                        "j.inner"]
    # a later lowering pass moves TVM's row check out of j_inner; the nest is the same
    assert loops_and_conditions(control_lines(lowered(s, [A, B]))) == \
        loops_and_conditions(reference_control(3))


def test_tile_is_split_split_reorder():
    A, B, s = symbolic_copy(2)
    s[B].tile(B.op.axis[0], B.op.axis[1], 10, 5)
    A2, B2, s2 = symbolic_copy(2)
    xo, xi = s2[B2].split(B2.op.axis[0], factor=10)
    yo, yi = s2[B2].split(B2.op.axis[1], factor=5)
    s2[B2].reorder(xo, yo, xi, yi)
    assert lowered(s, [A, B]) == lowered(s2, [A2, B2])


def test_fuse_of_tiled_inner_loops_matches_tvm():
    A, B, s = symbolic_copy(2)
    xo, yo, xi, yi = s[B].tile(B.op.axis[0], B.op.axis[1], x_factor=10, y_factor=5)
    s[B].fuse(xi, yi)
    assert control_lines(lowered(s, [A, B])) == reference_control(4)


def test_split_by_nparts_matches_tvm():
    A, B, s = symbolic_copy(1)
    s[B].split(B.op.axis[0], nparts=32)
    assert control_lines(lowered(s, [A, B])) == reference_control(2)


def test_split_by_a_symbolic_factor():
    """The factor is a parameter: outer loop ceil(10 / f), inner loop f, a bound check."""
    A = te.placeholder((10,), name="A")
    B = te.compute((10,), lambda i: A[i] + 1.0, name="B")
    s = te.create_schedule(B.op)
    f = te.var("f")
    s[B].split(B.op.axis[0], factor=f)
    assert control_lines(lowered(s, [A, B, f])) == [
        "for i_outer, i_inner in T.grid((f + 9) // f, f):",
        "if T.likely(i_inner + i_outer * f < 10):"]


def test_split_without_predication_drops_the_bound_check():
    A = te.placeholder((10,), name="A")
    B = te.compute((10,), lambda i: A[i] + 1.0, name="B")
    s = te.create_schedule(B.op)
    s[B].split(B.op.axis[0], factor=3, disable_predication=True)
    assert control_lines(lowered(s, [A, B])) == ["for i_outer, i_inner in T.grid(4, 3):"]


def test_fuse_of_no_axis_adds_an_outermost_loop_of_one_iteration():
    """fuse() gives `singleton`, outermost, extent 1: a producer attached there is
    computed whole before the consumer's loops, as at the root."""
    A = te.placeholder((4, 3), name="A")
    B = te.compute((4, 3), lambda i, j: A[i, j] * 2.0, name="B")
    C = te.compute((4, 3), lambda i, j: B[i, j] + 1.0, name="C")
    s = te.create_schedule(C.op)
    singleton = s[C].fuse()
    assert singleton.var.name == "singleton" and s[C].leaf_iter_vars[0] is singleton
    assert int(singleton.dom.extent) == 1
    s[B].compute_at(s[C], singleton)
    assert control_lines(lowered(s, [A, C])) == ["for i, j in T.grid(4, 3):",
                                                 "for i, j in T.grid(4, 3):"]


def test_fuse_of_one_axis_returns_it():
    A, B, s = symbolic_copy(2)
    i = B.op.axis[0]
    assert s[B].fuse(i) is i
    assert s[B].leaf_iter_vars == list(B.op.axis)


def test_two_producers_at_one_loop_in_dataflow_order():
    """Copies of both matmul inputs attached at the consumer's row loop: per row, the
    row of A and all of B are copied, in the order of the stages, then the row computed."""
    A = te.placeholder((4, 3), name="A")
    Bt = te.placeholder((3, 5), name="Bt")
    AA = te.compute(A.shape, lambda i, k: A[i, k], name="AA")
    BB = te.compute(Bt.shape, lambda k, j: Bt[k, j], name="BB")
    k = te.reduce_axis((0, 3), name="k")
    C = te.compute((4, 5), lambda i, j: te.sum(AA[i, k] * BB[k, j], axis=k), name="C")
    s = te.create_schedule(C.op)
    s[AA].compute_at(s[C], C.op.axis[0])
    s[BB].compute_at(s[C], C.op.axis[0])
    assert control_lines(lowered(s, [A, Bt, C])) == [
        "for i in range(4):",
        "for k in range(3):",           # AA: one row of A
        "for k, j in T.grid(3, 5):",    # BB: all of Bt
        "for j in range(5):",
        "for k in range(3):"]
