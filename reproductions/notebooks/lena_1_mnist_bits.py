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
# # 003, Figures 1 and 2: uploads and bits to reach a test accuracy on MNIST (one label per node)
#
# **Claims.** Figure 2 (b) (minibatch 3, M = 200): LENA needs 51.3 Mb to reach 0.86 test accuracy,
# DIANA 879 Mb, LAG 39.75 Gb; with the "upload once the condition held 3 times" rule, 37 Mb (95% saved vs
# DIANA, 99.9% vs LAG). Figure 1: LAG's upload frequency is about two orders of magnitude above LENA's.
#
# **What we run (substitutes, declared).** MNIST with one label per node, one-versus-all ridge logistic
# regression (d = 7840, lam = 1e-4, our choice), LENA with the momentum drift and beta = 40. Quick mode:
# M = 20 nodes, 40 images each, 250 iterations, minibatch 3, target 0.80 (the paper's 0.86 is not
# reached by every method in 250 iterations); the paper's M = 200 on all 60,000 images for thousands of
# iterations is beyond this CPU budget. Step sizes, LENA's momentum and DIANA's QSGD levels by the
# documented grid of `reproductions.lena.grid_search` (final training loss after 30 iterations); the
# paper's appendix with its values is not available. We add LENA with beta = 1 (the top of Algorithm 1's
# stated range), because beta = 40 behaves badly at this scale (below).

# %%
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
def mb(bits):
    return "never" if not np.isfinite(bits) else f"{bits / 1e6:.2g}"

P = R.PAPER_VALUES
paper = {"LENA": P["fig2b_bits_LENA"], "LENA-3": P["fig2b_bits_LENA_3trigger"], "DIANA": P["fig2b_bits_DIANA"],
         "LAG": P["fig2b_bits_LAG"]}
print(f"{'algorithm':<11} {'Mb to ' + str(cfg['target']):>10} {'paper Mb to 0.86 (M=200)':>25} {'upload freq':>12} {'final acc':>10}")
for name, r in res["runs"].items():
    freq = (r["bits"] > 0).mean()
    pv = f"{paper[name] / 1e6:.4g}" if name in paper else "-"
    print(f"{name:<11} {mb(res['bits_to_target'][name]):>10} {pv:>25} {freq:>12.2g} {r['acc'][-1]:>10.2f}")

# %% [markdown]
# ## Checks (measured behaviour)
#
# * Bit accounting: DGD uploads every round, 32 bits per coordinate: exactly `T M 32 d` bits.
# * LENA skips: its upload frequency is below LAG's (the paper: about 100 times below).
# * Where LENA loses here: with beta = 40 at this scale LENA does not reach the target within the run,
#   while DIANA, LAG and DGD do; we assert what we measure (so a change is noticed) and say it on the page.

# %%
r = res["runs"]
T_, M_ = r["DGD"]["bits"].shape
assert r["DGD"]["bits"].sum() == T_ * M_ * 32 * 7840
fl, fg = (r["LENA"]["bits"] > 0).mean(), (r["LAG"]["bits"] > 0).mean()
assert fl < fg, (fl, fg)
assert np.isfinite(res["bits_to_target"]["DIANA"]) and np.isfinite(res["bits_to_target"]["LAG"])
print(f"LAG / LENA upload frequency: {fg / fl:.1g} (paper: about 10^{P['lag_vs_lena_upload_frequency_orders']})")
print("LENA (beta = 40) reaches the target:", bool(np.isfinite(res["bits_to_target"]["LENA"])))
print("DIANA bits to target below LAG's:", res["bits_to_target"]["DIANA"] < res["bits_to_target"]["LAG"])

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots(1, 2, figsize=(10, 3.5))
for name, x in r.items():
    cum = np.cumsum(x["bits"].sum(axis=1))[x["k"] - 1]
    ax[0].semilogx(np.maximum(cum, 1), x["acc"], label=name)
    ax[1].semilogy(x["k"], x["loss"], label=name)
ax[0].set_xlabel("uploaded bits")
ax[0].set_ylabel("test accuracy")
ax[1].set_xlabel("iteration")
ax[1].set_ylabel("training loss")
ax[0].legend(fontsize=7)
fig.tight_layout()
plt.show()
