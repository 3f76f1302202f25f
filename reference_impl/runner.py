"""Run an algorithm on a problem and record, per iteration, what the papers plot.

Per iteration k (after the step): ``loss - f*``, ``||x - x*||``, ``||grad f(x)||`` (NaN with
``grad_norm=False``: a full gradient per record that no figure of 004 needs), uplink bits (sum over
workers), downlink bits, uploads, overflow (messages outside a theory radius), cumulative bits. Only
every ``record_every``-th iteration (and the last) is evaluated and written. One run's bookkeeping is a
:class:`RunTracker`; :func:`run` drives one, :func:`reference_impl.batched.run_batch` many in lockstep.

Seeds are derived from names (:func:`seed_from_names`), never from call order.

Files and statuses
------------------
``run(..., csv_path=P)`` writes two files, so that an unfinished run can never be mistaken for a
finished one:

* the rows go to a temporary file ``P.<pid>.part`` in the same folder (flushed after every record),
  renamed to ``P`` only when the run has ended: completed, diverged or non-finite. No partial CSV
  ever sits under the final name (an old ``P`` is removed when a new run of it starts);
* the JSON sidecar ``P.json`` (written atomically: temporary file + rename) holds the seed,
  parameters, commit, device, wall time, ``completed_iterations`` and ``status``.

The statuses::

  ``running``      the run is in progress (or its process was killed with SIGKILL: the sidecar
                   names the ``.part`` file and the pid);
  ``completed``    all ``iterations`` steps ran, or ``||x - x*|| <= stop_dist`` was reached
                   (``stop_reason`` says which);
  ``diverged``     the iterate is finite but ``||x_k - x*|| > diverge_factor * ||x_0 - x*||``
                   (default :data:`DIVERGENCE_FACTOR` = 1e100: a hundred orders of magnitude, which
                   no converging run shows, and the loss ~ distance^2 is then a few orders below
                   float64 overflow; ``||x_0 - x*||`` replaced by 1 when it is 0): the run is stopped
                   there with a :class:`DivergedWarning`. A run that grows less is not stopped: the
                   figures show such runs on purpose (004's "first attempts" grow by 1e57) and its
                   rows say what happened;
  ``non-finite``   a recorded iterate, loss gap or gradient norm is NaN or infinite: the run is
                   stopped there with a :class:`NonFiniteWarning` (checked at every recorded
                   iteration, i.e. every ``record_every`` steps and at the last);
  ``interrupted``  Ctrl-C (SIGINT) or SIGTERM arrived: the rows so far are kept in ``P.partial``,
                   the sidecar has ``completed_iterations`` and ``signal``; the exception is
                   re-raised so the process stops (SIGTERM arrives as :class:`Terminated`);
  ``failed``       the algorithm raised: ``error`` holds the message, rows kept in ``P.partial``.


Diverged and non-finite runs are *results* (their rows are final, the CSV gets its final name);
interrupted and failed runs are not.

While a run is active in the main thread, SIGTERM is turned into a :class:`Terminated` exception
(the previous handler is restored afterwards), so ``kill PID`` leaves status ``interrupted``.

Resuming
--------
``run(..., resume=True)`` (or any run inside ``with session(resume=True):``) first looks at
``P.json``: when it says the run finished (completed / diverged / non-finite) with the same commit,
the same parameters (algorithm, its parameters, problem name and a digest of ``x*, f*, L, mu``,
iterations, seed, backend, record_every, stop_dist, diverge_factor, extra_meta) and the CSV's
SHA-256 still matches, the History is loaded from ``P`` instead of recomputed
(``meta["reused"] = True``). Otherwise the run is recomputed. A figure's code need not change to be
resumable: :func:`reproductions.figures.run_figure` opens a :func:`session` around it, and every
``run`` / ``run_many`` call with a ``csv_path`` / ``out_dir`` inside takes part (new call sites
should simply keep passing ``csv_path``). :func:`session` also collects one record per run
(path, status, reused) for the figure's summary, and can switch the progress bars on or off for
every run inside it. Files a figure writes itself (tables, curves) should go through
:func:`atomic_write` (temporary file renamed at the end), like the runs' CSVs.
"""
from __future__ import annotations

