# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 003, Figure 4: uplink latency against the network size, and the four drifts
#
# **Claims (Section 5.2).** Each node's uplink bandwidth is drawn from {1, 5, 10, 100, 1000} Mbit/s with
# probabilities (a) [0.2]*5 and (b) [0.7, 0.2, 0.06, 0.03, 0.01], 100 realisations; minibatch = 10% of the
# local data. "For a small network (M = 10), compression using DIANA seems better than gradient skipping
# with LENA. However, as the network gets bigger ... LENA outperforms other benchmarks", and the extra
# latency of the benchmarks over LENA grows with M. (c), (d): at M = 500, a tuned momentum drift gives the
# best latency; LENA-v may be better with little noise (one vector per upload instead of two).
#
# **What we run.** The network model of `reference_impl.algorithms.lena_network`: latency of an upload =
# bits / bandwidth, summed over nodes and rounds (aggregation "sum"; no per-upload overhead, as the text's
# "linear in its packet size" suggests), counted until the test accuracy first reaches the target. MNIST,
# one label per node, LENA-m with beta = 40 and the scale-invariant filter. Quick mode: M = 10, 20, 40
# with 40 images per node, 200 iterations, target 0.75 on 1000 test images, one grid search (at M = 10)
# reused for every M. The paper's M up to 500 on all images is a full-mode run.

# %%
# NBVAL_IGNORE_OUTPUT
# (informational: grid choices, and quantities read at a threshold crossing or from upload counts, which
#  other BLAS kernels can move; the checks below assert the stable facts)
import os
import warnings

import numpy as np

from reference_impl.algorithms.base import TheoryRangeWarning
from reproductions import lena as R
from reproductions.targets.lena import FIG4  # the paper's numbers, written once (the target registry)

warnings.filterwarnings("ignore", category=TheoryRangeWarning)
FULL = os.environ.get("REPRO_FULL") == "1"
cfg = R.FULL_FIG4 if FULL else R.QUICK_FIG4
res = R.figure4(**cfg)
reached = all(all(v.values()) for v in res["reached"].values())
assert reached, res["reached"]
print("every algorithm reaches the target at every M:", reached)

# %% [markdown]
# ## Extra latency over LENA (seconds, mean over 100 bandwidth realisations)
#
# Positive: the benchmark is slower than LENA. Two significant digits (deterministic runs; other BLAS
# kernels may move an upload decision and the round at which the target is reached).

# %%
# NBVAL_IGNORE_OUTPUT
# (informational: grid choices, and quantities read at a threshold crossing or from upload counts, which
#  other BLAS kernels can move; the checks below assert the stable facts)
for label, name in (("uniform", "(a) p = [0.2]*5"), ("slow", "(b) p = [0.7, 0.2, 0.06, 0.03, 0.01]")):
    print(name)
    print(f"{'M':>5} {'LENA latency':>13} " + " ".join(f"{'extra ' + n:>12}" for n in ("DIANA", "LAG", "DGD")))
    for M in res["Ms"]:
        lat = res["latency"][(M, label)]
        print(f"{M:>5} {lat['LENA']['mean_s']:>13.2g} " + " ".join(f"{lat[n]['extra_over_lena_s']:>12.2g}"
                                                                 for n in ("DIANA", "LAG", "DGD")))
    print("smallest M where LENA beats DIANA:", R.crossing_point(res, label), "| paper: DIANA better at M =",
          FIG4["diana_better_at_M"], ", LENA better for larger M")

# %% [markdown]
# ## The four drifts at the largest M (latency to target, seconds, p = [0.2]*5)

# %%
# NBVAL_IGNORE_OUTPUT
# (informational: grid choices, and quantities read at a threshold crossing or from upload counts, which
#  other BLAS kernels can move; the checks below assert the stable facts)
for n, v in res["drifts"].items():
    print(f"{n:<7} {v:.2g}")

# %% [markdown]
# ## Checks (measured behaviour)
#
# * Latency is computed from the recorded bits: LENA's latency equals the sum of its per-node bits over
#   the per-node bandwidths (the model is tested against explicit loops in `tests/test_lena_algorithms.py`);
#   here we assert the trend we measure: the ratio of LENA's latency to DIANA's falls with M, by more
#   than a factor 1.5 from the smallest to the largest M (DIANA's latency grows with M, LENA's does not).
# * Where LENA loses: in quick mode DIANA's latency is far below LENA's at every M we run; the gap narrows
#   with M. The paper's crossing (between M = 10 and larger M) is not reproduced at this scale. Among
#   the drifts, LENA-g and LENA-v beat LENA-m here (the paper: a tuned momentum is best).

# %%
lena_lat = [res["latency"][(M, "uniform")]["LENA"]["mean_s"] for M in res["Ms"]]
diana_lat = [res["latency"][(M, "uniform")]["DIANA"]["mean_s"] for M in res["Ms"]]
ratio = [a / b for a, b in zip(lena_lat, diana_lat)]
assert diana_lat[-1] > diana_lat[0] and ratio[-1] < ratio[0] / 1.5, (lena_lat, diana_lat)
print("LENA / DIANA latency ratio falls by over 1.5x from the smallest to the largest M: True; "
      "LENA beats DIANA at some M:", any(x < 1 for x in ratio))

# %%
# NBVAL_IGNORE_OUTPUT
# (informational: grid choices, and quantities read at a threshold crossing or from upload counts, which
#  other BLAS kernels can move; the checks below assert the stable facts)
full = R.load_full("lena-fig4")
if full is not None:
    fr = full["results"]
    print(f"full mode (stored): M = {fr['Ms']}, commit {full['meta']['commit']}, wall {full['meta']['wall_time_s'] / 60:.0f} min")
    for M in fr["Ms"]:
        lat = fr["latency"][f"{M},uniform"]
        print(M, {n: round(v["extra_over_lena_s"], 1) for n, v in lat.items()})
else:
    print("no stored full-mode result (run `repro run lena-fig4 --full`)")

# %%
import matplotlib.pyplot as plt

from reproductions.plot_style import algorithm_color  # the site-wide colour of each algorithm

fig, ax = plt.subplots(1, 3, figsize=(13, 3.4))
for i, label in enumerate(("uniform", "slow")):
    for n in ("DIANA", "LAG", "DGD"):
        ax[i].plot(res["Ms"], [res["latency"][(M, label)][n]["extra_over_lena_s"] for M in res["Ms"]], "o-", label=n,
                   color=algorithm_color(n))
    ax[i].axhline(0, color="k", lw=0.5)
    ax[i].set_xlabel("M")
    ax[i].set_ylabel("extra latency over LENA (s)")
    ax[i].set_title("(a) uniform p" if label == "uniform" else "(b) slow links")
    ax[i].legend(fontsize=7)
ax[2].bar(list(res["drifts"]), list(res["drifts"].values()))
ax[2].set_ylabel("latency to target (s)")
ax[2].set_title(f"drifts, M = {res['Ms'][-1]}")
fig.tight_layout()
plt.show()
