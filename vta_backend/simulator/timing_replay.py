"""The timing model's event loop: when each instruction starts and ends.

Where it sits: `timing.time_stream` computes every instruction's module, cost and tokens
with numpy and calls `replay`; `timing_report` turns the result into figures.

Each module's instructions are cut into blocks: a block starts at an instruction that pops
a token (or after one that pushed), so only its first instruction waits for tokens and only
its last pushes. Inside a block, instructions run back to back, so the loop below visits
blocks, not instructions; per-instruction times are recovered afterwards with cumulative
sums. Every time is the max of times already known (the module's previous block, the push
of each token popped, the pop that frees room for each token pushed), so visiting the
modules round-robin until none can move gives the one schedule the rules define. If none can
move while work remains, some token can never be pushed or popped: TimingDeadlock.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import List, Tuple

import numpy as np

from .faults import DeadlockFault
from .program import G2L, G2S, L2G, QUEUE_NAMES, QUEUES_OF, S2G

MODULE_NAMES = ("load", "compute", "store")
_CONSUMER = {L2G: "compute", G2L: "load", G2S: "store", S2G: "compute"}


class TimingDeadlock(DeadlockFault):
    """Token queues that can never all be satisfied under the timing model's rules (a pop
    whose token is never pushed, or a push onto a queue that stays full). `stuck` lists
    (module, instruction index, what it waits for) for every module that cannot finish."""

    def __init__(self, index: int, disassembly: str, reason: str, stuck: list):
        super().__init__(index, disassembly, reason)
        self.stuck = stuck


@dataclass
class _Blocks:
    """One module's instructions (`order`, stream indices) cut into blocks."""
    order: np.ndarray
    block_of: np.ndarray     # block of each instruction in `order`
    heads: np.ndarray        # position in `order` of each block's first instruction
    tails: np.ndarray        # ... and of its last
    pops: list               # per block: the queues its first instruction pops
    pushes: list             # per block: the queues its last instruction pushes
    cycles: list             # per block: total cost


def _blocks(costs, module: int) -> _Blocks:
    order = np.flatnonzero(costs.module == module)
    pops, pushes = costs.pops[order], costs.pushes[order]
    starts = pops != 0
    starts[:1] = True
    starts[1:] |= pushes[:-1] != 0
    heads = np.flatnonzero(starts)
    tails = np.r_[heads[1:] - 1, len(order) - 1] if len(order) else heads
    cycles = np.add.reduceat(costs.cycles[order], heads) if len(order) else heads
    return _Blocks(order, np.cumsum(starts) - 1, heads, tails,
                   [QUEUES_OF[m] for m in pops[heads].tolist()],
                   [QUEUES_OF[m] for m in pushes[tails].tolist()], cycles.tolist())


@dataclass(frozen=True)
class Timeline:
    """Per instruction: start and end cycle, token wait before it, queue-full stall after."""
    start: np.ndarray
    end: np.ndarray
    wait: np.ndarray
    stall: np.ndarray
    cycles: int                        # when the last module finishes
    leftover_tokens: Tuple[int, ...]   # tokens still queued at the end, per queue


def replay(costs, depth: int, describe, initial_tokens=(0, 0, 0, 0)) -> Timeline:
    """Schedule the instructions of `costs` (timing.StreamCosts) under the token rules with
    queues of `depth` tokens; `initial_tokens` are queued at cycle 0."""
    modules = [_blocks(costs, m) for m in range(3)]
    pushed = [[0] * n for n in initial_tokens]   # cycle each token was pushed, in order
    popped: List[list] = [[], [], [], []]        # cycle each token was popped, in order
    starts, dones = _run(modules, depth, pushed, popped, describe)
    n = len(costs.cycles)
    start, wait, stall = (np.zeros(n, dtype=np.int64) for _ in range(3))
    for blocks, block_start, block_done in zip(modules, starts, dones):
        if len(blocks.order):
            _spread(blocks, np.array(block_start, dtype=np.int64),
                    np.array(block_done, dtype=np.int64), costs.cycles, start, wait, stall)
    total = max((d[-1] for d in dones if d), default=0)
    return Timeline(start, start + costs.cycles, wait, stall, total,
                    tuple(len(pushed[q]) - len(popped[q]) for q in range(4)))


