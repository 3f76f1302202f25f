"""The figure registry: every reproduced table/figure, its notebook, and how to regenerate it.

``repro list`` prints the ids; ``repro run ID [--full] [--resume] [--out DIR]`` calls
:func:`run_figure`, which runs the experiment and writes ``summary.json`` (with status, device,
commit, seed policy and wall time) plus the per-run CSVs into
``reproductions/results/<quick|full>/<ID>/`` (or ``DIR``), then :func:`plot_figure` draws the figure
(``figure.png`` and ``figure.svg``) beside them.

What a results folder promises
------------------------------
* ``summary.json`` exists only for a figure run that ended, and says how: ``meta.status`` is
  ``completed``, ``interrupted`` (Ctrl-C / SIGTERM; ``results`` is null) or ``failed`` (an error;
  ``meta.error``). The previous ``summary.json`` is removed *before* a rerun starts, so an old
  summary never sits beside new partial CSVs; the new one is written atomically at the end. Read it
  with :func:`load_summary`, which refuses anything but a completed one.
* One run of a figure at a time per folder: :func:`results_lock` takes an exclusive ``fcntl.flock``
  on ``<folder>/.repro.lock`` (holding the holder's pid); a second run exits with
  :class:`ResultsLocked` naming the folder and that pid.
* Each run's CSV and sidecar follow :mod:`reference_impl.runner` (temporary file renamed at the end,
  explicit status). ``run_figure(..., resume=True)`` reuses every run whose sidecar says finished with
  the same commit, parameters and seed and recomputes the rest, so a killed run resumed ends with the
  same ``results`` as an uninterrupted one (only wall times differ). Figure code needs nothing
  special for this: its ``reference_impl.runner.run`` calls with a ``csv_path`` in the results folder
  take part (computations that do not go through the runner are simply recomputed).
"""
from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import functools
import json
import os
import platform
import re
import time
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from reference_impl.runner import (COLUMNS, FINISHED, Terminated, _signals_deferred, git_commit, load_csv,
                                   session, terminate_as_exception)

RESULTS = Path(__file__).resolve().parent / "results"
NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
SUMMARY = "summary.json"
LOCK = ".repro.lock"
#: Statuses of a figure run (``summary.json``'s ``meta.status``).
COMPLETED, INTERRUPTED, FAILED = "completed", "interrupted", "failed"


@dataclasses.dataclass(frozen=True)
class Figure:
    id: str
    paper: str
    title: str
    notebook: str
    run: Callable[[bool, Path], dict]
    #: ``plot(summary_or_results_dir, out_dir) -> list of written paths`` (None: :func:`plot_loss_curves`).
    plot: Callable[[Path, Path], list] | None = None