import contextlib
import contextvars
import csv
import dataclasses
import hashlib
import json
import math
import numbers
import os
import platform
import signal
import subprocess
import threading
import time
import warnings
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

from reference_impl.algorithms.base import Algorithm
from reference_impl.backends import NUMPY, Backend

COLUMNS = ("k", "loss_gap", "dist", "grad_norm", "uplink_bits", "downlink_bits", "uploads", "overflow",
           "cum_uplink_bits", "cum_downlink_bits")
_FLOAT_COLUMNS = frozenset({"loss_gap", "dist", "grad_norm"})

RUNNING, COMPLETED, INTERRUPTED, DIVERGED, NON_FINITE, FAILED = (
    "running", "completed", "interrupted", "diverged", "non-finite", "failed")
#: The statuses of a run that ended by itself: its rows are final and may be reused by a resume.
FINISHED = (COMPLETED, DIVERGED, NON_FINITE)
#: Default ``diverge_factor``: a finite iterate this many times farther from x* than x_0 is "diverged".
DIVERGENCE_FACTOR = 1e100
#: The largest seed accepted (numpy's generators take any non-negative integer; we keep 64 bits).
SEED_LIMIT = 2**64


class Terminated(BaseException):
    """SIGTERM (or another terminating signal) arrived while a run was active.

    A ``BaseException`` like ``KeyboardInterrupt``, so that ``except Exception`` does not swallow it.
    """

    def __init__(self, signum: int = signal.SIGTERM):
        super().__init__(f"terminated by {signal.Signals(signum).name}")
        self.signum = signum


class RunStoppedWarning(RuntimeWarning):
    """A run stopped before its last iteration for a numerical reason."""


class NonFiniteWarning(RunStoppedWarning):
    """A recorded iterate, loss gap or gradient norm was NaN or infinite; the run was stopped."""


class DivergedWarning(RunStoppedWarning):
    """The iterate stayed finite but moved ``diverge_factor`` times farther from x* than x_0."""


def seed_from_names(*names: Any) -> int:
    """A 63-bit seed from the names of the components (algorithm, problem, repetition, ...)."""
    digest = hashlib.sha256("/".join(str(n) for n in names).encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parent, timeout=10)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def device_description(xp: Backend) -> str:
    desc = f"{xp.name} on {platform.machine()} ({os.cpu_count()} cores)"
    if xp.name == "torch-cuda":
        import torch

        desc += f", {torch.cuda.get_device_name(0)}"
    return desc


class History(dict):
    """Column name -> numpy array, plus ``meta`` (seed, parameters, wall time, status, ...)."""

    meta: dict

    def first_k(self, column: str, threshold: float) -> int | None:
        """The first iteration k at which ``column <= threshold`` (None if never)."""
        hits = np.flatnonzero(self[column] <= threshold)
        return int(self["k"][hits[0]]) if hits.size else None

    @property
    def status(self) -> str:
        return self.meta.get("status", "unknown")


# ---------------------------------------------------------------------------------------------
# Sessions: resume, progress and the list of runs, for everything run inside a figure
# ---------------------------------------------------------------------------------------------
@dataclasses.dataclass
class RunSession:
    """Settings shared by every :func:`run` inside ``with session(...)``, and what those runs did."""

    resume: bool = False
    progress: bool | None = None      # None: each call's own ``progress`` argument decides
    commit: str | None = None         # recorded for every run inside (None: ``git_commit()`` per run)
    records: list = dataclasses.field(default_factory=list)

    @property
    def reused(self) -> int:
        return sum(1 for r in self.records if r["reused"])


_SESSION: contextvars.ContextVar[RunSession | None] = contextvars.ContextVar("runner_session", default=None)


