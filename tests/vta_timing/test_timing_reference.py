"""The timing model against a plain reference written here from the rules alone: one
instruction at a time, costs computed per instruction in Python. On random streams (random
kinds, sizes, token flags -- unused flags included -- and queue depths) both give the same
start and end of every instruction, or both report the same stuck instructions."""
import math

from hypothesis import event, given, settings
from hypothesis import strategies as st

from vta_backend import isa
from vta_backend.simulator.timing import TimingParams, estimate
from vta_backend.simulator.timing_replay import TimingDeadlock

from timing_helpers import ENV

L2G, G2L, G2S, S2G = range(4)
# module -> ((flag position, queue) popped, (flag position, queue) pushed)
WIRING = {0: (((isa.POP_NEXT, G2L),), ((isa.PUSH_NEXT, L2G),)),
          1: (((isa.POP_PREV, L2G), (isa.POP_NEXT, S2G)),
              ((isa.PUSH_PREV, G2L), (isa.PUSH_NEXT, G2S))),
          2: (((isa.POP_PREV, G2S),), ((isa.PUSH_PREV, S2G),))}
ELEM_BYTES = {isa.MEM_UOP: 4, isa.MEM_WGT: ENV.WGT_ELEM_BYTES, isa.MEM_INP: ENV.INP_ELEM_BYTES,
              isa.MEM_ACC: ENV.ACC_ELEM_BYTES, isa.MEM_OUT: ENV.OUT_ELEM_BYTES}


def module_of(r):
    if r[0] == isa.OPCODE_STORE:
        return 2
    if r[0] == isa.OPCODE_LOAD and r[isa.MEMORY_TYPE] in (isa.MEM_INP, isa.MEM_WGT):
        return 0
    return 1


def cost(r, p):
    op = r[0]
    if op in (isa.OPCODE_LOAD, isa.OPCODE_STORE):
        if r[isa.X_SIZE] == 0:
            return p.issue_cycles
        store = op == isa.OPCODE_STORE
        row = r[isa.X_SIZE] * ELEM_BYTES[isa.MEM_OUT if store else r[isa.MEMORY_TYPE]]
        bus = p.store_bytes_per_cycle if store else p.load_bytes_per_cycle
        return p.issue_cycles + r[isa.Y_SIZE] * (p.dram_latency + math.ceil(row / bus))
    uops = r[isa.ITER_OUT] * r[isa.ITER_IN] * (r[isa.UOP_END] - r[isa.UOP_BGN])
    if op == isa.OPCODE_GEMM:
        return p.issue_cycles + p.gemm_pipeline_depth + uops * p.gemm_cycles_per_uop
    if op == isa.OPCODE_ALU:
        return p.issue_cycles + p.alu_pipeline_depth + uops * p.alu_cycles_per_uop
    return p.issue_cycles


def reference(records, p):
    """{index: (start, end)} of every instruction, or ("deadlock", stuck indices)."""
    queues = [[i for i, r in enumerate(records) if module_of(r) == m] for m in range(3)]
    pushed, popped = [[] for _ in range(4)], [[] for _ in range(4)]
    pos, ready, ran = [0, 0, 0], [0, 0, 0], [None, None, None]
    times = {}
    while any(pos[m] < len(queues[m]) for m in range(3)):
        moved = False
        for m in range(3):
            while pos[m] < len(queues[m]):
                i = queues[m][pos[m]]
                r = records[i]
                pops, pushes = ([q for flag, q in WIRING[m][k] if r[flag]] for k in (0, 1))
                if ran[m] is None:
                    if any(len(popped[q]) >= len(pushed[q]) for q in pops):
                        break
                    start = max([ready[m]] + [pushed[q][len(popped[q])] for q in pops])
                    for q in pops:
                        popped[q].append(start)
                    ran[m] = (start, start + cost(r, p))
                    moved = True
                if any(len(pushed[q]) - p.token_queue_depth >= len(popped[q]) for q in pushes):
                    break
                done = max([ran[m][1]] + [popped[q][len(pushed[q]) - p.token_queue_depth]
                                          for q in pushes
                                          if len(pushed[q]) >= p.token_queue_depth])
                for q in pushes:
                    pushed[q].append(done)
                times[i], ready[m], ran[m] = ran[m], done, None
                pos[m] += 1
                moved = True
        if not moved:
            return "deadlock", sorted(queues[m][pos[m]] for m in range(3)
                                      if pos[m] < len(queues[m]))
    return times


FLAG = st.sampled_from([0, 1])


