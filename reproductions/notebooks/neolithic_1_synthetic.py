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
# # 001, synthetic simulation: NEOLITHIC against P-SGD and compressed methods
#
# **Claim (slide "Experiments: synthetic simulation" of 001).** On least squares and logistic
# regression, with rand-1 compressors and $R = 4$, "though with compression, NEOLITHIC almost matches
# with P-SGD (note P-SGD has no compression)"; the figure shows Q-SGD, MEM-SGD, Double Squeeze and
# EF21-SGD behind it.
#
# **What we run.** The slide gives neither the sizes nor the step sizes, so we chose them before
# measuring: $n = 16$ workers, $d = 10$ (rand-1 is then $\delta = 1/10$), 100 rows per worker
# (200 in full mode). The data are heterogeneous: each worker has its own least-squares solution, or
# its own feature mean and labelling model for logistic regression. The oracle is a one-row
# minibatch. Every method gets the same budget of $T = 2000$ compression rounds per worker
# ($8000$ in full mode, `REPRO_FULL=1`). NEOLITHIC makes $R = 4$ rounds per iteration, so it runs
# $T/R$ iterations, each averaging $R$ minibatch gradients (slide "NEOLITHIC: A nearly optimal
# algorithm").
#
# Rand-1 is used unscaled (contractive) in MEM-SGD, EF21-SGD, Double Squeeze and NEOLITHIC. Q-SGD is
# the library's Q-SGD, which quantises with the QSGD quantizer ($s = 1$ level, $\omega = \sqrt{d}$);
# it takes no other compressor. Double Squeeze and NEOLITHIC compress both directions, as on the
# slides; MEM-SGD and EF21-SGD compress only the uplink. "NEOLITHIC (uni)" is an extra row with an
# uncompressed broadcast.
#
# **Step sizes.** Each method is tuned on the same grid of steps *per oracle query*,
# $2^{-j}/L$ for $j = 1,\dots,8$. An iteration of NEOLITHIC averages $R$ queries, so its step is $R$
# times that. The tuning minimises the error the theorems bound,
# $\frac{1}{K+1}\sum_{k=0}^{K}\|\nabla f(x^{(k)})\|^2$ over the run. That error is what we compare,
# as a ratio to P-SGD's.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from reproductions.figures import load_summary
from reproductions.neolithic import synthetic_comparison, synthetic_config

FULL = os.environ.get("REPRO_FULL") == "1"
res = synthetic_comparison(**synthetic_config(FULL))

# %%
for pname, r in res.items():
    c = r["constants"]
    print(f"{pname}: {c['problem']}  L={c['L']:.3f}  Delta={c['Delta']:.3f}  b^2={c['b2']:.3f}  "
          f"sigma^2={c['sigma2']:.3f}  T={c['rounds']} rounds, R={c['R']}, {c['compressor']}")
    print(f"  {'method':<16}{'gamma L':>9}{'avg ||grad||^2':>16}{'/ P-SGD':>9}{'last 10%':>12}{'/ P-SGD':>9}")
    for m, row in r["methods"].items():
        edge = "  (edge of grid)" if row["edge_of_grid"] else ""
        print(f"  {m:<16}{row['gamma_L']:>9.4f}{row['error']:>16.2e}{row['ratio']:>9.2f}"
              f"{row['final_error']:>12.2e}{row['final_ratio']:>9.2f}{edge}")

# %% [markdown]
# **Checks.** The slide's claim as we test it: NEOLITHIC's error is within a factor
# `NEAR_PSGD` $= 2$ of P-SGD's on both problems ("almost matches"). EF21-SGD (no linear speedup)
# and Q-SGD are worse than NEOLITHIC. For MEM-SGD and Double Squeeze the slide's picture does *not*
# reproduce here. In quick mode MEM-SGD is as close to P-SGD as NEOLITHIC, or closer, and Double
# Squeeze is close behind. The last assertion records that finding (MEM-SGD within 10% of
# NEOLITHIC's ratio, or better), so that the notebook fails if it changes.

# %%
from reproductions.targets import get as get_target

NEAR_PSGD = 1 + get_target("neolithic.synthetic.least-squares").tolerance.size  # the registry's "almost matches"
for pname in ("least squares", "logistic regression"):
    m = res[pname]["methods"]
    neo = m["NEOLITHIC"]["ratio"]
    assert neo <= NEAR_PSGD, (pname, neo)
    assert m["EF21-SGD"]["ratio"] > neo and m["QSGD"]["ratio"] > neo, pname
    assert m["MEM-SGD"]["ratio"] <= 1.1 * neo, (pname, m["MEM-SGD"]["ratio"], neo)
    worse = [k for k in ("QSGD", "MEM-SGD", "Double Squeeze", "EF21-SGD") if m[k]["ratio"] > neo]
    print(f"{pname}: NEOLITHIC / P-SGD = {neo:.2f} (claim: 'almost matches'; tolerance {NEAR_PSGD}); "
          f"worse than NEOLITHIC: {', '.join(worse)}")

# %% [markdown]
# Stored full-mode results (`repro run neolithic-synthetic --full`: $T = 8000$ rounds, 200 rows
# per worker, 3 seeds), when present. Full mode adds a real data set: logistic regression on
# LIBSVM phishing, split over 20 workers by the MCM authors' heterogeneous clusters, with
# $d = 69$, so rand-1 has $\delta = 1/69$. The comparison there is not asserted. NEOLITHIC's
# transient $n/\delta^2 \approx 20\cdot 69^2 \approx 95\,000$ rounds is far beyond the
# budget, and all the error-feedback methods are expected to lag P-SGD.

# %%
full = load_summary("neolithic-synthetic")  # None unless a completed full run is stored (never a partial one)
if full is not None:
    meta = full["meta"]
    print(f"full run: commit {meta['commit']}, {meta['device']}, {meta['wall_time_s'] / 60:.0f} min")
    for pname, r in full["results"].items():
        print(f"  {pname}: error / P-SGD's  " + ", ".join(f"{m} {row['ratio']:.2f}" for m, row in r["methods"].items()))
else:
    print("no stored full-mode results")

# %%
from reproductions.plot_style import line_styles  # site-wide colours; variants of one method by line style

fig, axes = plt.subplots(1, len(res), figsize=(5 * len(res), 3.6))
for ax, (pname, r) in zip(axes, res.items()):
    styles = line_styles(list(r["methods"]))
    for m, row in r["methods"].items():
        w = max(1, len(row["grad_sq"]) // 40)       # moving average over 1/40 of the run
        smooth = np.convolve(row["grad_sq"], np.ones(w) / w, mode="valid")
        ax.semilogy(row["rounds"][w - 1:], smooth, label=m, lw=1.8 if m.startswith("NEO") or m == "P-SGD" else 1,
                    **styles[m])
    ax.set_title(pname)
    ax.set_xlabel("compression rounds per worker")
    ax.set_ylabel(r"$\|\nabla f(x)\|^2$ (moving average)")
axes[0].legend(fontsize=7)
fig.tight_layout()
plt.show()