@contextlib.contextmanager
def session(resume: bool = False, progress: bool | None = None, commit: str | None = None) -> Iterator[RunSession]:
    """Every :func:`run` inside resumes (when ``resume``) and shows bars as ``progress`` says
    (``None``: as each call asks). ``commit``: the commit recorded for (and compared by) every run
    inside, e.g. the one the figure started at: modules are imported once, so a commit made while
    a long figure runs does not change the code that runs it. The yielded :class:`RunSession`
    lists the runs (``records``)."""
    s = RunSession(resume=bool(resume), progress=progress, commit=commit)
    token = _SESSION.set(s)
    try:
        yield s
    finally:
        _SESSION.reset(token)


@contextlib.contextmanager
def terminate_as_exception(signals: tuple[int, ...] = (signal.SIGTERM,)) -> Iterator[None]:
    """Turn the given signals into :class:`Terminated` inside the block (main thread only; the
    previous handlers are restored on exit; nesting is fine). SIGINT already raises
    ``KeyboardInterrupt`` under Python's default handler and is left alone."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise Terminated(signum)

    previous = {}
    for sig in signals:
        try:
            previous[sig] = signal.signal(sig, handler)
        except (ValueError, OSError):  # pragma: no cover - not settable here
            pass
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Block SIGINT/SIGTERM while the final files are written (they are delivered right after)."""
    sigs = {signal.SIGINT, signal.SIGTERM}
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, sigs)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


# ---------------------------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------------------------
def _positive_int(name: str, value: Any) -> int:
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not ok and isinstance(value, float) and math.isfinite(value) and value.is_integer():
        ok, value = True, int(value)
    if not ok or int(value) < 1:
        raise ValueError(f"{name} must be a positive integer (1, 2, ...), got {value!r}")
    return int(value)


def _check_seed(seed: Any) -> int:
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or not 0 <= int(seed) < SEED_LIMIT:
        raise ValueError(f"seed must be an integer in [0, 2**64) or None (derived from the names), got {seed!r}")
    return int(seed)


def _nonneg_finite(name: str, value: Any, allow_none: bool = True) -> float | None:
    if value is None and allow_none:
        return None
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        v = math.nan
    if isinstance(value, bool) or not math.isfinite(v) or v < 0:
        raise ValueError(f"{name} must be a finite number >= 0{' or None' if allow_none else ''}, got {value!r}")
    return v


def _positive_finite(name: str, value: Any) -> float | None:
    if value is None:
        return None
    v = _nonneg_finite(name, value)
    if v == 0:
        raise ValueError(f"{name} must be a finite number > 0 or None (no divergence test), got {value!r}")
    return v


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------
def run(algorithm: Algorithm, problem, iterations: int, *, xp: Backend = NUMPY, seed: int | None = None,
        csv_path: str | Path | None = None, progress: bool = False, stop_dist: float | None = None,
        record_every: int = 1, extra_meta: dict | None = None, resume: bool | None = None,
        diverge_factor: float | None = DIVERGENCE_FACTOR, grad_norm: bool = True) -> History:
    """Run ``iterations`` steps (or until ``||x - x*|| <= stop_dist``) and return the History.

    ``seed`` defaults to :func:`seed_from_names` of the algorithm and problem names. ``csv_path``:
    where the rows and the sidecar go (see the module docstring for the files and statuses).
    ``resume`` (default: the enclosing :func:`session`'s, else False) reuses a finished run recorded
    at ``csv_path`` with the same commit, parameters and seed. ``diverge_factor``: see "diverged"
    above (None: no divergence test). ``grad_norm=False`` skips ``||grad f(x)||`` (recorded as NaN):
    for figures that do not plot it. The returned History's ``meta["status"]`` is the run's status.
    Many runs on one problem advance together with :func:`reference_impl.batched.run_batch` (the same
    bookkeeping, :class:`RunTracker`, one matrix product for their recorded losses).
    """
    ctx = _SESSION.get()
    r = RunTracker(algorithm, problem, iterations, xp=xp, seed=seed, csv_path=csv_path, stop_dist=stop_dist,
                   record_every=record_every, extra_meta=extra_meta, resume=resume,
                   diverge_factor=diverge_factor, grad_norm=grad_norm)
    if r.reused is not None:
        return r.reused
    show = (ctx.progress if ctx and ctx.progress is not None else progress)
    bar = _progress(r.iterations, r.label, show)
    try:
        with terminate_as_exception():
            r.start()
            for k in range(1, r.iterations + 1):
                info = r.advance()
                if not r.records_at(k):
                    continue
                x = np.asarray(xp.to_numpy(info.x), dtype=float)
                before = r.last_k
                if not r.record(k, x, float(problem.loss(NUMPY, x)) - r.f_star):
                    break
                bar.update(k - before)
    except BaseException as exc:
        r.fail(exc)
        raise
    finally:
        with _signals_deferred():       # a second Ctrl-C / SIGTERM waits until the files are written
            bar.close()
            r.close()
    return r.history()


