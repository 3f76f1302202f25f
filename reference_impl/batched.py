"""Many independent runs on one problem, advanced together: the run axis of a table's repetitions.

A table such as 004's convex table is many runs (algorithms x repetitions) of a few hundred epochs on
one problem. :func:`run_batch` advances them in lockstep, round by round, in two ways:

* **stacked** (issue 10): the runs of one algorithm (the same :class:`~reference_impl.algorithms.base.
  Algorithm` object, whose step is marked run-agnostic with
  :func:`~reference_impl.algorithms.bidirectional.stackable`, on a problem with ``run_axis``) are one
  computation: their initial states (each from the algorithm's own ``init``) are stacked on a leading run
  axis (:func:`stack_states`: worker arrays ``(R, N, d)``, server vectors ``(R, d)``, masks ``(R, N)``;
  scalars such as ``k`` or a memory rate must agree), their generators form one
  :class:`~reference_impl.backends.RunStreams`, and the algorithm's own ``step`` advances all R at once
  (bits come back ``(R, N)``). Each run's draws come from its own generator in its own order, so every
  run's trajectory (iterates, messages, bits) is exactly the one :func:`reference_impl.runner.run` gives
  with the same seed, bit for bit (``tests/test_batched.py``, numpy, torch and exact rationals);
* **per run** otherwise (an algorithm not marked, partial participation, a single run of its kind):
  each run keeps its own state and generator and calls the algorithm's ``step``.

The recorded objective of every run is ``F`` at the R iterates as one matrix-matrix product on the real
rows (:meth:`~reference_impl.problems._PaddedDataProblem.losses`) instead of R matrix-vector products.
That product rounds differently from a mat-vec (another BLAS kernel): the recorded losses agree with
separate runs to ~1e-15 relative, not bit for bit.

Why this shape (issue 10's closing note): the algorithm files keep one step per algorithm with the
``(init, step)`` signature; what changed in them is index style only (the worker axis written ``-2``,
``g[..., None, :]`` for ``g[None, :]``, per-run bit totals through ``run_total``) and one decorator line,
so the same line reads as the paper's update for one run and runs R of them. Rejected: a second,
"vectorised" copy of every step (duplicated logic that could drift from the tested one); ``vmap``-style
tracing (not available on numpy or the exact backend); stacking different algorithms or step sizes into one
step (each step closes over its own hyper-parameters; a scalar state field that differs, e.g. a memory
rate, makes :func:`stack_states` refuse); drawing all runs' randomness from one generator (it would
change every trajectory and break the replay of separate runs); and letting a stopped run keep computing
inside the stack (a diverged run's NaN/inf would only cost time and warnings; it is dropped instead).

Each run has the bookkeeping of a single run (:class:`~reference_impl.runner.RunTracker`: its CSV and
sidecar, statuses, resume, the session's records): a run that stops (non-finite, diverged,
``stop_dist``) leaves the batch (and its stack: the stacked state keeps only the other runs, so a
diverged run computes nothing more) and the others go on; Ctrl-C or SIGTERM marks every unfinished run
``interrupted`` (rows kept in ``.partial``); a run whose algorithm raises is ``failed`` and the exception
stops the batch.
"""
from __future__ import annotations

import dataclasses
import multiprocessing
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from reference_impl.algorithms.base import Algorithm, StepInfo
from reference_impl.backends import NUMPY, Backend, RunStreams
from reference_impl.runner import (DIVERGENCE_FACTOR, History, RunTracker, _SESSION, _progress,
                                   _signals_deferred, terminate_as_exception)
from reference_impl.processes import fork_map, in_order
from reference_impl.validation import require_int_in_range


@dataclasses.dataclass
class Job:
    """One run of a batch: the algorithm, its seed, where its rows go, and extra sidecar fields."""

    algorithm: Algorithm
    seed: int
    csv_path: str | Path | None = None
    extra_meta: dict | None = None


