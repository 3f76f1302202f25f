"""Many independent runs on one problem, advanced together: the batch axis of a table's repetitions.

A table such as 004's convex table is many runs (algorithms x repetitions) of a few hundred epochs on
one problem. :func:`run_batch` advances them in lockstep, round by round: each run keeps its own
explicit state and its own generator ``numpy.random.default_rng(seed)``, and its step is the
algorithm's own ``step`` (the files in :mod:`reference_impl.algorithms` are untouched), so every
run's trajectory (iterates, messages, bits) is exactly the one :func:`reference_impl.runner.run` gives
with the same seed, bit for bit (``tests/test_batched.py``). What is batched is what costs most once
the steps are cheap: the recorded objective, ``F`` at the R iterates as one matrix-matrix product on
the real rows (:meth:`~reference_impl.problems._PaddedDataProblem.losses`), instead of R
matrix-vector products (about 8 times faster for R = 30 on a9a). That one product rounds differently
from R mat-vecs (another BLAS kernel): the recorded losses agree with separate runs to ~1e-15
relative, not bit for bit.

Each run has the bookkeeping of a single run (:class:`~reference_impl.runner.RunTracker`: its CSV and
sidecar, statuses, resume, the session's records): a run that stops (non-finite, diverged,
``stop_dist``) leaves the batch and the others go on; Ctrl-C or SIGTERM marks every unfinished run
``interrupted`` (rows kept in ``.partial``); a run whose algorithm raises is ``failed`` and the
exception stops the batch.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Sequence

import numpy as np

from reference_impl.algorithms.base import Algorithm
from reference_impl.backends import NUMPY, Backend
from reference_impl.runner import (DIVERGENCE_FACTOR, History, RunTracker, _SESSION, _progress,
                                   _signals_deferred, terminate_as_exception)


@dataclasses.dataclass
class Job:
    """One run of a batch: the algorithm, its seed, where its rows go, and extra sidecar fields."""

    algorithm: Algorithm
    seed: int
    csv_path: str | Path | None = None
    extra_meta: dict | None = None


def run_batch(jobs: Sequence[Job], problem, iterations: int, *, xp: Backend = NUMPY, record_every: int = 1,
              progress: bool = False, resume: bool | None = None, stop_dist: float | None = None,
              diverge_factor: float | None = DIVERGENCE_FACTOR, grad_norm: bool = True) -> list[History]:
    """Run every job for ``iterations`` steps on ``problem``, together; the Histories in job order.

    The keyword arguments mean what they mean for :func:`~reference_impl.runner.run` and apply to
    every job. Finished runs found at their ``csv_path`` are reused when resuming (and not stepped).
    """
    trackers = [RunTracker(j.algorithm, problem, iterations, xp=xp, seed=j.seed, csv_path=j.csv_path,
                           stop_dist=stop_dist, record_every=record_every, extra_meta=j.extra_meta,
                           resume=resume, diverge_factor=diverge_factor, grad_norm=grad_norm) for j in jobs]
    active = [t for t in trackers if t.reused is None]
    ctx = _SESSION.get()
    show = (ctx.progress if ctx and ctx.progress is not None else progress)
    bar = _progress(len(active) * (trackers[0].iterations if trackers else 0), f"{len(active)} runs", show)
    losses = getattr(problem, "losses", None)
    try:
        with terminate_as_exception():
            for t in active:
                t.start()
            for k in range(1, (trackers[0].iterations if trackers else 0) + 1):
                if not active:
                    break
                infos = [t.advance() for t in active]
                if not active[0].records_at(k):
                    continue
                X = np.stack([np.asarray(xp.to_numpy(info.x), dtype=float) for info in infos])
                F = losses(X) if losses is not None else np.array([float(problem.loss(NUMPY, x)) for x in X])
                still = []
                for t, x, f in zip(active, X, F):
                    before = t.last_k
                    if t.record(k, x, float(f) - t.f_star):
                        still.append(t)
                    else:
                        bar.update(t.iterations - k)
                    bar.update(k - before)
                for t in active:
                    if t not in still:
                        with _signals_deferred():
                            t.close()
                active = still
    except BaseException as exc:
        for t in active:
            if not t.done:
                t.fail(exc)
        raise
    finally:
        with _signals_deferred():
            bar.close()
            for t in active:
                t.close()
    return [t.history() for t in trackers]

