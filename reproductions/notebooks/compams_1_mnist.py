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
# # 002, Figure 1 (substitute): Top-k AMSGrad with error feedback against full AMSGrad, on MNIST
#
# **Claims** (draft, Section 5): "Our proposed TopK-EF with AMSGrad matches that of full AMSGrad, in
# distributed learning. Number of local workers is 20. Error feedback fixes the convergence issue of using
# solely the TopK gradient." (claims `compams.exp-matches-full`, `compams.exp-ef-fixes-topk`).
#
# **What we run, and what is missing.** The draft's Figure 1 is empty and names no model or data; the
# authors' code trains CNNs on MNIST and CIFAR-10 (batch 128, Top-k density 0.01, learning-rate grid
# $\{10^{-4}, 5\cdot10^{-4}, 10^{-3}, 5\cdot10^{-3}, 10^{-2}\}$). CNNs are issue 12 and CIFAR-10 is not
# available offline, so this is a **substitute**: softmax regression (convex) and, in full mode, a
# two-layer tanh MLP (nonconvex, 32 hidden units) on the real MNIST, 20 workers, IID and (full mode)
# label-sorted non-IID splits. Quick mode (this run): 14 x 14 average-pooled images, 6000 training rows,
# batch 32 per worker, 300 iterations, test accuracy on 2000 test images. Full mode (`REPRO_FULL=1`, stored
# under `results/full/compams-mnist/`): 28 x 28 images, all 60000 rows, batch 128, 10 epochs.
# Every adaptive method uses the authors' convention: $\epsilon = 10^{-8}$ *outside* the square root,
# $\beta = (0.9, 0.999)$, no bias correction, learning rate $5\cdot10^{-3}$ (from their grid, not tuned per
# method); compressed SGD (error feedback) uses 0.5. 1-bit Adam: 10% warm-up, then the scaled sign both
# ways. Block-Sign: one block per layer. Bits are measured by the encoders (Top-k: 32-bit values plus the
# rank of the index set; Block-Sign: one sign bit per coordinate plus a float per block) and summed over the
# 20 workers (uplink only).

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from reproductions import compams as R
from theory import compams as T

FULL = os.environ.get("REPRO_FULL") == "1"
SCALE = R.FULL if FULL else R.QUICK
main = R.mnist_experiment("softmax", "iid", 0.01, scale=SCALE)
dense = R.mnist_experiment("softmax", "iid", 0.05, algorithms=R.ALGORITHMS[:3], scale=SCALE)
print("setting:", main["setting"]["problem"], "| d =", main["setting"]["d"], "| k at 1% =", main["setting"]["k"],
      "| workers =", main["setting"]["N"], "(the draft:", T.DRAFT_WORKERS, ")")

# %% [markdown]
# ## Final test accuracy and uplink bits
#
# The numbers below depend on float rounding through 300 adaptive steps (a test image or two may flip on
# another machine's BLAS), so this table is shown but not compared by nbval; the checks further down assert
# the claims with explicit margins.

# %%
# NBVAL_IGNORE_OUTPUT
print(f"{'algorithm':<26} {'acc. 1% (%)':>11} {'acc. 5% (%)':>11} {'uplink Mbit (1%)':>17}")
for name, r in main["results"].items():
    acc5 = dense["results"][name]["final_accuracy"] if name in dense["results"] else float("nan")
    print(f"{name:<26} {r['final_accuracy']:>11.2f} {acc5:>11.2f} {r['total_uplink_bits'] / 1e6:>17.1f}")

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
for name, r in main["results"].items():
    axes[0].plot(r["k"], r["test_accuracy"], label=name)
    bits = np.maximum(np.asarray(r["cum_uplink_bits"], dtype=float), 1.0)
    axes[1].semilogx(bits, r["test_accuracy"], label=name)
axes[0].set_xlabel("iteration")
axes[1].set_xlabel("uplink bits (all 20 workers)")
for ax in axes:
    ax.set_ylabel("test accuracy (%)")
    ax.set_ylim(60, 95)
axes[1].legend(fontsize=7)
fig.suptitle("MNIST softmax regression (substitute for the draft's CNNs), Top-k density 1%")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Checks: measured against claimed
#
# * "matches full AMSGrad": Top-k EF's final accuracy at most `TOL` = 1 point below AMSGrad's (the claim's
#   tolerance in `compams.exp-matches-full`), at densities 1% and 5%.
# * "error feedback fixes Top-k": at density 1%, Top-k with EF at least `MARGIN` = 2 points above Top-k without
#   EF (`compams.exp-ef-fixes-topk`). At 5% the gap is smaller (reported, not asserted).
# * Bits: Top-k at density 1% sends less than 1/25 of AMSGrad's uplink bits (32 bits per value, plus the index
#   set), exact integers.