class NotStackable(ValueError):
    """The states of some runs cannot share a run axis (a scalar field differs between them)."""


# -- stacked states ---------------------------------------------------------------------------------------
def _is_array(v) -> bool:
    return hasattr(v, "shape") and len(tuple(v.shape)) > 0


def stack_states(xp: Backend, states: Sequence[Any]) -> Any:
    """One state with a leading run axis from R states of the same algorithm (NamedTuples, nested).

    Every array field (backend array or host mask, ndim >= 1) is stacked, so every array of the result
    carries the run axis; every other field (step counter, memory rate, flag, None) must be equal in all
    runs and is kept once (:class:`NotStackable` otherwise).
    """
    first = states[0]
    if _is_array(first):
        if isinstance(first, np.ndarray) and first.dtype != object:
            return np.stack(states)
        return xp.stack(list(states))
    if isinstance(first, tuple):
        if any(type(s) is not type(first) or len(s) != len(first) for s in states):
            raise NotStackable(f"states of different kinds: {sorted({type(s).__name__ for s in states})}")
        fields = [stack_states(xp, [s[i] for s in states]) for i in range(len(first))]
        return type(first)(*fields) if hasattr(first, "_fields") else tuple(fields)
    for s in states[1:]:
        if _is_array(s) or not (s is first or s == first):
            raise NotStackable(f"a state field differs between the runs ({first!r} vs {s!r})")
    return first


def select_runs(state: Any, keep: np.ndarray) -> Any:
    """The stacked ``state`` restricted to the runs ``keep`` (indices along the run axis)."""
    if _is_array(state):
        return state[keep]
    if isinstance(state, tuple):
        fields = [select_runs(v, keep) for v in state]
        return type(state)(*fields) if hasattr(state, "_fields") else tuple(fields)
    return state


def can_stack(algorithm: Algorithm, problem) -> bool:
    """The algorithm's step is marked run-agnostic and the problem takes a run axis."""
    return bool(getattr(algorithm.step, "run_axis", False)) and bool(getattr(problem, "run_axis", False))


class _Stack:
    """R runs of one algorithm advanced as one computation; their trackers keep the bookkeeping."""

    def __init__(self, trackers: list[RunTracker], problem, xp: Backend) -> None:
        self.trackers, self.problem, self.xp = trackers, problem, xp
        self.step = trackers[0].algorithm.step
        self.state = stack_states(xp, [t.state for t in trackers])
        self.rng = RunStreams([t.rng for t in trackers])
        self.cum_up = np.zeros(len(trackers), dtype=np.int64)
        self.cum_down = np.zeros(len(trackers), dtype=np.int64)

    def advance(self) -> None:
        self.state, info = self.step(self.state, self.problem, self.xp, self.rng)
        R = len(self.trackers)
        up = np.broadcast_to(np.asarray(info.uplink_bits, dtype=np.int64), (R, self.problem.N))
        self.up, self.down = up, np.broadcast_to(np.asarray(info.downlink_bits, dtype=np.int64), (R,))
        self.cum_up += up.sum(axis=1)
        self.cum_down += self.down
        self.info = info

    def iterates(self) -> np.ndarray:
        """The R iterates of the last step on the host, (R, d)."""
        return np.asarray(self.xp.to_numpy(self.info.x), dtype=float).reshape(len(self.trackers), -1)

    def hand_over(self) -> None:
        """Give every tracker its own StepInfo and bit totals of the last step (before it records)."""
        info, R, N = self.info, len(self.trackers), self.problem.N
        uploads = np.broadcast_to(np.asarray(info.uploads), (R, N))
        overflow = np.broadcast_to(np.asarray(info.overflow), (R,))
        for r, t in enumerate(self.trackers):
            t.info = StepInfo(x=None, uplink_bits=self.up[r], downlink_bits=int(self.down[r]),
                              uploads=uploads[r], overflow=int(overflow[r]))
            t.cum_up, t.cum_down = int(self.cum_up[r]), int(self.cum_down[r])

    def keep(self, still: set) -> None:
        """Drop the runs that stopped: the stacked state, streams and totals keep the others."""
        keep = np.array([r for r, t in enumerate(self.trackers) if id(t) in still], dtype=np.int64)
        if keep.size == len(self.trackers):
            return
        self.trackers = [self.trackers[r] for r in keep]
        if keep.size:
            self.state, self.rng = select_runs(self.state, keep), self.rng.select(keep)
            self.cum_up, self.cum_down = self.cum_up[keep], self.cum_down[keep]