class RunTracker:
    """The bookkeeping of one run: its meta (seed, parameters, commit, key), its rows (CSV + sidecar
    through :class:`_Recorder`), cumulative bits, explicit state and random generator, and its
    status with the checks of the module docstring. :func:`run` drives one; ``run_batch`` many."""

    def __init__(self, algorithm: Algorithm, problem, iterations: int, *, xp: Backend = NUMPY,
                 seed: int | None = None, csv_path=None, stop_dist=None, record_every: int = 1,
                 extra_meta: dict | None = None, resume: bool | None = None,
                 diverge_factor: float | None = DIVERGENCE_FACTOR, grad_norm: bool = True) -> None:
        self.iterations = _positive_int("iterations", iterations)
        self.record_every = _positive_int("record_every", record_every)
        self.stop_dist = _nonneg_finite("stop_dist", stop_dist)
        self.diverge_factor = _positive_finite("diverge_factor", diverge_factor)
        if not isinstance(grad_norm, bool):
            raise ValueError(f"grad_norm must be True or False, got {grad_norm!r}")
        self.ctx = ctx = _SESSION.get()
        seed = seed_from_names(algorithm.name, problem.name) if seed is None else _check_seed(seed)
        resume = (ctx.resume if ctx else False) if resume is None else bool(resume)
        self.algorithm, self.problem, self.xp, self.seed = algorithm, problem, xp, seed
        self.csv_path, self.grad_norm = csv_path, grad_norm
        self.x_star, self.f_star = np.asarray(problem.x_star, dtype=float), float(problem.f_star)
        meta = dict(algorithm=algorithm.name, params={k: _jsonable(v) for k, v in algorithm.params.items()},
                    problem=problem.name, N=problem.N, d=problem.d, L=float(problem.L), mu=float(problem.mu),
                    iterations=self.iterations, seed=seed, backend=xp.name, device=device_description(xp),
                    commit=(ctx.commit if ctx and ctx.commit else git_commit()), record_every=self.record_every,
                    stop_dist=self.stop_dist, diverge_factor=self.diverge_factor,
                    **({} if grad_norm else dict(grad_norm=False)), **_jsonable_dict(extra_meta or {}))
        meta["problem_digest"] = _problem_digest(self.x_star, self.f_star, problem)
        meta["run_key"] = _run_key(meta)
        self.meta = meta
        self.label = str(meta.get("label") or (Path(csv_path).stem if csv_path else algorithm.name))
        self.reused = None
        if csv_path is not None and resume:
            self.reused = _reuse(Path(csv_path), meta)
            if self.reused is not None:
                _log(ctx, csv_path, self.reused.meta, reused=True)
        self.rec = None
        self.status, self.stop_reason = COMPLETED, "iterations"
        self.cum_up = self.cum_down = 0
        self.done = False

    @property
    def rows(self):
        return self.rec.rows

    @property
    def last_k(self) -> int:
        return self.rec.rows[-1][0] if self.rec and self.rec.rows else 0

    def start(self) -> None:
        """Open the files, draw nothing yet: the generator, the divergence limit and the initial state."""
        self.rec = _Recorder(self.csv_path, self.meta)
        self.t0 = time.perf_counter()
        self.rng = np.random.default_rng(self.seed)
        self.limit = None
        if self.diverge_factor is not None:
            try:
                r0 = float(np.linalg.norm(np.asarray(self.problem.x0(NUMPY), dtype=float) - self.x_star))
            except Exception:  # a problem without x0: the first record's distance
                r0 = None
            self.limit = (None if r0 is None or not math.isfinite(r0)
                          else self.diverge_factor * (r0 if r0 > 0 else 1.0))
        self.state = self.algorithm.init(self.problem, self.xp)

    def advance(self):
        """One step of the algorithm; returns its StepInfo (bits summed into the totals)."""
        self.state, info = self.algorithm.step(self.state, self.problem, self.xp, self.rng)
        self.info = info
        self.cum_up += int(np.sum(info.uplink_bits))
        self.cum_down += int(info.downlink_bits)
        return info

    def records_at(self, k: int) -> bool:
        return k % self.record_every == 0 or k == self.iterations

    def record(self, k: int, x: np.ndarray, loss_gap: float) -> bool:
        """Write the row of iteration k (``x``: the iterate on the host) and judge it; False: the run
        stops here (non-finite, diverged, or ``stop_dist`` reached)."""
        info, name, where = self.info, self.algorithm.name, self.problem.name
        dist = float(np.linalg.norm(x - self.x_star))
        gnorm = float(np.linalg.norm(self.problem.grad(NUMPY, x))) if self.grad_norm else math.nan
        row = (k, float(loss_gap), dist, gnorm, int(np.sum(info.uplink_bits)), int(info.downlink_bits),
               int(np.sum(info.uploads)), int(info.overflow), self.cum_up, self.cum_down)
        self.rec.write(row)
        path = f" ({self.csv_path})" if self.csv_path else ""
        # x* is finite, so a finite distance means a finite iterate
        if not (math.isfinite(dist) and math.isfinite(row[1]) and (math.isfinite(gnorm) or not self.grad_norm)):
            self.status, self.stop_reason = NON_FINITE, "non-finite"
            warnings.warn(f"{name} on {where}: non-finite value at iteration {k} (loss gap {row[1]}, "
                          f"||x - x*|| {dist}, ||grad|| {gnorm}); run stopped, status non-finite{path}",
                          NonFiniteWarning, stacklevel=3)
            return False
        if self.limit is None and self.diverge_factor is not None:
            self.limit = self.diverge_factor * (dist if dist > 0 else 1.0)
        elif self.limit is not None and dist > self.limit:
            self.status, self.stop_reason = DIVERGED, "diverged"
            warnings.warn(f"{name} on {where}: diverged at iteration {k} (||x - x*|| = {dist:.3g} > "
                          f"{self.diverge_factor:g} ||x_0 - x*||); run stopped, status diverged{path}",
                          DivergedWarning, stacklevel=3)
            return False
        if self.stop_dist is not None and dist <= self.stop_dist:
            self.stop_reason = "stop_dist"
            return False
        return True

    def fail(self, exc: BaseException) -> None:
        """The status of a run that an exception stopped (interrupted by a signal, or failed)."""
        if isinstance(exc, KeyboardInterrupt):
            self.status, self.stop_reason = INTERRUPTED, "SIGINT"
        elif isinstance(exc, Terminated):
            self.status, self.stop_reason = INTERRUPTED, signal.Signals(exc.signum).name
        else:
            self.status, self.stop_reason = FAILED, f"{type(exc).__name__}: {exc}"

    def close(self) -> None:
        """Final files (CSV renamed, sidecar) and the session's record; once."""
        if self.done or self.rec is None:
            return
        self.done = True
        meta = self.meta
        meta["wall_time_s"] = time.perf_counter() - self.t0 if hasattr(self, "t0") else 0.0
        meta["completed_iterations"] = self.last_k
        meta["status"] = self.status
        meta["stop_reason"] = self.stop_reason
        if self.status == INTERRUPTED:
            meta["signal"] = self.stop_reason
        if self.status == FAILED:
            meta["error"] = self.stop_reason
        self.rec.close(meta)
        _log(self.ctx, self.csv_path, meta, reused=False)

    def history(self) -> History:
        return self.reused if self.reused is not None else _history(self.rec.rows, self.meta)


