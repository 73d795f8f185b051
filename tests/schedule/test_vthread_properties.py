"""Property: virtual threads wherever a schedule can put them either compute what numpy
computes or are refused naming the user's stage.

Hypothesis draws a program (an elementwise chain; guarded loads at shifted indices; a
padded input read at two corners; a reduction between a producer and a consumer, shapes
small and often not divisible by the splits) and a random schedule of it in which every
stage may be inlined, attached at any loop of its consumer or left at the root, given a
storage scope (default, 'global' or 'local'), split, fused and reordered, and have up to
two loops bound to fresh vthreads or cthreads: threads on attached stages, threads
nested in a consumer's threads, threads reading inlined stages. Each program is lowered,
printed, built and run, or refused with a ScheduleError naming one of its stages (TVM
refuses, for example, a thread-bound axis that does not start at 0); any other exception
fails the test.

The one test counts its programs: at least PROGRAMS a run (1,000 by default), most of
them built. `MINITVM_VTHREAD_PROGRAMS=3000 MINITVM_SCHED_RANDOM=1 python -m pytest
tests/schedule/test_vthread_properties.py` runs a fresh, larger sweep.
"""
import os
from collections import Counter

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sched_random import outcome, random_schedule
from sched_workloads import (elementwise, matmul_chain, matmul_chain_numpy, padded,
                             padded_numpy, stencil, stencil_numpy)

PROGRAMS = int(os.environ.get("MINITVM_VTHREAD_PROGRAMS", 1000))


def _elementwise(data, rng):
    n, m = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    A, B, C, D = elementwise(n, m)
    x = rng.uniform(-2, 2, (n, m)).astype("float32")
    c = x * np.float32(2) + np.float32(1)
    return [A, D], {B: C, C: D}, [x], c * c, [B, C, D]


def _stencil(data, rng):
    n, m = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    A, B, C, D = stencil(n, m)
    a = rng.integers(-50, 50, (n, m)).astype("int32")
    return [A, D], {B: C, C: D}, [a], stencil_numpy(a), [B, C, D]


def _padded(data, rng):
    n, m = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    A, P, Q, R = padded(n, m)
    a = rng.integers(-50, 50, (n, m)).astype("int32")
    return [A, R], {P: Q, Q: R}, [a], padded_numpy(a), [P, Q, R]


def _matmul(data, rng):
    n, m, k = (data.draw(st.integers(1, 4)) for _ in range(3))
    A, B, AA, C, E = matmul_chain(n, m, k)
    a = rng.integers(-9, 9, (n, k)).astype("int32")
    b = rng.integers(-9, 9, (k, m)).astype("int32")
    return [A, B, E], {AA: C, C: E}, [a, b], matmul_chain_numpy(a, b), [AA, C, E]


WORKLOADS = [_elementwise, _stencil, _padded, _matmul]


def test_random_programs_with_virtual_threads():
    counts = Counter()

    @settings(max_examples=PROGRAMS, derandomize=not os.environ.get("MINITVM_SCHED_RANDOM"),
              deadline=None, print_blob=True, suppress_health_check=list(HealthCheck))
    @given(st.sampled_from(WORKLOADS), st.integers(0, 2**32 - 1), st.data())
    def program(workload, seed, data):
        args, consumers, inputs, expected, stages = workload(data, np.random.default_rng(seed))
        s = random_schedule(data, args[-1], consumers, threads=True)
        counts[outcome(s, args, inputs, expected, stages)] += 1

    program()
    total = counts["built"] + counts["refused"]
    assert total >= PROGRAMS, counts
    assert counts["built"] >= total // 2, counts
