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
# # 000, Theorems 3.1 and 4.1: bits per iteration and total bits to an accuracy
#
# **Claims.** IADE uses a constant number of bits per iteration, $O(Nd)$ (Theorem 3.1); AIADE uses
# $O(Nd\ln(k\ln k))$ at iteration $k$ (Theorem 4.1); the paper argues this gives a smaller total
# number of bits to reach an accuracy than QSGD, DQGD or full precision (no numbers are given).
#
# **What we run.** Ridge logistic regression ($\lambda = 10^{-2}$) on **a9a** (real LIBSVM data,
# binary features plus a bias column, $d = 124$), split i.i.d. over $N = 10$ workers; quick mode uses
# the first 4000 rows, full mode (`REPRO_FULL=1`) all 32561. Target: $\|x_k - x^*\| \le 10^{-3}\|x^*\|$.
# Every bit is measured from a real code: the lattice code of Lemma 2.1 for IADE/AIADE (radii from
# the proofs, with the corrections of erratum `iade.theorem-3.1`), Elias-coded levels for QSGD/DQGD,
# 32 bits per float for gradient descent. Uplink and downlink are both counted; the table shows
# bits per worker per iteration, (uplink + downlink)/N.

# %%
import os

import matplotlib.pyplot as plt
import numpy as np

from reproductions.iade import bits_comparison, bits_growth_slope

FULL = os.environ.get("REPRO_FULL") == "1"
res = bits_comparison(full=FULL)
print(f"{res['problem']}: d={res['d']}, N={res['N']}, kappa={res['kappa']:.0f}, target rel. distance {res['rel_tol']:g}")

# %% [markdown]
# The run, for reading. Iterations and total bits to the target depend on float rounding (the
# stopping iteration moves by a few per cent across CPUs), so CI does not compare this table; the
# checks below assert on the runs instead. QSGD with $s = 16$ levels and a constant step stalls at
# a noise floor above the target ("-": not reached).

# %%
# NBVAL_IGNORE_OUTPUT
# (machine-dependent digits, not compared; asserted in the next cells)
print(f"{'algorithm':<13} {'iters':>6} {'total Mbit':>11} {'bits/worker/it first':>21} {'last':>8} {'final rel dist':>15}")
for name, row in res["rows"].items():
    its = row["iterations_to_target"]
    total = row["total_bits_to_target"]
    print(f"{name:<13} {its if its else '-':>6} {total / 1e6 if total else float('nan'):>11.2f} "
          f"{row['bits_per_worker_iteration_first']:>21.1f} {row['bits_per_worker_iteration_last']:>8.1f} "
          f"{row['final_rel_dist']:>15.2e}")

# %% [markdown]
# Checks (these fail the notebook in CI if the claims stop reproducing): IADE's bits per iteration
# are constant for $k \ge 1$ (Theorem 3.1); every IADE/AIADE message fits the radius the proofs
# promise (no overflow); AIADE's bits grow at most like $d\log_2(k\ln k)$.

# %%
iade_hist, aiade_hist = res["rows"]["IADE"]["history"], res["rows"]["AIADE"]["history"]
per_it = (iade_hist["uplink_bits"] + iade_hist["downlink_bits"])[1:]
assert per_it.min() == per_it.max(), "IADE bits per iteration not constant"
assert iade_hist["overflow"].sum() == 0 and aiade_hist["overflow"].sum() == 0
slope = bits_growth_slope(aiade_hist["k"][1:], aiade_hist["downlink_bits"][1:], res["d"])
# IADE's bits per iteration are a deterministic function of d, N and the code's radius: exact text.
print(f"IADE bits per iteration constant for k >= 1: {per_it[0]} bits (all workers + broadcast)")
# The slope is printed to 1 decimal: the claim is "<= 1"; rounding noise moves it by < 0.01.
print(f"AIADE: slope of bits against d log2((k+1) ln(k+2)) = {slope:.1f}   Theorem 4.1 (2): <= 1")
assert slope <= 1.1  # tolerance: the ln k factor of G(k) is asymptotic (see claim iade.theorem-4.1-bits)
rows = res["rows"]
reached = {name: row["total_bits_to_target"] for name, row in rows.items() if row["iterations_to_target"]}
assert set(reached) == {"IADE", "AIADE", "DQGD (s=16)", "GD (32-bit)"}, sorted(reached)
# AIADE reaches the target with the fewest bits (at least 30% fewer than any other method here).
assert all(reached["AIADE"] <= 0.7 * bits for name, bits in reached.items() if name != "AIADE"), reached
print("reach the target: IADE, AIADE, DQGD, GD; QSGD (constant step) stalls above it")
print("fewest total bits to the target: AIADE")
# Where IADE loses: at this kappa its O(kappa) iterations cost it more total bits than DQGD and even
# than 32-bit gradient descent (about 6x and 1.06x in the stored run: the table above; only the
# direction is compared, the GD margin is a few per cent).
for other in ("DQGD (s=16)", "GD (32-bit)"):
    assert reached["IADE"] > reached[other], (other, reached)
print("IADE needs more total bits than DQGD (s=16) and than 32-bit GD here: its per-iteration saving "
      "does not pay for its O(kappa) iterations")

# %%
from reproductions.plot_style import line_styles  # site-wide colours

fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
styles = line_styles(list(res["rows"]))
for name, row in res["rows"].items():
    h = row["history"]
    total = h["cum_uplink_bits"] + h["cum_downlink_bits"]
    axes[0].semilogy(h["k"], h["dist"], label=name, **styles[name])
    axes[1].loglog(total, h["dist"], label=name, **styles[name])
axes[0].set_xlabel("iteration k")
axes[1].set_xlabel("total bits (uplink + downlink)")
for ax in axes:
    ax.set_ylabel(r"$\|x_k - x^*\|$")
axes[1].legend(fontsize=7)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Stored full mode, read with `reproductions.load_results`
#
# `repro run iade-bits --full` (all 32561 rows of a9a) is stored in `reproductions/results/full/iade-bits/`.
# `load_results` gives one row per run and recorded iteration, with each run's sidecar (algorithm, seed,
# commit, status, stop reason) as columns. These numbers are read from the stored files, not recomputed, so
# they print the same on every machine. The verdicts are the target registry's (`repro targets --paper iade`),
# computed from the same files.

# %%
from reproductions import load_results
from reproductions.results_frame import NoStoredResults
from reproductions.targets import evaluate, get as get_target

try:
    stored = load_results("iade-bits")
except NoStoredResults as exc:
    print(exc)
else:
    last = stored.sort_values("k").groupby("run").last()
    print(f"stored full run: commit {last['commit'].iloc[0]}, {last['device'].iloc[0]}")
    print(f"{'algorithm':<10} {'status':<10} {'stopped by':<11} {'at k':>5} {'total Mbit':>11}")
    for _, row in last.sort_values("algorithm").iterrows():
        total = (row["cum_uplink_bits"] + row["cum_downlink_bits"]) / 1e6
        print(f"{row['algorithm']:<10} {row['status']:<10} {row['stop_reason']:<11} {int(row['k']):>5} {total:>11.2f}")
    for tid in ("iade.table-1.bits-per-communication", "iade.section-1.1.total-bits"):
        e = evaluate(get_target(tid))
        print(f"{tid}: {e.status}")
