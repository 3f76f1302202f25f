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
# # 003, Figure 1: training loss against iterations, and upload frequency
#
# **Claims (Section 5.1).** With full batch ("-B") the loss curves of LENA, LAG, DIANA and DGD coincide;
# with minibatches 2 and 15 ("-M-2", "-M-15") LENA closely follows LAG and DIANA with fewer uploads. The
# upload frequency of LENA-B decreases over time and becomes the smallest; LENA-M-2 and -M-15 level off at
# a frequency that grows with the noise (M-2 above M-15), as (9) suggests. LAG's frequency decreases but
# stays about two orders of magnitude above LENA's.
#
# **What we run.** MNIST with one label per node (M = 20 nodes, 40 images each in quick mode; 2000 test
# images), one-versus-all ridge logistic regression (d = 7840), LENA with the momentum drift, beta = 40,
# the scale-invariant filter `beta alpha^2 ||g||^2` (see the chapter for the printed one), every node
# uploading at round 0. Step sizes per algorithm, LENA's momentum and DIANA's QSGD levels by the grid of
# `reproductions.lena.grid_search` on the full-batch problem. 200 iterations; frequencies per window of
# 50 iterations (the paper: per 1000, over far longer runs).

# %%
# NBVAL_IGNORE_OUTPUT
# (informational: grid choices, and quantities read at a threshold crossing or from upload counts, which
#  other BLAS kernels can move; the checks below assert the stable facts)
import os
import warnings

import numpy as np

from reference_impl.algorithms.base import TheoryRangeWarning
from reproductions import lena as R

warnings.filterwarnings("ignore", category=TheoryRangeWarning)
FULL = os.environ.get("REPRO_FULL") == "1"
cfg = R.FULL_FIG1 if FULL else R.QUICK_FIG1
WINDOW = 500 if FULL else 50
res = R.figure1(**cfg)
ch = res["choice"]
print("grid choice: alpha * L_bar =", ch["alpha_over_L"], "| LENA gamma =", ch["gamma"], "| DIANA QSGD levels =", ch["levels"])

# %% [markdown]
# ## Final loss and upload frequency per window
#
# Frequencies to 2 significant digits and losses to 3: deterministic runs, but other BLAS kernels change
# the last bits and may flip an upload decision that sits on the threshold.

# %%
# NBVAL_IGNORE_OUTPUT
# (informational: grid choices, and quantities read at a threshold crossing or from upload counts, which
#  other BLAS kernels can move; the checks below assert the stable facts)
runs = res["runs"]
freq = {n: R.upload_frequency(r, WINDOW) for n, r in runs.items()}
print(f"{'run':<11} {'final loss':>10}   upload frequency per {WINDOW} iterations")
for name, r in runs.items():
    print(f"{name:<11} {r['loss'][-1]:>10.3f}   " + " ".join(f"{f:.2g}" for f in freq[name]))

# %% [markdown]
# ## Checks (measured behaviour)
#
# * LENA-B's frequency falls: last window below the first.
# * The levels order with the noise: LENA-B < LENA-M-15 < LENA-M-2 in the last window.
# * With minibatches LAG uploads far more than LENA (more than 5 times as often in the last window).
# * LENA-B's final loss is within a factor 1.5 of DGD-B's (the paper: the curves coincide; the factor
#   allows LENA's memory lag at its smaller grid-chosen step size).
#
# Where it differs from the paper: with full batch, LAG's frequency falls as low as LENA's in our runs.

# %%
last = {n: f[-1] for n, f in freq.items()}
assert freq["LENA-B"][-1] < freq["LENA-B"][0], freq["LENA-B"]
assert last["LENA-B"] < last["LENA-M-15"] < last["LENA-M-2"], last
for b in ("M-2", "M-15"):
    assert last[f"LAG-{b}"] > 5 * last[f"LENA-{b}"], (b, last)
ratio = runs["LENA-B"]["loss"][-1] / runs["DGD-B"]["loss"][-1]
assert ratio <= 1.5, ratio
print("LENA-B frequency falls:", True, "| levels B < M-15 < M-2:", True, "| LAG > 5x LENA with minibatches:", True)
from reproductions.targets.lena import LAG_VS_LENA_FREQUENCY_ORDERS as orders  # the paper's number (registry)
print("LENA-B final loss within 1.5x DGD-B:", True,
      f"| LAG-B uploads at least 3x more often than LENA-B (the paper: about 10^{orders} x):",
      bool(last["LAG-B"] >= 3 * last["LENA-B"]))

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots(1, 2, figsize=(11, 3.6))
for name, r in runs.items():
    style = "-" if name.endswith("-B") else ("--" if name.endswith("M-15") else ":")
    ax[0].semilogy(r["k"], r["loss"], style, label=name)
for name in [n for n in runs if n.startswith(("LENA", "LAG"))]:
    ax[1].semilogy((np.arange(len(freq[name])) + 1) * WINDOW, np.maximum(freq[name], 1e-4), "o-", label=name)
ax[0].set_xlabel("iteration")
ax[0].set_ylabel("training loss")
ax[1].set_xlabel("iteration")
ax[1].set_ylabel(f"upload frequency (per {WINDOW})")
ax[0].legend(fontsize=6, ncol=2)
ax[1].legend(fontsize=6)
fig.tight_layout()
plt.show()