@st.composite
def instruction(draw):
    flags = [draw(FLAG) for _ in range(4)]
    kind = draw(st.sampled_from(["inp", "wgt", "uop", "acc", "gemm", "alu", "store", "nop"]))
    y, x = draw(st.integers(0, 3)), draw(st.integers(0, 3))
    if kind in ("inp", "wgt", "uop", "acc", "nop"):
        mtype = {"inp": isa.MEM_INP, "wgt": isa.MEM_WGT, "uop": isa.MEM_UOP, "acc": isa.MEM_ACC,
                 "nop": draw(st.sampled_from([isa.MEM_INP, isa.MEM_UOP]))}[kind]
        return [isa.OPCODE_LOAD, *flags, mtype, 0, 0, y, 0 if kind == "nop" else x, x,
                *(draw(st.integers(0, 2)) for _ in range(4))]
    if kind == "store":
        return [isa.OPCODE_STORE, *flags, isa.MEM_OUT, 0, 0, y, x, x, 0, 0, 0, 0]
    bgn = draw(st.integers(0, 3))
    head = [isa.OPCODE_GEMM if kind == "gemm" else isa.OPCODE_ALU, *flags, draw(FLAG), bgn,
            bgn + draw(st.integers(0, 4)), draw(st.integers(1, 6)), draw(st.integers(1, 6)),
            0, 0, 0, 0]
    return head + ([0, 0] if kind == "gemm" else [isa.ALU_ADD, 1, 1])


PARAMS = st.builds(TimingParams, issue_cycles=st.integers(0, 3), dram_latency=st.integers(0, 9),
                   load_bytes_per_cycle=st.sampled_from([4, 8, 64]),
                   store_bytes_per_cycle=st.sampled_from([4, 8]),
                   gemm_cycles_per_uop=st.integers(1, 2), gemm_pipeline_depth=st.integers(0, 5),
                   alu_cycles_per_uop=st.integers(1, 2), alu_pipeline_depth=st.integers(0, 5),
                   token_queue_depth=st.integers(1, 3))


# per queue: the NOP (opcode, memory type, pop flag) its consumer pops it with
DRAIN = ((isa.OPCODE_LOAD, isa.MEM_UOP, isa.POP_PREV), (isa.OPCODE_LOAD, isa.MEM_INP, isa.POP_NEXT),
         (isa.OPCODE_STORE, isa.MEM_OUT, isa.POP_PREV),
         (isa.OPCODE_LOAD, isa.MEM_UOP, isa.POP_NEXT))


@st.composite
def matched_stream(draw):
    """Random instructions whose pops each have an earlier push on their queue, then NOPs
    popping every token left: they never deadlock with unbounded queues, and small queues
    make producers stall (or deadlock, when a producer must push past a full queue before
    its consumer can reach the pop that would empty it)."""
    records, tokens = [], [0, 0, 0, 0]
    for r in draw(st.lists(instruction(), max_size=30)):
        pops, pushes = WIRING[module_of(r)]
        for flag, q in pops:
            r[flag] = int(tokens[q] > 0 and draw(st.booleans()))
            tokens[q] -= r[flag]
        for flag, q in pushes:
            r[flag] = draw(st.sampled_from([0, 1, 1]))
            tokens[q] += r[flag]
        records.append(r)
    for q, (opcode, mtype, flag) in enumerate(DRAIN):     # pop what is left, so no producer
        for _ in range(tokens[q]):                        # waits forever on a full queue
            nop = [opcode] + [0] * 14
            nop[isa.MEMORY_TYPE], nop[flag] = mtype, 1
            records.append(nop)
    return records


def check_against_reference(records, params):
    records = records + [[isa.OPCODE_FINISH] + [0] * 15]
    expected = reference(records, params)
    if isinstance(expected, tuple):
        try:
            estimate(records, ENV, params)
        except TimingDeadlock as error:
            assert sorted(i for _, i, _ in error.stuck) == expected[1]
            return
        raise AssertionError("the reference deadlocks, the model does not")
    report = estimate(records, ENV, params)
    assert [(e.start, e.end) for e in report.trace] == [expected[i] for i in range(len(records))]
    assert report.cycles == max(e.end + e.stall for e in report.trace)
    return report


@settings(max_examples=150, deadline=None)
@given(st.lists(instruction(), max_size=24), PARAMS)
def test_model_matches_the_reference(records, params):
    check_against_reference(records, params)


@settings(max_examples=250, deadline=None)
@given(matched_stream(), PARAMS)
def test_model_matches_the_reference_when_queues_fill(records, params):
    report = check_against_reference(records, params)
    event("stalls" if report and any(f.queue_full for f in report.modules.values())
          else "no stall" if report else "deadlock")