class _Single:
    """One run advanced by its own step (an algorithm that is not stacked)."""

    def __init__(self, tracker: RunTracker, xp: Backend) -> None:
        self.trackers, self.xp = [tracker], xp

    def advance(self) -> None:
        self.info = self.trackers[0].advance()

    def iterates(self) -> np.ndarray:
        return np.asarray(self.xp.to_numpy(self.info.x), dtype=float).reshape(1, -1)

    def hand_over(self) -> None:
        pass

    def keep(self, still: set) -> None:
        self.trackers = [t for t in self.trackers if id(t) in still]


def _units(trackers: list[RunTracker], problem, xp: Backend, stack: bool) -> list:
    """The trackers grouped into stacks (same algorithm object, stackable, >= 2 runs) and single runs."""
    groups: dict[int, list[RunTracker]] = {}
    for t in trackers:
        groups.setdefault(id(t.algorithm), []).append(t)
    units = []
    for group in groups.values():
        if stack and len(group) > 1 and can_stack(group[0].algorithm, problem):
            try:
                units.append(_Stack(group, problem, xp))
                continue
            except NotStackable:
                pass
        units.extend(_Single(t, xp) for t in group)
    return units


def run_batch(jobs: Sequence[Job], problem, iterations: int, *, xp: Backend = NUMPY, record_every: int = 1,
              progress: bool = False, resume: bool | None = None, stop_dist: float | None = None,
              diverge_factor: float | None = DIVERGENCE_FACTOR, grad_norm: bool = True,
              stack: bool = True, processes: int = 1) -> list[History]:
    """Run every job for ``iterations`` steps on ``problem``, together; the Histories in job order.

    The keyword arguments mean what they mean for :func:`~reference_impl.runner.run` and apply to
    every job. Finished runs found at their ``csv_path`` are reused when resuming (and not stepped).
    Runs are stacked when their jobs hold the *same* Algorithm object (build it once, then one Job per
    seed): two objects built alike are not recognised as one algorithm (their steps close over their own
    parameters). ``stack=False`` advances every run by its own step (the per-run path, e.g. as a baseline).

    ``processes > 1`` (numpy backend): the algorithms are shared out among that many forked processes,
    each advancing its share as above (:func:`_parts`, :func:`_run_in_processes`); every run's
    trajectory is the same.
    """
    require_int_in_range("processes", processes, 1, spec="an integer >= 1")
    parts = _parts(jobs, processes) if processes > 1 and xp is NUMPY else []
    if len(parts) > 1:
        return _run_in_processes(parts, min(processes, len(parts)), jobs, problem, iterations, progress, dict(
            xp=xp, record_every=record_every, resume=resume, stop_dist=stop_dist,
            diverge_factor=diverge_factor, grad_norm=grad_norm, stack=stack))
    return _run_together(jobs, problem, iterations, xp=xp, record_every=record_every, progress=progress,
                         resume=resume, stop_dist=stop_dist, diverge_factor=diverge_factor,
                         grad_norm=grad_norm, stack=stack)