class FigureInputError(ValueError):
    """Bad input to ``repro run`` or an unusable results folder (the CLI exits with 2)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownFigure(FigureInputError, KeyError):
    """No figure with that id."""


class ResultsLocked(FigureInputError):
    """Another process is running a figure into the same results folder."""


class DataUnavailable(FigureInputError):
    """A data file the figure needs is missing, corrupt or malformed (one-line message)."""


# One module per work defines ``FIGURES`` (a list of Figure); add a work by adding its module here.
FIGURE_MODULES = ("reproductions.iade", "reproductions.neolithic", "reproductions.compams", "reproductions.lena",
                  "reproductions.mcm", "reproductions.deep")


@functools.lru_cache(maxsize=None)
def all_figures() -> dict[str, Figure]:
    """Every registered figure, id -> Figure (imports the per-work modules on first call)."""
    import importlib
    import importlib.util

    figures: dict[str, Figure] = {}
    for name in FIGURE_MODULES:
        if importlib.util.find_spec(name) is None:  # a work not implemented yet
            continue
        for fig in importlib.import_module(name).FIGURES:
            if fig.id in figures:
                raise ValueError(f"figure id {fig.id} defined twice")
            figures[fig.id] = fig
    return figures


def get_figure(figure: str | Figure) -> Figure:
    if isinstance(figure, Figure):
        return figure
    figures = all_figures()
    if figure not in figures:
        raise UnknownFigure(f"unknown figure {figure!r}; allowed: {', '.join(figures)} (`repro list` describes them)")
    return figures[figure]


def results_dir(figure: str | Figure, full: bool = False, out_root: Path | None = None,
                out_dir: str | Path | None = None) -> Path:
    """Where :func:`run_figure` writes: ``out_dir`` if given, else ``<out_root>/<quick|full>/<id>``."""
    fig_id = figure.id if isinstance(figure, Figure) else figure
    if out_dir is not None:
        return Path(out_dir)
    return Path(out_root or RESULTS) / ("full" if full else "quick") / fig_id


# ---------------------------------------------------------------------------------------------
# The lock
# ---------------------------------------------------------------------------------------------
@contextlib.contextmanager
def results_lock(folder: Path) -> Iterator[Path]:
    """Exclusive ``flock`` on ``folder/.repro.lock`` for the block (non-blocking: raises
    :class:`ResultsLocked` naming the folder and the holder's pid). The lock file is removed on
    release; a lock left by a killed process is free (the kernel drops it with the process)."""
    path = Path(folder) / LOCK
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise ResultsLocked(f"results folder {folder} is in use by another run (pid {holder}, lock file {path}); "
                                f"wait for it to finish or stop it, or write elsewhere with --out DIR") from None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino   # not unlinked by a releasing holder meanwhile
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)
    data = f"{os.getpid()}\n".encode()
    os.pwrite(fd, data, 0)
    os.ftruncate(fd, len(data))
    try:
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        os.close(fd)


# ---------------------------------------------------------------------------------------------
# Running a figure
# ---------------------------------------------------------------------------------------------
def run_figure(figure_id: str | Figure, full: bool = False, out_root: Path | None = None, *,
               out_dir: str | Path | None = None, resume: bool = False, progress: bool | None = None) -> Path:
    """Regenerate one figure's results; returns the path of its summary.json (status completed).

    ``out_dir``: the results folder itself (default ``<out_root or RESULTS>/<quick|full>/<id>``).
    ``resume``: reuse the runs that finished with the same commit, parameters and seed.
    ``progress``: progress bars for every run (None: as the figure's code asks).
    Interrupted (KeyboardInterrupt, or SIGTERM turned into :class:`~reference_impl.runner.Terminated`)
    or failed, it writes a summary with that status and re-raises; a missing or corrupt data file is
    re-raised as :class:`DataUnavailable`.
    """
    from reference_impl.data import DataFileCorrupt, DataFileMissing, DataFormatError

    fig = get_figure(figure_id)
    out = results_dir(fig, full, out_root, out_dir)
    if out.exists() and not out.is_dir():
        raise FigureInputError(f"results folder {out} exists and is not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FigureInputError(f"cannot create the results folder {out}: {exc.strerror or exc}") from None
    path = out / SUMMARY
    with results_lock(out):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()        # never an old summary beside new partial results
        meta = dict(figure=fig.id, mode="full" if full else "quick", commit=git_commit(),
                    device=f"{platform.machine()} CPU ({platform.processor() or 'unknown'})",
                    seeds="derived from component names (reference_impl.runner.seed_from_names)",
                    resume=bool(resume), pid=os.getpid())
        start = time.perf_counter()
        with session(resume=resume, progress=progress, commit=meta["commit"]) as runs, terminate_as_exception():
            try:
                results = fig.run(full, out)
            except (KeyboardInterrupt, Terminated) as exc:
                sig = "SIGINT" if isinstance(exc, KeyboardInterrupt) else str(exc).rsplit(" ", 1)[-1]
                _write_summary(path, dict(meta, status=INTERRUPTED, signal=sig), None, runs.records, out, start)
                raise
            except (DataFileMissing, DataFileCorrupt, DataFormatError) as exc:
                message = _one_line(str(exc))
                _write_summary(path, dict(meta, status=FAILED, error=message), None, runs.records, out, start)
                raise DataUnavailable(_with_data_hint(message)) from exc
            except BaseException as exc:
                _write_summary(path, dict(meta, status=FAILED, error=f"{type(exc).__name__}: {_one_line(str(exc))}"),
                               None, runs.records, out, start)
                raise
            _write_summary(path, dict(meta, status=COMPLETED), results, runs.records, out, start)
    return path


def _write_summary(path: Path, meta: dict, results, records: list, out: Path, start: float) -> None:
    meta = dict(meta, wall_time_s=time.perf_counter() - start)
    counts: dict[str, int] = {}
    for r in records:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    meta["runs"] = dict(total=len(records), reused=sum(1 for r in records if r["reused"]), statuses=counts)
    run_list = [dict(r, csv=_relative(r["csv"], out)) for r in records if r["csv"]]
    text = json.dumps(dict(meta=meta, results=results, runs=run_list), indent=2, default=_json_default)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with _signals_deferred():           # a second Ctrl-C / SIGTERM waits until the summary is written
        tmp.write_text(text)
        os.replace(tmp, path)


def _relative(p: str, out: Path) -> str:
    try:
        return str(Path(p).resolve().relative_to(out.resolve()))
    except ValueError:
        return str(p)


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _with_data_hint(message: str) -> str:
    from reference_impl.data import DATA_DIR_RULE, ENV_VAR, data_dir

    if ENV_VAR not in message:
        message += f" (data folder {data_dir()}: {DATA_DIR_RULE})"
    return message


def load_summary(figure_or_path: str | Path, full: bool = True, root: Path | None = None) -> dict | None:
    """A figure's ``summary.json`` if it exists and records a completed run, else None.

    ``figure_or_path``: a summary path, a results folder, or a figure id (then the folder is
    ``<root or RESULTS>/<full|quick>/<id>``). Summaries written before statuses existed (no
    ``meta.status``) were only ever written at the end of a run and count as completed.
    """
    p = Path(figure_or_path)
    if not p.suffix == ".json":
        p = p / SUMMARY if p.is_dir() else results_dir(str(figure_or_path), full, root) / SUMMARY
    if not p.is_file():
        return None
    summary = json.loads(p.read_text())
    return summary if summary.get("meta", {}).get("status", COMPLETED) == COMPLETED else None


# ---------------------------------------------------------------------------------------------
# Drawing a figure
# ---------------------------------------------------------------------------------------------
def plot_figure(figure_id: str | Figure, results: str | Path, out_dir: str | Path | None = None) -> list[Path]:
    """Draw a figure from its results folder with the figure's ``plot`` hook (default
    :func:`plot_loss_curves`, else :func:`plot_numeric_tables`); returns the files written (PNG and
    SVG), empty when there is nothing to draw."""
    fig = get_figure(figure_id)
    out = Path(out_dir) if out_dir is not None else (Path(results).parent if Path(results).is_file() else Path(results))
    out.mkdir(parents=True, exist_ok=True)
    hook = fig.plot or functools.partial(plot_loss_curves, title=f"{fig.id}: {fig.title}")
    return [Path(p) for p in (hook(Path(results), out) or [])]


def _runner_csvs(results: Path) -> list[Path]:
    """The runner CSVs of a results folder: those the summary lists, else every ``*.csv`` with the
    runner's header."""
    folder = results.parent if results.is_file() else results
    summary = folder / SUMMARY if not results.is_file() else results
    if summary.is_file():
        try:
            runs = json.loads(summary.read_text()).get("runs")
        except ValueError:
            runs = None
        if runs:
            return [folder / r["csv"] for r in runs if r.get("status") in FINISHED and (folder / r["csv"]).is_file()]
    found = []
    for p in sorted(folder.rglob("*.csv")):
        with contextlib.suppress(OSError, UnicodeDecodeError):
            with p.open() as fh:
                if tuple(fh.readline().strip().split(",")) == COLUMNS:
                    found.append(p)
    return found


def _run_groups(csvs: list[Path], folder: Path) -> dict[str, list[Path]]:
    """Runner CSVs grouped by what they run: the sidecar's ``label`` (else ``algorithm``), prefixed by the
    sub-folder, so that the seeds of one algorithm in one setting form one group; without a sidecar, the
    file name without its ``_runN`` suffix."""
    groups: dict[str, list[Path]] = {}
    for p in csvs:
        sidecar = p.with_name(p.name + ".json")
        meta = {}
        if sidecar.is_file():
            with contextlib.suppress(ValueError, OSError):
                meta = json.loads(sidecar.read_text())
        name = meta.get("label") or meta.get("algorithm") or re.sub(r"_run\d+$", "", p.stem)
        sub = str(p.parent.relative_to(folder)) if p.parent != folder else ""
        groups.setdefault(f"{sub}: {name}" if sub else str(name), []).append(p)
    return groups


def plot_loss_curves(summary_or_results_dir: str | Path, out_dir: str | Path, *, name: str = "figure",
                     title: str | None = None, max_points: int = 2000) -> list[Path]:
    """The generic figure: ``loss - f*`` of every runner CSV of the folder against iterations (left)
    and against total bits, uplink + downlink (right), log scale; ``<name>.png`` and ``<name>.svg``.
    The seeds of one algorithm (same sidecar label) are one line, their geometric mean, with the min-max
    band over seeds; colours are the site-wide ones of :func:`reproductions.plot_style.algorithm_color`.
    Matplotlib's Agg canvas, no pyplot state. Without runner CSVs: :func:`plot_numeric_tables`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure

    from reproductions.plot_style import algorithm_color, band, finish

    results = Path(summary_or_results_dir)
    folder = results.parent if results.is_file() else results
    csvs = _runner_csvs(results)
    if not csvs:
        return plot_numeric_tables(folder, out_dir, name=name, title=title)
    fig = MplFigure(figsize=(12, 4.4), layout="constrained")
    FigureCanvasAgg(fig)
    ax_k, ax_b = fig.subplots(1, 2)
    groups = _run_groups(csvs, folder)
    for label, paths in groups.items():
        hists = [h for h in (load_csv(p) for p in paths) if len(h["k"])]
        if not hists:
            continue
        n = min(len(h["k"]) for h in hists)
        keep = np.unique(np.linspace(0, n - 1, min(max_points, n)).astype(int))
        gaps = np.array([h["loss_gap"][:n][keep] for h in hists])
        bits = np.mean([(h["cum_uplink_bits"] + h["cum_downlink_bits"])[:n][keep] for h in hists], axis=0)
        color = algorithm_color(label.rsplit(": ", 1)[-1])
        band(ax_k, hists[0]["k"][:n][keep], gaps, label, color=color)
        band(ax_b, bits, gaps, label, color=color)
    finish(ax_k, "iteration k", "f(x_k) - f*", legend=len(groups) <= 24)
    finish(ax_b, "bits sent (uplink + downlink)", "f(x_k) - f*", legend=False)
    fig.suptitle(title or folder.name, fontsize=10)
    return _save(fig, out_dir, name)


def _save(fig, out_dir, name: str) -> list[Path]:
    written = []
    for ext in ("png", "svg"):
        target = Path(out_dir) / f"{name}.{ext}"
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        fig.savefig(tmp, format=ext, dpi=120)
        os.replace(tmp, target)
        written.append(target)
    return written


def _numeric_table(p: Path):
    """(header, 2-D float array) of a CSV whose header names columns and whose rows are all numbers."""
    try:
        with p.open() as fh:
            header = fh.readline().strip().split(",")
        data = np.loadtxt(p, delimiter=",", skiprows=1, ndmin=2)
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if data.shape[0] < 2 or data.shape[1] != len(header) or len(header) < 2:
        return None
    return header, data


def plot_numeric_tables(folder: str | Path, out_dir: str | Path, *, name: str = "figure", title: str | None = None,
                        max_panels: int = 6) -> list[Path]:
    """The fallback when a folder has no runner CSV. When all-numeric CSVs of one sub-folder share a header
    (one CSV per algorithm and seed, ``<algorithm>_run<N>.csv``), one panel per column against the first,
    with one line per algorithm: the mean over its seeds and the min-max band (:mod:`reproductions.plot_style`
    colours). Otherwise every all-numeric CSV (up to ``max_panels``) gets a panel, its other columns against
    its first (log y when positive). [] when there is no numeric CSV."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure

    folder = Path(folder)
    tables = [(p, t) for p in sorted(folder.rglob("*.csv")) if (t := _numeric_table(p)) is not None]
    if not tables:
        return []
    headers = {tuple(h) for _, (h, _) in tables}
    if len(headers) == 1 and len(tables) > 1 and len({p.parent for p, _ in tables}) == 1:
        return _plot_runs_by_column(folder, tables, out_dir, name=name, title=title)
    tables = tables[:max_panels]
    fig = MplFigure(figsize=(5.5 * min(len(tables), 3), 4.2 * ((len(tables) + 2) // 3)), layout="constrained")
    FigureCanvasAgg(fig)
    axes = np.atleast_1d(fig.subplots((len(tables) + 2) // 3, min(len(tables), 3))).ravel()
    for ax, (p, (header, data)) in zip(axes, tables):
        for j in range(1, data.shape[1]):
            ax.plot(data[:, 0], data[:, j], lw=1, label=header[j])
        if np.all(data[:, 1:][np.isfinite(data[:, 1:])] > 0):
            ax.set_yscale("log")
        ax.set_xlabel(header[0])
        ax.set_title(str(p.relative_to(folder)), fontsize=8)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    for ax in axes[len(tables):]:
        ax.set_visible(False)
    fig.suptitle(title or folder.name, fontsize=10)
    return _save(fig, out_dir, name)


def _plot_runs_by_column(folder: Path, tables, out_dir, *, name: str, title: str | None, max_columns: int = 3):
    """One panel per column (up to ``max_columns``), one banded line per run group (see plot_numeric_tables)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure

    from reproductions.plot_style import band, finish, line_styles

    header = tables[0][1][0]
    data_of = {p: data for p, (_, data) in tables}
    groups = {label.rsplit(": ", 1)[-1]: [data_of[p] for p in paths]      # sidecar labels, else file names
              for label, paths in _run_groups(list(data_of), folder).items()}
    columns = list(range(1, len(header)))[:max_columns]
    fig = MplFigure(figsize=(5.2 * len(columns) + 1.5, 4.2), layout="constrained")
    FigureCanvasAgg(fig)
    axes = np.atleast_1d(fig.subplots(1, len(columns)))
    styles = line_styles(list(groups))
    for ax, j in zip(axes, columns):
        for label, runs in groups.items():
            n = min(len(r) for r in runs)
            ys = np.array([r[:n, j] for r in runs])
            positive = bool(np.all(ys[np.isfinite(ys)] > 0))
            band(ax, runs[0][:n, 0], ys, label, color=styles[label]["color"], log=positive, ls=styles[label]["ls"])
        finish(ax, header[0], header[j], legend=ax is axes[-1])
    fig.suptitle(title or folder.name, fontsize=10)
    return _save(fig, out_dir, name)


def _json_default(obj):
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (np.floating, np.integer, np.bool_)):
        return obj.item()
    return str(obj)
