"""bound_memo.shared_bounds: inside the block a schedule is normalized, and its bounds
inferred, once; outside nothing is kept; what is lowered inside is what is lowered
outside."""
import minitvm as tvm
from minitvm import te
from minitvm.schedule.bound import infer_bound
from minitvm.schedule.bound_memo import shared_bounds


def tiled_matmul():
    n = 32
    A = te.placeholder((n, n), name="A")
    B = te.placeholder((n, n), name="B")
    k = te.reduce_axis((0, n), name="k")
    C = te.compute((n, n), lambda i, j: te.sum(A[i, k] * B[k, j], axis=k), name="C")
    s = te.create_schedule(C.op)
    CC = s.cache_write(C, "local")
    i, j = s[C].op.axis
    io, ii = s[C].split(i, factor=8)
    s[CC].compute_at(s[C], io)
    return s, [A, B, C]


def test_inside_the_block_one_normalized_copy_and_one_bound_map():
    s, _ = tiled_matmul()
    with shared_bounds():
        first = s.normalize()
        assert s.normalize() is first
        assert infer_bound(first) is infer_bound(first)


def test_outside_the_block_each_call_computes_afresh():
    s, _ = tiled_matmul()
    with shared_bounds():
        inside = s.normalize()
    first = s.normalize()
    assert first is not inside and s.normalize() is not first
    assert infer_bound(first) is not infer_bound(first)


def test_blocks_do_not_share_with_each_other():
    s, _ = tiled_matmul()
    with shared_bounds():
        outer = s.normalize()
        with shared_bounds():
            assert s.normalize() is not outer
        assert s.normalize() is outer


def test_a_lowering_inside_the_block_prints_what_one_outside_prints():
    s, args = tiled_matmul()
    plain = str(tvm.lower(s, args, simple_mode=True))
    with shared_bounds():
        infer_bound(s.normalize())          # a reader before the lowering, as a check is
        shared = str(tvm.lower(s, args, simple_mode=True))
    assert shared == plain


def test_a_block_of_another_thread_does_not_serve_this_one():
    """Another thread's open block must not memoize this thread's lowerings: a schedule
    changed between two lowerings here is lowered afresh (the unscheduled truth: a
    lowering outside any block)."""
    import threading
    entered, release = threading.Event(), threading.Event()

    def hold_a_block():
        with shared_bounds():
            entered.set()
            release.wait()

    other = threading.Thread(target=hold_a_block)
    other.start()
    entered.wait()
    try:
        s, args = tiled_matmul()
        before = str(tvm.lower(s, args, simple_mode=True))
        C = args[2]
        s[C].split(s[C].op.axis[1], factor=4)
        changed = str(tvm.lower(s, args, simple_mode=True))
    finally:
        release.set()
        other.join()
    assert changed != before
    assert changed == str(tvm.lower(s, args, simple_mode=True))
