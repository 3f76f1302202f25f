"""The shared plotting style (reproductions.plot_style): one colour per algorithm across the site, seed bands."""
from __future__ import annotations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from reproductions.plot_style import ALGORITHM_COLORS, algorithm_color, band, finish


def test_variants_share_their_base_colour_and_longest_prefix_wins():
    assert algorithm_color("MCM") == algorithm_color("MCM (PP 0.5)") == ALGORITHM_COLORS["MCM"]
    assert algorithm_color("Rand-MCM (PP 0.5, single memory)") == ALGORITHM_COLORS["Rand-MCM"] != ALGORITHM_COLORS["MCM"]
    assert algorithm_color("LENA-M-2") == algorithm_color("LENA") and algorithm_color("SGD Top-k EF") == ALGORITHM_COLORS["SGD"]
    assert algorithm_color("COMP-AMS Top-k EF") == ALGORITHM_COLORS["COMP-AMS"]
    # an unknown name: a colour from its text, the same on every call
    assert algorithm_color("Some new method") == algorithm_color("Some new method")


def test_band_draws_the_mean_and_a_band_over_seeds():
    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    x = np.arange(5)
    runs = np.array([10.0 ** -x, 10.0 ** (-x - 1)])
    line = band(ax, x, runs, "DIANA")
    assert line.get_label() == "DIANA (2 seeds)" and line.get_color() == ALGORITHM_COLORS["DIANA"]
    np.testing.assert_allclose(line.get_ydata(), 10.0 ** (-x - 0.5))          # geometric mean on a log axis
    assert len(ax.collections) == 1 and ax.get_yscale() == "log"                # the min-max band
    single = band(ax, x, runs[:1], "MCM", log=False)
    assert single.get_label() == "MCM" and len(ax.collections) == 1             # one seed: no band
    finish(ax, "k", "gap")
    assert ax.get_legend() is not None


def test_variants_in_one_figure_differ_by_line_style():
    from reproductions.plot_style import line_styles

    st = line_styles(["LENA", "LENA-3", "DIANA", "LENA-printed"])
    assert st["LENA"]["color"] == st["LENA-3"]["color"] == st["LENA-printed"]["color"] != st["DIANA"]["color"]
    assert len({st[n]["ls"] for n in ("LENA", "LENA-3", "LENA-printed")}) == 3 and st["DIANA"]["ls"] == "-"


def test_numeric_runs_are_grouped_by_sidecar_label_into_banded_lines(tmp_path):
    import json

    from reproductions.figures import _run_groups, plot_numeric_tables

    for algo, scale in (("COMP-AMS Top-k EF", 1.0), ("AMSGrad", 2.0)):
        for run in range(2):
            p = tmp_path / f"{algo.split()[0].lower()}_run{run}.csv"
            p.write_text("k,loss_gap\n" + "".join(f"{k},{scale * (run + 1) / (k + 1)}\n" for k in range(5)))
            (tmp_path / (p.name + ".json")).write_text(json.dumps(dict(label=algo, run=run)))
    groups = _run_groups(sorted(tmp_path.glob("*.csv")), tmp_path)
    assert sorted(groups) == ["AMSGrad", "COMP-AMS Top-k EF"] and all(len(v) == 2 for v in groups.values())
    (tmp_path / "out").mkdir()
    written = plot_numeric_tables(tmp_path, tmp_path / "out")
    assert [p.name for p in written] == ["figure.png", "figure.svg"]
