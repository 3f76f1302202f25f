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
# # 000, Theorem 5.2: IADE-SGD converges linearly under the weak growth condition
#
# **Claim.** Under WGC (Assumption 5.1) with constant $\rho$, IADE-SGD with $\eta = 1/(\rho L)$
# satisfies $\mathbb E\|x_k - x^*\|^2 \le c'^k \xi_s$ with $c = 1 - \mu/(\rho L) < c' < 1$.
#
# **What we run.** The paper has no experiment. WGC needs interpolation, which no real data set here
# satisfies exactly, so we use a synthetic **interpolating** least-squares problem ($d = 10$,
# $N = 4$ workers with 50 rows each, targets $F x_{\text{true}}$), single-row stochastic gradients,
# where WGC holds with $\rho L = \max_j\|a_j\|^2$. $c' = (c + 1)/2$, $s = 1$. The mean of
# $\|x_k - x^*\|^2$ over 40 runs (200 in full mode) is compared with the bound, and its fitted
# linear rate with $c'$ (the theorem's rate) and $c$ (exact SGD's rate).

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from reproductions.iade import iade_sgd_rate

FULL = os.environ.get("REPRO_FULL") == "1"
res = iade_sgd_rate(full=FULL)
print(f"{res['problem']}, rho = {res['rho']:.3f}, runs = {res['runs']}, K = {res['K']}")
# c' and c are formulas of the data (exact to float precision): 4 decimals. The measured rate is a
# 40-run Monte Carlo fit: 2 decimals (its bootstrap standard error is about 1e-3; the check below is
# "measured <= c' + 3 standard errors", asserted on the unrounded values).
print(f"measured rate of E||x_k - x*||^2: {res['measured_rate']:.2f}")
print(f"Theorem 5.2 rate c'             : {res['c_prime']:.4f}")
print(f"SGD rate c = 1 - mu/(rho L)     : {res['c']:.4f}")

# %%
slack = 3 * res["stderr"]
assert np.all(res["mean"] <= res["bound"] + slack), "Theorem 5.2's bound violated beyond 3 standard errors"
# The fitted rate is a Monte Carlo estimate: compared with c' within 3 bootstrap standard errors (over
# the runs), not exactly (the full run's fit, 0.9880 against c' = 0.9876, is within one).
assert res["measured_rate"] <= res["c_prime"] + 3 * res["measured_rate_stderr"], \
    ("measured rate slower than the theorem's c' beyond 3 standard errors", res["measured_rate"], res["measured_rate_stderr"])
print("bound holds at every k (within 3 standard errors); measured rate <= c' (within 3 standard errors)")

# %%
ks = np.arange(len(res["mean"]))
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.semilogy(ks, res["mean"], label=r"mean $\|x_k-x^*\|^2$ (IADE-SGD)")
ax.fill_between(ks, np.maximum(res["mean"] - 2 * res["stderr"], 1e-300), res["mean"] + 2 * res["stderr"], alpha=0.3)
ax.semilogy(ks, res["bound"], "k--", label="Theorem 5.2 bound")
ax.set_xlabel("iteration k")
ax.legend(fontsize=8)
fig.tight_layout()
plt.show()
