"""Runs the load, compute and store queues in an order their dependence tokens allow.

Where it sits: Device.run calls `execute` on a prepared Program. The three modules are
visited in turn; each runs segments while it has the tokens its next segment pops (a segment
never waits once started, so running it whole is one of the interleavings the hardware could
pick). Tokens sit in four FIFOs (l2g, g2l, g2s, s2g); each remembers which instruction pushed
it, so a token nobody pops can be blamed on its pusher.

A dependence-correct program computes the same result in every interleaving, so this order is
as good as the hardware's. When no module can move and work remains, a pop can never be
satisfied: the hardware would hang, the simulator raises DeadlockFault. Tokens left over at the
end unbalance the next run: UnbalancedQueueFault.
"""
from __future__ import annotations

from collections import deque

from .faults import DeadlockFault, UnbalancedQueueFault
from .program import QUEUE_NAMES, Program

_MODULES = ("load", "compute", "store")


def execute(program: Program) -> None:
    segments = program.segments
    tokens = [deque() for _ in QUEUE_NAMES]
    position, ends = [0, 0, 0], [len(s) for s in segments]
    while position != ends:
        moved = False
        for core in (0, 1, 2):
            p, queue = position[core], segments[core]
            while p < ends[core]:
                seg = queue[p]
                if seg.pops and not all(tokens[q] for q in seg.pops):
                    break
                for q in seg.pops:
                    tokens[q].popleft()
                for fn, arg in seg.ops:
                    fn(arg)
                for q, pusher in seg.pushes:
                    tokens[q].append(pusher)
                p += 1
            moved = moved or p != position[core]
            position[core] = p
        if not moved:
            raise program.stop or _deadlock(program, position, tokens)
    if program.stop:
        raise program.stop
    for q, queue in enumerate(tokens):
        if queue:
            i = queue[0]
            raise UnbalancedQueueFault(i, program.describe(i), (
                f"pushed a token on {QUEUE_NAMES[q]} that no instruction popped: the queue is "
                f"unbalanced at the end of the run ({len(queue)} token(s) left)"))
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