def _spread(blocks: _Blocks, block_start, block_done, cycles, start, wait, stall) -> None:
    """Per-instruction times of one module from its blocks' times: instructions of a block
    run back to back from its start; its first waited since the previous block was done,
    its last stalled from its end until its pushes were done."""
    cost = cycles[blocks.order]
    before = np.cumsum(cost) - cost                     # cycles of the module's earlier work
    offset = before - before[blocks.heads][blocks.block_of]
    start[blocks.order] = block_start[blocks.block_of] + offset
    wait[blocks.order[blocks.heads]] = block_start - np.r_[0, block_done[:-1]]
    stall[blocks.order[blocks.tails]] = block_done - block_start - np.array(blocks.cycles)


def _run(modules, depth, pushed, popped, describe):
    """The event loop over blocks: (block start cycles, block done cycles) per module.
    A module whose block has run but cannot push yet keeps its end cycle in `running`.

    A block starts once the module is ready and a token is there on each queue it pops (at
    the latest of those pushes); it is done once it has ended and each queue it pushes has
    room (at the pop that made the room, if later). The two steps are written out in the
    loop: it runs once per block, the simulator's hottest Python loop after the data path.
    """
    count = [len(b.cycles) for b in modules]
    starts = [[0] * c for c in count]
    dones = [[0] * c for c in count]
    pos, ready, running = [0, 0, 0], [0, 0, 0], [None, None, None]
    while pos != count:
        moved = False
        for m, blocks in enumerate(modules):
            pops, pushes, cycles = blocks.pops, blocks.pushes, blocks.cycles
            my_starts, my_dones = starts[m], dones[m]
            p, n, now, end = pos[m], count[m], ready[m], running[m]
            while p < n:
                if end is None:                     # pop: wait for each token
                    start = now
                    for q in pops[p]:
                        k = len(popped[q])
                        if k >= len(pushed[q]):
                            break
                        if pushed[q][k] > start:
                            start = pushed[q][k]
                    else:
                        for q in pops[p]:
                            popped[q].append(start)
                        my_starts[p], end, moved = start, start + cycles[p], True
                    if end is None:
                        break
                done = end                          # push: wait for room on each queue
                for q in pushes[p]:
                    k = len(pushed[q]) - depth      # the token whose pop makes room
                    if k >= 0:
                        if k >= len(popped[q]):
                            break
                        if popped[q][k] > done:
                            done = popped[q][k]
                else:
                    for q in pushes[p]:
                        pushed[q].append(done)
                    my_dones[p], now, end, p, moved = done, done, None, p + 1, True
                    continue
                break
            pos[m], ready[m], running[m] = p, now, end
        if not moved:
            raise _deadlock(modules, pos, ready, running, depth, pushed, popped, describe)
    return starts, dones


def _deadlock(modules, pos, ready, running, depth, pushed, popped, describe) -> TimingDeadlock:
    stuck = []
    for m, blocks in enumerate(modules):
        p = pos[m]
        if p == len(blocks.cycles):
            continue
        if running[m] is None:
            i = int(blocks.order[blocks.heads[p]])
            empty = [QUEUE_NAMES[q] for q in blocks.pops[p] if len(popped[q]) >= len(pushed[q])]
            why = (f"waits from cycle {ready[m]} to pop a token on {' and '.join(empty)} that no "
                   f"instruction still to run can push")
        else:
            i = int(blocks.order[blocks.tails[p]])
            full = [q for q in blocks.pushes[p] if len(pushed[q]) - depth >= len(popped[q])]
            why = " and ".join(f"waits from cycle {running[m]} to push onto {QUEUE_NAMES[q]}, "
                               f"full with {depth} tokens the {_CONSUMER[q]} module never pops"
                               for q in full)
        stuck.append((i, MODULE_NAMES[m], why))
    stuck.sort()
    first, module, why = stuck[0]
    others = [f"the {mod} module is stuck at instruction {i} ({describe(i)}): it {w}"
              for i, mod, w in stuck[1:]]
    done = [MODULE_NAMES[m] for m in range(3) if pos[m] == len(modules[m].cycles)]
    if done:
        others.append(f"the {' and '.join(done)} module{'s have' if len(done) > 1 else ' has'} "
                      f"finished")
    reason = (f"timing model deadlock (the hardware would hang): the {module} module {why}"
              + "".join(f"; {o}" for o in others))
    return TimingDeadlock(first, describe(first), reason,
                          [(mod, i, w) for i, mod, w in stuck])
