"""Runs the load, compute and store queues in an order their dependence tokens allow.

Where it sits: Device.run calls `execute` on a prepared Program. The three modules are
visited in turn; each runs segments while it has the tokens its next segment pops (a segment
never waits once started, so running it whole is one of the interleavings the hardware could
pick). Tokens sit in four FIFOs (l2g, g2l, g2s, s2g); each remembers which instruction pushed
it, so a token nobody pops can be blamed on its pusher.

A dependence-correct program computes the same result in every interleaving, so this order is
as good as the hardware's. When no module can move and work remains, a pop can never be
satisfied: the hardware would hang, the simulator raises DeadlockFault.

The token FIFOs belong to the device and outlive a run, as in VTA's simulator: TVM's lowering
of a loop-bodied function leaves one store->compute token behind its final synchronize, and
the next call's first compute instruction pops it. A token that survives a whole further run
unpopped is a leak, which would eventually overflow the hardware FIFO: UnbalancedQueueFault.
"""
from __future__ import annotations

from collections import deque

from .faults import DeadlockFault, UnbalancedQueueFault
from .program import QUEUE_NAMES, Program

_MODULES = ("load", "compute", "store")


def new_token_queues():
    """The four token FIFOs of a device; each token is (run number, pushing instruction, program)."""
    return [deque() for _ in QUEUE_NAMES]


def execute(program: Program, tokens, run: int) -> None:
    """Run `program` as the device's run number `run` against its token FIFOs `tokens`."""
    segments = program.segments
    position, ends = [0, 0, 0], [len(s) for s in segments]
    while position != ends:
        moved = False
        for core in (0, 1, 2):
            p, queue = position[core], segments[core]
            while p < ends[core]:
                seg = queue[p]
                if seg.pops and not all(map(tokens.__getitem__, seg.pops)):   # a token each
                    break
                for q in seg.pops:
                    tokens[q].popleft()
                for fn, arg in seg.ops:
                    fn(arg)
                for q, pusher in seg.pushes:
                    tokens[q].append((run, pusher, program))
                p += 1
            moved = moved or p != position[core]
            position[core] = p
        if not moved:
            raise program.stop or _deadlock(program, position, tokens)
    if program.stop:
        raise program.stop
    for q, queue in enumerate(tokens):
        if queue and queue[0][0] < run:
            _, i, pusher_program = queue[0]
            leaked = sum(1 for token in queue if token[0] < run)
            queue.clear()
            raise UnbalancedQueueFault(i, pusher_program.describe(i), (
                f"pushed a token on {QUEUE_NAMES[q]} in an earlier run that no instruction of "
                f"this run popped either: the queue is unbalanced ({leaked} token(s) leaked)"))
    if not program.has_finish and program.count:
        last = program.count - 1
        raise UnbalancedQueueFault(last, program.describe(last), (
            "the stream ends without FINISH: the device would never report completion"))


def _deadlock(program: Program, position, tokens) -> DeadlockFault:
    blocked = []
    for core in (0, 1, 2):
        if position[core] < len(program.segments[core]):
            seg = program.segments[core][position[core]]
            empty = [QUEUE_NAMES[q] for q in seg.pops if not tokens[q]]
            blocked.append((seg.first, _MODULES[core], empty))
    first, module, empty = min(blocked)
    others = "; ".join(f"the {m} module waits at instruction {i} on {', '.join(e)}"
                       for i, m, e in blocked if i != first)
    done = [m for c, m in enumerate(_MODULES) if position[c] == len(program.segments[c])]
    context = "; ".join(filter(None, [others, done and f"the {', '.join(done)} module(s) "
                                                       f"have finished"]))
    return DeadlockFault(first, program.describe(first), (
        f"the {module} module waits for a token on {', '.join(empty)} that no remaining "
        f"instruction can push (the hardware would hang)" + (f"; {context}" if context else "")))
