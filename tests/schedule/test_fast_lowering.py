"""Property: lowering prints the same text with the compiler's caches and without them.

`memo.disabled()` switches off the simplifier's cache (minitvm/arith/memo.py), the loop
bounds it skips (Analyzer._teaches_nothing) and Simplify's store of the statements and
expressions it returned and would return unchanged (transform/simplify_fixpoints.py);
the analyzer bound inference and loop nests share (minitvm/arith/scratch.py) then has
no cache either. Hypothesis draws the
programs and random schedules of the virtual-thread property test (split, fused,
reordered, attached, inlined, bound to vthreads), and lowers each twice.
"""
import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import minitvm as tvm
from minitvm.arith import memo
from minitvm.schedule import ScheduleError

from sched_random import random_schedule
from test_vthread_properties import WORKLOADS


def _lowered(s, args):
    try:
        return str(tvm.lower(s, args, simple_mode=True))
    except ScheduleError as err:
        return f"refused: {err}"


@settings(max_examples=60, derandomize=not os.environ.get("MINITVM_SCHED_RANDOM"),
          deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(WORKLOADS), st.data())
def test_lowering_prints_the_same_without_the_caches(workload, data):
    args, consumers, _, _, _ = workload(data, np.random.default_rng(0))
    s = random_schedule(data, args[-1], consumers, threads=True)
    fast = _lowered(s, args)
    fast_again = _lowered(s, args)       # the statement store now holds the first run's
    with memo.disabled():
        plain = _lowered(s, args)
    assert fast == plain
    assert fast_again == plain