def _history(rows, meta) -> History:
    hist = History({name: np.array([r[i] for r in rows], dtype=float if name in _FLOAT_COLUMNS else np.int64)
                    for i, name in enumerate(COLUMNS)})
    hist.meta = meta
    return hist


def _log(ctx, csv_path, meta, reused: bool) -> None:
    if ctx is not None:
        ctx.records.append(dict(csv=str(csv_path) if csv_path else None, status=meta.get("status"),
                                completed_iterations=meta.get("completed_iterations"),
                                iterations=meta.get("iterations"), reused=reused,
                                label=meta.get("label"), algorithm=meta.get("algorithm")))


class _Recorder:
    """The rows in memory and, with a path, in ``P.<pid>.part`` (renamed at the end) + sidecar."""

    def __init__(self, path, meta):
        self.rows: list[tuple] = []
        self.path = Path(path) if path is not None else None
        self.handle = self.writer = None
        if self.path is None:
            return
        p = self.path
        p.parent.mkdir(parents=True, exist_ok=True)
        self.part = p.with_name(f"{p.name}.{os.getpid()}.part")
        _cleanup_previous(p)
        _atomic_write_json(sidecar_path(p), {**meta, "status": RUNNING, "pid": os.getpid(),
                                             "partial_csv": self.part.name})
        self.handle = self.part.open("w", newline="")
        self.writer = csv.writer(self.handle)
        self.writer.writerow(COLUMNS)
        self.handle.flush()

    def write(self, row):
        self.rows.append(row)
        if self.writer:
            self.writer.writerow(row)
            self.handle.flush()

    def close(self, meta):
        if self.handle is None:
            return
        with _signals_deferred():
            self.handle.close()
            p = self.path
            if meta["status"] in FINISHED:
                meta["csv_sha256"] = _sha256(self.part)
                os.replace(self.part, p)
            else:
                partial = p.with_name(p.name + ".partial")
                os.replace(self.part, partial)
                meta["partial_csv"] = partial.name
            _atomic_write_json(sidecar_path(p), meta)


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", **open_kwargs) -> Iterator[Any]:
    """``open(path, mode)`` for results written outside :func:`run` (tables, curves): the data goes
    to ``<path>.<pid>.part`` and is renamed to ``path`` only when the block ends normally (the
    temporary file is removed otherwise), so a partial file never sits under the final name."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.part")
    try:
        with tmp.open(mode, **open_kwargs) as fh:
            yield fh
        with _signals_deferred():
            os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def sidecar_path(csv_path: str | Path) -> Path:
    """The JSON sidecar of a run's CSV: ``<csv>.json``."""
    return Path(str(csv_path) + ".json")


