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
# # 003, Figure 2: test accuracy against uploaded bits on MNIST (one label per node)
#
# **Claims.** Figure 2 (b) (minibatch 3, M = 200): LENA needs 51.3 Mb to reach 0.86 test accuracy,
# DIANA 879 Mb, LAG 39.75 Gb; with the "upload once the condition held 3 times" rule, 37 Mb (95% saved vs
# DIANA, 99.9% vs LAG). Figure 1: LAG's upload frequency is about two orders of magnitude above LENA's.
#
# **What we run (substitutes, declared).** MNIST with one label per node, one-versus-all ridge logistic
# regression (d = 7840, lam = 1e-4, our choice), LENA with the momentum drift and beta = 40, every node
# uploading at round 0. The filter: `beta alpha^2 ||g||^2` ("LENA", scale-invariant), and as printed,
# `beta ||g||^2` ("LENA-printed"), which is unstable at beta = 40 in our runs (see the chapter).
# Step sizes (per algorithm), LENA's momentum and DIANA's QSGD levels come from the documented grid of
# `reproductions.lena.grid_search`; the paper's values (its appendix) are not available.
# Quick mode: M = 20 nodes, 40 images each, 250 iterations, 2000 test images, target 0.75.
# Full mode (`REPRO_FULL=1`, stored below when present): the paper's M = 200 on all 60,000 images,
# minibatch 3, 2000 iterations, target 0.86.

# %%
# NBVAL_IGNORE_OUTPUT
# (informational: grid choices, and quantities read at a threshold crossing or from upload counts, which
#  other BLAS kernels can move; the checks below assert the stable facts)
import os
import warnings

import numpy as np

from reference_impl.algorithms.base import TheoryRangeWarning
from reproductions import lena as R

warnings.filterwarnings("ignore", category=TheoryRangeWarning)   # beta = 40 is outside Algorithm 1's range
FULL = os.environ.get("REPRO_FULL") == "1"
cfg = R.FULL_FIG2 if FULL else R.QUICK_FIG2
res = R.figure2(**cfg)
ch = res["choice"]
print("grid choice: alpha * L_bar =", ch["alpha_over_L"], "| LENA gamma =", ch["gamma"], "| DIANA QSGD levels =", ch["levels"])

# %% [markdown]
# ## Bits to reach the target, upload frequency, final accuracy
#
# Printed to 2 significant digits: the runs are deterministic (seeds from names), but BLAS kernels on
# other machines change the last bits of the iterates, and an upload decision near the threshold can flip.

# %%
# NBVAL_IGNORE_OUTPUT
# (informational: grid choices, and quantities read at a threshold crossing or from upload counts, which
#  other BLAS kernels can move; the checks below assert the stable facts)
from reproductions.targets import lena as PAPER  # the paper's numbers, written once (the target registry)

P = PAPER.FIG2B
PAPER_MB = {"LENA": P["bits_LENA"], "LENA-3": P["bits_LENA_3trigger"], "DIANA": P["bits_DIANA"], "LAG": P["bits_LAG"]}


def mb(bits):
    return "never" if not np.isfinite(bits) else f"{bits / 1e6:.2g}"


def table(runs, bits_to_target, target):
    print(f"{'algorithm':<13} {'Mb to ' + str(target):>10} {'paper: Mb to 0.86':>18} {'upload freq':>12} {'final acc':>10}")
    for name, r in runs.items():
        freq = r["uploads"] / r["rounds"] if "uploads" in r else (r["bits"] > 0).mean()
        pv = f"{PAPER_MB[name] / 1e6:.4g}" if name in PAPER_MB else "-"
        print(f"{name:<13} {mb(float(bits_to_target[name])):>10} {pv:>18} {freq:>12.2g} {r['acc'][-1]:>10.2f}")


table(res["runs"], res["bits_to_target"], cfg["target"])

# %% [markdown]
# ## Checks (measured behaviour)
#
# * Bit accounting: DGD uploads every round, 32 bits per coordinate: exactly `T M 32 d` bits.
# * LENA skips: its upload frequency is below LAG's (the paper: about 100 times below), and the
#   3-trigger rule uploads less than LENA.
# * LENA-printed (the filter as printed, beta = 40) ends far above DGD's training loss (factor > 5):
#   the instability described on the chapter page.

# %%
r = res["runs"]
T_, M_ = r["DGD"]["bits"].shape
assert r["DGD"]["bits"].sum() == T_ * M_ * 32 * 7840
freq = {n: (x["bits"] > 0).mean() for n, x in r.items()}
assert freq["LENA"] < freq["LAG"] and freq["LENA-3"] < freq["LENA"], freq
assert r["LENA-printed"]["loss"][-1] > 5 * r["DGD"]["loss"][-1]
assert freq["LAG"] > 4 * freq["LENA"], freq
print(f"LENA uploads over 4x less often than LAG: True (paper: about 10^{PAPER.LAG_VS_LENA_FREQUENCY_ORDERS} x)")
print("DIANA needs fewer bits than LENA to the target here:",
      bool(res["bits_to_target"]["DIANA"] < res["bits_to_target"]["LENA"]),
      f"| paper: LENA saves {P['saving_vs_DIANA']:.0%} of DIANA's bits")

# %% [markdown]
# ## Full mode (stored): the paper's setting M = 200, all images, minibatch 3, target 0.86

# %%
# NBVAL_IGNORE_OUTPUT
# (informational: grid choices, and quantities read at a threshold crossing or from upload counts, which
#  other BLAS kernels can move; the checks below assert the stable facts)
full = R.load_full("lena-fig2")
if full is None:
    print("no stored full-mode result (run `repro run lena-fig2 --full`)")
else:
    m = full["meta"]
    print(f"full mode: M = {full['results']['M']}, {full['results']['iterations']} iterations; device {m['device']}, "
          f"commit {m['commit']}, wall {m['wall_time_s'] / 60:.0f} min, seeds {m['seed']}")
    fr = full["results"]
    runs = {n: dict(acc=np.array(x["acc"]), uploads=x["uploads"], rounds=len(x["k"]) and x["k"][-1] * fr["M"])
            for n, x in fr["runs"].items()}
    table(runs, {n: float(v) for n, v in fr["bits_to_target"].items()}, fr["target"])

# %%
import matplotlib.pyplot as plt

from reproductions.plot_style import line_styles  # site-wide colours; variants of one method by line style

fig, ax = plt.subplots(1, 2, figsize=(10, 3.5))
styles = line_styles(list(r))
for name, x in r.items():
    cum = np.cumsum(x["bits"].sum(axis=1))[x["k"] - 1]
    ax[0].semilogx(np.maximum(cum, 1), x["acc"], label=name, **styles[name])
    ax[1].semilogy(x["k"], x["loss"], label=name, **styles[name])
ax[0].set_xlabel("uploaded bits")
ax[0].set_ylabel("test accuracy (quick mode)")
ax[1].set_xlabel("iteration")
ax[1].set_ylabel("training loss")
ax[0].legend(fontsize=7)
fig.tight_layout()
plt.show()