def _run_together(jobs: Sequence[Job], problem, iterations: int, *, xp: Backend, record_every: int,
                  progress, resume, stop_dist, diverge_factor, grad_norm, stack) -> list[History]:
    """:func:`run_batch` in this process (``progress``: a bool, or a bar-like object with ``update``)."""
    trackers = [RunTracker(j.algorithm, problem, iterations, xp=xp, seed=j.seed, csv_path=j.csv_path,
                           stop_dist=stop_dist, record_every=record_every, extra_meta=j.extra_meta,
                           resume=resume, diverge_factor=diverge_factor, grad_norm=grad_norm) for j in jobs]
    active = [t for t in trackers if t.reused is None]
    ctx = _SESSION.get()
    show = (ctx.progress if ctx and ctx.progress is not None else progress)
    bar = progress if hasattr(progress, "update") else \
        _progress(len(active) * (trackers[0].iterations if trackers else 0), f"{len(active)} runs", show)
    losses = getattr(problem, "losses", None)
    try:
        with terminate_as_exception():
            for t in active:
                t.start()
            units = _units(active, problem, xp, stack)
            for k in range(1, (trackers[0].iterations if trackers else 0) + 1):
                if not active:
                    break
                for u in units:
                    u.advance()
                if not active[0].records_at(k):
                    continue
                for u in units:
                    u.hand_over()
                X = np.concatenate([u.iterates() for u in units])
                F = losses(X) if losses is not None else np.array([float(problem.loss(NUMPY, x)) for x in X])
                ordered = [t for u in units for t in u.trackers]
                still = []
                for t, x, f in zip(ordered, X, F):
                    before = t.last_k
                    if t.record(k, x, float(f) - t.f_star):
                        still.append(t)
                    else:
                        bar.update(t.iterations - k)
                    bar.update(k - before)
                kept = {id(t) for t in still}
                for t in ordered:
                    if id(t) not in kept:
                        with _signals_deferred():
                            t.close()
                for u in units:
                    u.keep(kept)
                units = [u for u in units if u.trackers]
                active = [t for t in active if id(t) in kept]
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


# -- processes ----------------------------------------------------------------------------------------------
def _parts(jobs: Sequence[Job], processes: int) -> list[list[int]]:
    """The job indices as tasks for ``processes`` processes: one task per algorithm (its runs stay one
    stack), the largest first; while there are fewer tasks than processes, the largest task is halved
    (a half stack computes the same runs). A free process takes the next task, which balances
    algorithms of unequal cost."""
    groups: dict[int, list[int]] = {}
    for i, job in enumerate(jobs):
        groups.setdefault(id(job.algorithm), []).append(i)
    tasks = sorted(groups.values(), key=len, reverse=True)
    while len(tasks) < processes and len(tasks[0]) > 1:
        big = tasks.pop(0)
        tasks = sorted(tasks + [big[: len(big) // 2], big[len(big) // 2:]], key=len, reverse=True)
    return tasks


class _SharedBar:
    """What a forked part reports its progress to: a counter in shared memory the parent's bar reads."""

    def __init__(self, counter) -> None:
        self.counter = counter

    def update(self, n: int = 1) -> None:
        with self.counter.get_lock():
            self.counter.value += int(n)

    def close(self) -> None:
        pass


def _run_in_processes(parts, processes, jobs, problem, iterations, progress, options) -> list[History]:
    """The parts as tasks of ``processes`` forked processes (:func:`~reference_impl.processes.fork_map`:
    the algorithms, problem and session are inherited, not pickled, and the runs' session records come
    back); Histories come back in job order, and the parts' progress shows on one bar."""
    counter = multiprocessing.get_context("fork").Value("q", 0)
    ctx = _SESSION.get()
    show = ctx.progress if ctx and ctx.progress is not None else progress
    bar = _progress(len(jobs) * int(iterations), f"{len(jobs)} runs in {processes} processes", show)

    def part_runs(part):
        return _run_together([jobs[i] for i in part], problem, iterations, progress=_SharedBar(counter), **options)

    try:
        done = fork_map(part_runs, parts, processes, poll=lambda: bar.update(counter.value - getattr(bar, "n", 0)))
    finally:
        bar.close()
    return in_order(parts, done, len(jobs))
