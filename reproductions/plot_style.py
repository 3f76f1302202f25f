"""One plotting style for every figure of the site: a colour per algorithm, readable legends, seed bands.

* :func:`algorithm_color`: the same colour for an algorithm in every figure of every work (DIANA is
  always the same blue, MCM the same red, ...). Variants share their base's colour ("MCM (PP 0.5)",
  "LENA-M-2", "COMP-AMS Top-k EF" -> "MCM", "LENA", "COMP-AMS"); an unknown name gets a colour derived
  from its text (stable across runs and machines, never from call order).
* :func:`line_styles`: colour and line style for each line of one figure (variants of one algorithm in
  the same figure keep its colour and differ by line style).
* :func:`band`: the mean over seeds as a line and the spread over seeds as a shaded band (min to max,
  or mean +- 2 standard errors), on log or linear axes; with one seed, just the line.
* :func:`finish`: grid, axis labels and a legend that stays readable (font size, outside the axes when
  there are many entries).

Figures are drawn on matplotlib's Agg canvas (``matplotlib.figure.Figure``), with no pyplot state.
"""
from __future__ import annotations

import hashlib

import numpy as np

#: matplotlib's tab10 hues, then the darker tab20 ones: distinguishable, and print-safe.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd")
#: The base algorithms of the five works and their colour (baselines in greys/blues, each paper's method in a
#: strong hue). Longest prefix wins, so "Rand-MCM" is not "MCM" and "SGD Top-k EF" is "SGD".
ALGORITHM_COLORS = {
    # uncompressed baselines
    "SGD": "#7f7f7f", "P-SGD": "#7f7f7f", "PSGD": "#7f7f7f", "DGD": "#7f7f7f", "GD": "#7f7f7f",
    "AMSGrad": "#222222",
    # compressed baselines
    "QSGD": "#17becf", "Q-SGD": "#17becf", "DQGD": "#8c564b", "DIANA": "#1f77b4", "Artemis": "#bcbd22",
    "Dore": "#9467bd", "Double Squeeze": "#e377c2", "Double-Squeeze": "#e377c2", "MEM-SGD": "#2ca02c",
    "EF21-SGD": "#8c6d31", "LAG": "#ff7f0e", "QAdam": "#637939", "1-bit Adam": "#393b79",
    "Top-k AMSGrad": "#843c39",
    # each work's own methods
    "IADE": "#d62728", "AIADE": "#9467bd", "NEOLITHIC": "#d62728", "COMP-AMS": "#d62728", "LENA": "#d62728",
    "MCM": "#d62728", "Rand-MCM": "#ff7f0e",
}


def algorithm_color(name: str) -> str:
    """The site-wide colour of an algorithm (see the module docstring)."""
    best = max((k for k in ALGORITHM_COLORS if name == k or name.startswith(k + " ") or name.startswith(k + "-")
                or name.startswith(k + "(")), key=len, default=None)
    if best is not None:
        return ALGORITHM_COLORS[best]
    digest = int(hashlib.sha256(name.encode()).hexdigest(), 16)
    return PALETTE[digest % len(PALETTE)]


LINESTYLES = ("-", "--", ":", "-.")


def line_styles(names) -> dict[str, dict]:
    """``{name: dict(color=..., ls=...)}`` for the lines of one figure: each algorithm's site-wide colour, and
    the variants of one algorithm in the same figure ("LENA", "LENA-3", "LENA-printed") told apart by their
    line style, in the order given."""
    seen: dict[str, int] = {}
    out = {}
    for name in names:
        color = algorithm_color(name)
        n = seen.get(color, 0)
        seen[color] = n + 1
        out[name] = dict(color=color, ls=LINESTYLES[n % len(LINESTYLES)])
    return out


def band(ax, x, runs, label: str, *, color: str | None = None, log: bool = True, spread: str = "minmax",
         **line_kw):
    """Plot the mean of ``runs`` (shape ``(seeds, len(x))``) against ``x`` with the spread over seeds as a
    band: ``spread="minmax"`` (min to max) or ``"stderr"`` (mean +- 2 standard errors). With ``log``, the
    mean is geometric (the mean of log10) and non-positive values are dropped. Returns the line."""
    runs = np.atleast_2d(np.asarray(runs, dtype=float))
    color = color or algorithm_color(label)
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            vals = np.where(runs > 0, np.log10(runs), np.nan)
    else:
        vals = runs
    mean = np.nanmean(vals, axis=0) if np.isfinite(vals).any() else np.full(vals.shape[1], np.nan)
    if spread == "stderr" and runs.shape[0] > 1:
        half = 2 * np.nanstd(vals, axis=0, ddof=1) / np.sqrt(runs.shape[0])
        low, high = mean - half, mean + half
    else:
        low, high = np.nanmin(vals, axis=0), np.nanmax(vals, axis=0)
    tr = (lambda v: 10.0 ** v) if log else (lambda v: v)
    n = runs.shape[0]
    (line,) = ax.plot(x, tr(mean), color=color, lw=line_kw.pop("lw", 1.4),
                      label=f"{label} ({n} seeds)" if n > 1 else label, **line_kw)
    if n > 1:
        ax.fill_between(x, tr(low), tr(high), color=color, alpha=0.18, lw=0)
    if log:
        ax.set_yscale("log")
    return line


def finish(ax, xlabel: str, ylabel: str, *, legend: bool = True, max_inside: int = 8) -> None:
    """Labels, a light grid and a readable legend: inside the axes up to ``max_inside`` entries, else to
    the right of them in one column."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, which="major", alpha=0.3)
    if not legend:
        return
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    if len(handles) <= max_inside:
        ax.legend(fontsize=8, framealpha=0.85)
    else:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, framealpha=0.85)
