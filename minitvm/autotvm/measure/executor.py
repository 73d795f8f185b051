"""Where measurements run: local worker processes, or Ray workers.

Both take the same picklable job (`measure_methods.MeasureJob`) and a list of inputs and
return the results in order; the tuner never knows which ran them. A job that does not
finish within the timeout gives a RUN_TIMEOUT result instead of stalling the tuning.
"""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import time

from .measure import MeasureErrorNo, MeasureOptionError, MeasureResult


def _timeout_result(timeout):
    return MeasureResult((f"measurement did not finish within {timeout} s",),
                         MeasureErrorNo.RUN_TIMEOUT, timeout, time.time())


class LocalExecutor:
    """A pool of `n_parallel` local processes (forked, so they inherit registered templates
    and backends)."""

    def __init__(self, n_parallel):
        self._pool = cf.ProcessPoolExecutor(max_workers=n_parallel,
                                            mp_context=multiprocessing.get_context("fork"))

    def map(self, job, inputs, timeout):
        futures = [self._pool.submit(job, inp) for inp in inputs]
        results = []
        for future in futures:
            try:
                results.append(future.result(timeout=timeout))
            except cf.TimeoutError:
                results.append(_timeout_result(timeout))
        return results

    def close(self):
        self._pool.shutdown(wait=True)


class RayExecutor:
    """Ray tasks on the cluster at `address` (a local instance when None), at most
    `n_parallel` in flight."""

    def __init__(self, address, n_parallel):
        try:
            import ray
        except ImportError:
            raise MeasureOptionError("RayRunner needs Ray: pip install 'minitvm[ray]' (or "
                                     "pip install ray); LocalRunner measures without it") from None
        self._ray = ray
        if not ray.is_initialized():
            kwargs = {"address": address} if address else {"num_cpus": n_parallel}
            ray.init(include_dashboard=False, log_to_driver=False, **kwargs)
        self._remote = ray.remote(num_cpus=1)(_run_job)

    def map(self, job, inputs, timeout):
        refs = [self._remote.remote(job, inp) for inp in inputs]
        results = []
        for ref in refs:
            try:
                results.append(self._ray.get(ref, timeout=timeout))
            except self._ray.exceptions.GetTimeoutError:
                self._ray.cancel(ref, force=True)
                results.append(_timeout_result(timeout))
        return results

    def close(self):
        """Ray stays up: the user's cluster (or local instance) outlives one tuning."""


def _run_job(job, inp):
    return job(inp)
