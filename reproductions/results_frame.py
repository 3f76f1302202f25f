"""``load_results(figure_id, full=True)``: a figure's stored results as one pandas DataFrame.

One row per run and recorded iteration. For figures whose runs go through
:func:`reference_impl.runner.run`, the rows are the runner CSVs (columns ``k, loss_gap, dist, grad_norm,
uplink_bits, downlink_bits, uploads, overflow, cum_uplink_bits, cum_downlink_bits``) and each row carries its
sidecar's ``algorithm``, ``label``, ``seed``, ``commit``, ``device``, ``status``, ``wall_time_s``,
``problem`` and parameters (``param_<name>``). Figures that store their curves only in ``summary.json``
(the LENA figures, for example) are read from there: every object of the summary's ``results`` holding a
list ``k`` (or ``epochs``) and lists of the same length becomes one run, named by its path in the summary.
Failing both, every all-numeric CSV of the folder is one run (e.g. a curve per CSV). Figures that record no
iterations at all (sweeps of scalars such as ``compams-speedup``, ``lena-fig4``, ``neolithic-transient``)
give an empty frame: read their ``summary.json`` with :func:`reproductions.figures.load_summary`.
Every row also has ``figure``, ``mode`` (``full`` or ``quick``), ``run`` and the summary's ``commit``.

Only a completed figure run is read (:func:`reproductions.figures.load_summary`); quick-mode results are
read only when asked for (``full=False``), and the ``mode`` column says so.
"""
from __future__ import annotations

import json
from pathlib import Path

from reproductions.figures import _numeric_table, _runner_csvs, load_summary, results_dir

#: Sidecar fields copied onto every row of its run (when present).
SIDECAR_FIELDS = ("algorithm", "label", "seed", "commit", "device", "status", "wall_time_s", "problem", "N", "d",
                  "completed_iterations", "stop_reason")


class NoStoredResults(FileNotFoundError):
    """No completed results of that figure in that mode."""


def load_results(figure_id: str, full: bool = True, root: Path | None = None):
    """The stored results of ``figure_id`` as a :class:`pandas.DataFrame` (see the module docstring).

    ``root``: the results root (default ``reproductions/results``). Raises :class:`NoStoredResults` when
    no completed run of that figure is stored in that mode.
    """
    import pandas as pd

    mode = "full" if full else "quick"
    summary = load_summary(figure_id, full=full, root=root)
    folder = results_dir(figure_id, full, root)
    if summary is None:
        raise NoStoredResults(f"no completed {mode}-mode results of {figure_id} in {folder} "
                              f"(`repro run {figure_id}{' --full' if full else ''}` makes them)")
    commit = summary.get("meta", {}).get("commit")
    frames = [_runner_frame(p, folder) for p in _runner_csvs(folder)]
    if not frames:
        frames = [pd.DataFrame(cols).assign(run=name, **scalars)
                  for name, cols, scalars in _summary_series(summary.get("results"))]
    if not frames:   # figures that store plain numeric tables (a curve or a sweep per CSV)
        frames = [pd.read_csv(p).assign(run=str(p.relative_to(folder).with_suffix("")))
                  for p in sorted(folder.rglob("*.csv")) if _numeric_table(p) is not None]
    if not frames:
        return pd.DataFrame(columns=["figure", "mode", "run", "summary_commit"])
    df = pd.concat(frames, ignore_index=True)
    df.insert(0, "figure", figure_id)
    df.insert(1, "mode", mode)
    df["summary_commit"] = commit
    cols = ["figure", "mode", "run"] + [c for c in df.columns if c not in ("figure", "mode", "run")]
    return df[cols]


def _runner_frame(csv: Path, folder: Path):
    import pandas as pd

    df = pd.read_csv(csv)
    sidecar = csv.with_name(csv.name + ".json")
    meta = json.loads(sidecar.read_text()) if sidecar.is_file() else {}
    df.insert(0, "run", str(csv.relative_to(folder).with_suffix("")))
    for key in SIDECAR_FIELDS:
        if key in meta:
            df[key] = str(meta[key]) if key == "seed" else meta[key]   # 64-bit seeds stay exact as text
    for key, value in (meta.get("params") or {}).items():
        df[f"param_{key}"] = value if isinstance(value, (int, float, str, bool)) or value is None else str(value)
    if "status" not in meta:
        df["status"] = "completed"  # sidecars written before statuses existed were written only at the end
    return df


def _summary_series(obj, path: str = ""):
    """(name, {column: list}, {scalar: value}) for every dict in ``obj`` holding a series ``k`` or ``epochs``
    and other lists of the same length (nested lists and dicts are skipped)."""
    if isinstance(obj, dict):
        axis = "k" if isinstance(obj.get("k"), list) else "epochs" if isinstance(obj.get("epochs"), list) else None
        if axis is not None and obj[axis] and not isinstance(obj[axis][0], (list, dict)):
            n = len(obj[axis])
            cols = {key: v for key, v in obj.items()
                    if isinstance(v, list) and len(v) == n and not (v and isinstance(v[0], (list, dict)))}
            scalars = {key: v for key, v in obj.items()
                       if isinstance(v, (int, float, str, bool)) and key not in cols and key != "run"}
            yield path or "results", cols, scalars
            return
        for key, value in obj.items():
            yield from _summary_series(value, f"{path}/{key}" if path else str(key))