# %%
from theory.registry import get

TOL = float(get("compams.exp-matches-full").resolve_params()["tolerance"])
MARGIN = float(get("compams.exp-ef-fixes-topk").resolve_params()["margin"])
acc = {name: r["final_accuracy"] for name, r in main["results"].items()}
acc5 = {name: r["final_accuracy"] for name, r in dense["results"].items()}
for label, a in (("1%", acc), ("5%", acc5)):
    gap = a["AMSGrad"] - a["COMP-AMS Top-k EF"]
    assert gap <= TOL, (label, gap)
    print(f"density {label}: Top-k EF within {TOL:g} point of full AMSGrad: {gap <= TOL} (claim: matches)")
gain = acc["COMP-AMS Top-k EF"] - acc["Top-k AMSGrad (no EF)"]
assert gain >= MARGIN, gain
print(f"density 1%: EF gains at least {MARGIN:g} points over Top-k without EF: {gain >= MARGIN} (claim: EF fixes Top-k)")
ratio = main["results"]["AMSGrad"]["total_uplink_bits"] / main["results"]["COMP-AMS Top-k EF"]["total_uplink_bits"]
assert ratio > 25, ratio
print(f"uplink bits, AMSGrad / Top-k EF at 1%: {ratio:.0f}x (exact bit counts)")

# %% [markdown]
# ## Where the paper's method does not win
#
# Printed as verdicts (the margins are several test images, stable across machines):

# %%
print("1-bit Adam (scaled sign, 10% warm-up) at least as accurate as Top-k EF:",
      acc["1-bit Adam"] >= acc["COMP-AMS Top-k EF"] - 0.5)
print("Block-Sign EF at least as accurate as Top-k EF:", acc["COMP-AMS Block-Sign EF"] >= acc["COMP-AMS Top-k EF"] - 0.5)
print("QAdam (Top-k EF) within 1 point of COMP-AMS Top-k EF:", abs(acc["QAdam Top-k EF"] - acc["COMP-AMS Top-k EF"]) <= 1)

# %% [markdown]
# ## Full mode (stored results, `repro run compams-mnist --full`)
#
# At full scale the picture is mixed, and we say so: error feedback matters on **non-IID** data (Top-k without
# EF loses 8 points on softmax, 3.5 on the MLP) but hardly on IID data, where at 1% the EF run of softmax
# oscillates (77% to 92% between records) and ends below the no-EF run; COMP-AMS stays 1 to 1.5 points below full
# AMSGrad on the MLP. QAdam collapses on non-IID data (every worker normalises by its own second moment), 1-bit
# Adam is the most accurate compressed method on IID data, and compressed SGD with EF is as good as COMP-AMS here.
#
# 28 x 28 images, the whole training set, batch 128, 10 epochs (470 iterations), one run per algorithm; softmax
# (IID at 1% and 5%, non-IID at 1%) and the MLP (IID and non-IID at 1%). Read from
# `reproductions/results/full/compams-mnist/summary.json` (device, commit and wall time in its `meta`).

# %%
stored = R.load_full("compams-mnist")
if stored is None:
    print("no stored full-mode results")
else:
    meta = stored["meta"]
    print(f"full mode, commit {meta['commit']}, {meta['device']}, wall time {meta['wall_time_s'] / 60:.0f} min")
    configs = stored["results"]["configs"]
    names = list(R.ALGORITHMS)
    print(f"{'algorithm':<26}" + "".join(f"{c:>21}" for c in configs))
    for name in names:
        row = "".join(f"{configs[c]['results'][name]['final_accuracy']:>21.2f}" if name in configs[c]["results"]
                      else f"{'':>21}" for c in configs)
        print(f"{name:<26}{row}")

# %% [markdown]
# The draft's two sentences against the stored full-mode runs (same tolerance and margin as above; one run each,
# one untuned learning rate, so a single setting is weak evidence either way):

# %%
if stored is not None:
    for c, cfg in configs.items():
        a = {n: v["final_accuracy"] for n, v in cfg["results"].items()}
        gap, gain = a["AMSGrad"] - a["COMP-AMS Top-k EF"], a["COMP-AMS Top-k EF"] - a["Top-k AMSGrad (no EF)"]
        print(f"{c:<20} matches AMSGrad within {TOL:g}: {str(gap <= TOL):<5} (gap {gap:+.2f})   "
              f"EF gains >= {MARGIN:g}: {str(gain >= MARGIN):<5} (gain {gain:+.2f})")
