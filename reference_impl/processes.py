"""Independent pieces of work in forked processes: the one process pool of the experiments (issue 10).

:func:`fork_map` runs ``fn(item)`` for every item in a pool of forked processes (a free process takes
the next item). ``fn`` and the items are inherited through the fork, not pickled, so closures over
algorithms and problems are fine; only the results travel back (they must pickle). A run's session
records (:func:`reference_impl.runner.session`) made in a process are added to the caller's session.
Users: :func:`reference_impl.batched.run_batch` (``processes=``), the sweeps of
:mod:`reproductions.neolithic`, the trainings of :mod:`reproductions.deep` on the CPU, 000's experiments.
How many processes: :func:`default_processes` (``REPRO_WORKERS``, else 2).

Not for torch computations: processes forked after torch has run CPU kernels in the parent hung here
(tried with the deep-learning notebooks' trainings), so :func:`~reference_impl.batched.run_batch` forks
only for the numpy backend and :mod:`reproductions.deep` trains one run after the other.

Every run computes in a process what it computes alone (the same code, seeds and single-threaded
kernels), so results do not depend on the number of processes (``tests/test_batched_processes.py``).
"""
from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
from typing import Callable, Iterable

from reference_impl.runner import _SESSION, terminate_as_exception

_WORK: tuple | None = None      # (fn, items) of the running fork_map, inherited by its processes


def default_processes() -> int:
    """Processes for independent runs: ``REPRO_WORKERS`` if set, else min(2, cpu count)."""
    env = os.environ.get("REPRO_WORKERS")
    if env:
        try:
            value = int(env)
        except ValueError:
            value = 0
        if value < 1:
            raise ValueError(f"REPRO_WORKERS must be a positive integer, got {env!r}")
        return value
    return max(1, min(2, os.cpu_count() or 1))


def in_order(groups, results, n: int) -> list:
    """The results of groups of indices, back in index order: ``results[g][j]`` belongs to
    ``groups[g][j]``; ``n`` indices in all (the items that groups of jobs were run as)."""
    out: list = [None] * n
    for group, values in zip(groups, results):
        for i, value in zip(group, values):
            out[i] = value
    return out


def _call(i: int):
    """In a forked process: ``fn(items[i])`` and the session records it added."""
    fn, items = _WORK
    ctx = _SESSION.get()
    before = len(ctx.records) if ctx else 0
    result = fn(items[i])
    return result, (ctx.records[before:] if ctx else [])


def fork_map(fn: Callable, items: Iterable, processes: int, poll: Callable[[], None] | None = None) -> list:
    """``[fn(item) for item in items]``, the items shared out among ``processes`` forked processes.

    With ``processes <= 1`` or at most one item, in this process. ``poll()`` (optional) is called about
    every 0.5 s while the processes work (e.g. to move a progress bar). An exception raised by ``fn`` in a
    process is raised here once the other processes are stopped; Ctrl-C or SIGTERM here stops them too
    (SIGTERM: the runner marks their unfinished runs ``interrupted``).
    """
    global _WORK
    items = list(items)
    if processes <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    fork = multiprocessing.get_context("fork")
    ctx = _SESSION.get()
    _WORK = (fn, items)
    out: list = [None] * len(items)
    try:
        with terminate_as_exception(), \
                concurrent.futures.ProcessPoolExecutor(min(processes, len(items)), mp_context=fork) as pool:
            futures = [pool.submit(_call, i) for i in range(len(items))]
            try:
                pending = set(futures)
                while pending:
                    done, pending = concurrent.futures.wait(pending, timeout=0.5,
                                                            return_when=concurrent.futures.FIRST_EXCEPTION)
                    if poll is not None:
                        poll()
                    failed = [f.exception() for f in done if f.exception() is not None]
                    if failed:
                        raise failed[0]
                for i, future in enumerate(futures):
                    out[i], records = future.result()
                    if ctx:
                        ctx.records.extend(records)
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                for proc in list((getattr(pool, "_processes", None) or {}).values()):
                    proc.terminate()
                raise
    finally:
        _WORK = None
    return out