def _cleanup_previous(p: Path) -> None:
    """Before a new run at ``p``: remove the old final CSV, an old ``.partial`` and the ``.part`` of
    an earlier process that is no longer alive."""
    for old in (p, p.with_name(p.name + ".partial")):
        with contextlib.suppress(FileNotFoundError):
            old.unlink()
    try:
        old_meta = json.loads(sidecar_path(p).read_text())
    except (OSError, ValueError):
        return
    pid, part = old_meta.get("pid"), old_meta.get("partial_csv")
    if old_meta.get("status") == RUNNING and part and pid and not _pid_alive(int(pid)):
        with contextlib.suppress(FileNotFoundError):
            (p.parent / Path(part).name).unlink()


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _atomic_write_json(path: Path, obj) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(obj, indent=2, default=_json_default))
    os.replace(tmp, path)


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Resume: reuse a finished run
# ---------------------------------------------------------------------------------------------
_KEY_FIELDS = ("algorithm", "params", "problem", "problem_digest", "N", "d", "L", "mu", "iterations", "seed",
               "backend", "record_every", "stop_dist", "diverge_factor", "grad_norm")


def _run_key(meta: dict) -> str:
    """A digest of everything that determines a run's rows (the commit is compared separately)."""
    keyed = {k: meta.get(k) for k in _KEY_FIELDS}
    fixed = set(_KEY_FIELDS) | {"device", "commit", "problem_digest", "run_key"}
    keyed["extra_meta"] = {k: v for k, v in meta.items() if k not in fixed}
    text = json.dumps(keyed, sort_keys=True, default=_json_default)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _problem_digest(x_star, f_star, problem) -> str:
    h = hashlib.sha256(np.ascontiguousarray(x_star, dtype=np.float64).tobytes())
    h.update(repr((float(f_star), float(problem.L), float(problem.mu), problem.N, problem.d)).encode())
    return h.hexdigest()[:16]


