"""Fixtures of the end-to-end tests: each tutorial is run once per session, in this process,
on a fresh command queue (as in a new process), and what the tests look at is kept."""
from dataclasses import dataclass

import numpy as np
import pytest

from e2e_helpers import run_tutorial
from vta_backend import runtime
from vta_backend.testing import simulator


@dataclass
class TutorialRun:
    namespace: dict         # the script's globals after it ran
    output: str             # what it printed
    stats: dict             # simulator statistics of the run
    records: list           # the instruction stream of its last synchronize
    uops: np.ndarray        # the micro-op words staged for that stream (uint32)
    uop_staging_phys: int   # where the runtime staged them in DRAM


@pytest.fixture(scope="session")
def tutorial():
    runs = {}

    def run(name):
        if name not in runs:
            runtime.shutdown()
            simulator.clear_stats()
            namespace, output = run_tutorial(name)
            queue = runtime.command_handle(namespace["env"])
            staged = sum(r[9] for r in queue.last_records if r[0] == 0 and r[5] == 0)
            uops = queue.uop_staging.data[:4 * staged].view("<u4").copy()
            runs[name] = TutorialRun(namespace, output, simulator.stats(),
                                     [list(r) for r in queue.last_records], uops,
                                     queue.uop_staging.phys_addr)
        return runs[name]
    return run
