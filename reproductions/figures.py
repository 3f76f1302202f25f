"""The figure registry: every reproduced table/figure, its notebook, and how to regenerate it.

``repro list`` prints the ids; ``repro run ID [--full]`` calls :func:`run_figure`, which runs the
experiment and writes ``summary.json`` (with device, commit, seed policy and wall time) plus the
per-run CSVs into ``reproductions/results/<quick|full>/<ID>/``.
"""
from __future__ import annotations

import dataclasses
import functools
import json
import platform
import time
from pathlib import Path
from typing import Callable

import numpy as np

from reference_impl.runner import git_commit

RESULTS = Path(__file__).resolve().parent / "results"
NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"


@dataclasses.dataclass(frozen=True)
class Figure:
    id: str
    paper: str
    title: str
    notebook: str
    run: Callable[[bool, Path], dict]


# One module per work defines ``FIGURES`` (a list of Figure); add a work by adding its module here.
FIGURE_MODULES = ("reproductions.iade", "reproductions.neolithic", "reproductions.compams", "reproductions.lena",
                  "reproductions.mcm")


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


def run_figure(figure_id: str, full: bool = False, out_root: Path | None = None) -> Path:
    """Regenerate one figure's results; returns the path of its summary.json."""
    figures = all_figures()
    if figure_id not in figures:
        raise KeyError(f"unknown figure {figure_id!r}; `repro list` lists the ids")
    fig = figures[figure_id]
    out = (out_root or RESULTS) / ("full" if full else "quick") / figure_id
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    summary = fig.run(full, out)
    meta = dict(figure=figure_id, mode="full" if full else "quick", commit=git_commit(),
                device=f"{platform.machine()} CPU ({platform.processor() or 'unknown'})",
                seeds="derived from component names (reference_impl.runner.seed_from_names)",
                wall_time_s=time.perf_counter() - start)
    path = out / "summary.json"
    path.write_text(json.dumps(dict(meta=meta, results=summary), indent=2, default=_json_default))
    return path


def _json_default(obj):
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    return str(obj)