def reusable(csv_path: str | Path, meta: dict) -> str | None:
    """Why the run recorded at ``csv_path`` cannot stand for the run described by ``meta`` (None: it can)."""
    p = Path(csv_path)
    try:
        old = json.loads(sidecar_path(p).read_text())
    except FileNotFoundError:
        return "no sidecar"
    except (OSError, ValueError) as exc:
        return f"unreadable sidecar ({exc})"
    if old.get("status") not in FINISHED:
        return f"status {old.get('status', 'missing')}"
    if meta.get("commit") in (None, "unknown") or old.get("commit") != meta.get("commit"):
        return f"commit {old.get('commit')} != {meta.get('commit')}"
    if old.get("run_key") != meta.get("run_key"):
        return "parameters or seed differ"
    if not p.is_file() or old.get("csv_sha256") != _sha256(p):
        return "CSV missing or changed"
    return None


def _reuse(p: Path, meta: dict) -> History | None:
    if reusable(p, meta) is not None:
        return None
    old = json.loads(sidecar_path(p).read_text())
    hist = load_csv(p)
    if len(hist["k"]) == 0 or int(hist["k"][-1]) != old.get("completed_iterations"):
        return None
    hist.meta = {**old, "reused": True}
    return hist


def load_csv(path: str | Path) -> History:
    """A run's CSV back as a History (exact: floats are written with ``repr``); ``meta`` from the
    sidecar when there is one."""
    p = Path(path)
    with p.open(newline="") as fh:
        reader = csv.reader(fh)
        header = tuple(next(reader, ()))
        if header != COLUMNS:
            raise ValueError(f"{p}: not a runner CSV (header {header!r}, expected {COLUMNS!r})")
        rows = []
        for line in reader:
            if len(line) != len(COLUMNS):
                raise ValueError(f"{p}: row {len(rows) + 1} has {len(line)} fields, expected {len(COLUMNS)}")
            rows.append(tuple(float(v) if c in _FLOAT_COLUMNS else int(v) for c, v in zip(COLUMNS, line)))
    try:
        meta = json.loads(sidecar_path(p).read_text())
    except (OSError, ValueError):
        meta = {}
    return _history(rows, meta)


# ---------------------------------------------------------------------------------------------
class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _progress(total: int, name: str, enabled: bool):
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc=name, unit="it", leave=False)


def _jsonable(v):
    if isinstance(v, (int, float, str, bool)) or v is None:
        return v
    try:
        return float(v)
    except (TypeError, ValueError):
        return str(v)


def _jsonable_dict(d: dict) -> dict:
    return json.loads(json.dumps(d, default=_json_default))


def _json_default(obj):
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (np.floating, np.integer, np.bool_)):
        return obj.item()
    return str(obj)


def run_many(runs: Iterable[tuple[str, Algorithm, Any, int]], out_dir: str | Path | None = None,
             **kwargs) -> dict[str, History]:
    """Run several (label, algorithm, problem, iterations) and write ``<label>.csv`` per run.

    Keyword arguments go to :func:`run` (``resume=True`` reuses the finished ones)."""
    out = {}
    for label, algorithm, problem, iterations in runs:
        path = Path(out_dir) / f"{label}.csv" if out_dir else None
        out[label] = run(algorithm, problem, iterations, csv_path=path, **kwargs)
    return out
