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
# # 004, convex table: log10 excess loss after 450 epochs
#
# **Claim (slide "More experiments (convex)").** Logistic regression on three LIBSVM sets split
# heterogeneously over $N = 20$ workers; $\log_{10}(F(w_k) - F_*)$ after 450 epochs:
#
# | | SGD | DIANA | MCM | Dore |
# |---|---|---|---|---|
# | a9a, $b = 50$ | -3.5 | -2.7 | -2.7 | -1.8 |
# | phishing, $b = 50$ | -3.7 | -3.5 | -3.4 | -2.7 |
# | w8a, $b = 8$ | -3.5 | -3.0 | -2.5 | -1.75 |
#
# i.e. no compression is best, MCM (bidirectional compression, preserved central model) is close to
# DIANA (uplink compression only), and Dore (bidirectional, degraded model) is clearly worst.
#
# **What we run.** The authors' setting, fact by fact (project notes `mcm-convex-setting.md`):
# standardised columns plus a bias column ($d = 124$ on a9a), the authors' t-SNE cluster split with
# their rebalancing, plain logistic loss (no regularisation), $w_0 = 0$, $F$ = the plain average of
# the workers' mean losses, $\gamma = 1/L$ with **their** $L$ (average of
# $\|X_i^\top X_i\|_F/(4 n_i)$, a Frobenius norm; the spectral norm gives a smaller $L$), $s = 1$ QSGD
# both ways ($\omega = \sqrt{d}$), memory rates $\alpha = 1/(2(\omega+1))$, uplink memories starting
# at the first gradient, one epoch = $\lfloor \min_i n_i / b \rfloor$ rounds. $F_*$ comes from
# Newton's method to $\|\nabla F\| \le 10^{-12}$ (the authors used a long gradient descent).
#
# **Quick mode** (default, CI-sized): 40 epochs on a9a and phishing, 20 on w8a, one run. The
# curves are then still in their transient and far above the table's values, so quick mode is
# compared to the paper **only qualitatively** (the ordering; see the checks). **Full mode**
# (`REPRO_FULL=1`, or `repro run mcm-convex-table --full`): 450 epochs, 5 runs, the table's
# statistic (mean over runs of the log10 excess loss). Stored full-mode results
# (`reproductions/results/full/mcm-convex-table/`) are shown beside the paper's numbers when present.

# %%
import os
import warnings

import matplotlib.pyplot as plt
import numpy as np

from reference_impl.algorithms.base import TheoryRangeWarning
from reproductions import mcm

# gamma = 1/L is above MCM's theoretical gamma_max (as in the paper's experiments): not news here.
warnings.filterwarnings("ignore", category=TheoryRangeWarning)
FULL = os.environ.get("REPRO_FULL") == "1"
from reproductions.targets.mcm import CONVEX_TABLE as PAPER_TABLE, CONVEX_TOL  # the slide's numbers (registry)

# %% [markdown]
# ## The setting: step size, $L$, epochs, $F_*$

# %%
print(f"{'data':<9} {'d':>4} {'b':>3} {'rounds/epoch':>12} {'L (Frobenius)':>14} {'L spectral: mean':>17} "
      f"{'max_i':>7} {'of F':>6} {'gamma':>8} {'omega':>6}")
settings = {ds: mcm.convex_setting(ds) for ds in mcm.DATASETS}
for ds, st in settings.items():
    print(f"{ds:<9} {st.problem.d:>4} {st.batch:>3} {st.rounds_per_epoch:>12} {st.L_frobenius:>14.4f} "
          f"{st.L_spectral['mean']:>17.4f} {st.L_spectral['max']:>7.3f} {st.L_spectral['F']:>6.3f} "
          f"{st.gamma:>8.5f} {st.omega:>6.3f}")
print(f"\na9a: our Frobenius L = {settings['a9a'].L_frobenius:.4f}   notes: {mcm.NOTES_L_FROBENIUS_A9A}")
print("a9a worker sizes:", list(settings["a9a"].sizes))
assert abs(settings["a9a"].L_frobenius - mcm.NOTES_L_FROBENIUS_A9A) < 1e-4

# %% [markdown]
# $F_*$ by Newton's method. The data are rank deficient (standardised one-hot groups are collinear
# with the bias column), and on all three sets some directions are quasi-separable: $F$'s infimum is
# not attained, the Hessian's smallest eigenvalue in the data's row space decays to 0 along the
# iterations. $F_*$ is still well defined; we stop at $\|\nabla F\| \le 10^{-12}$. Beside it: how far
# a full-batch gradient descent ($\gamma = 1/L_F$, from 0) still is after 200 steps (2000 in full
# mode: $6\cdot10^{-6}$, $1.5\cdot10^{-4}$, $1.2\cdot10^{-2}$); the authors' $F_*$ came from such a
# descent, and an $F_*$ that is too high makes excess losses look smaller.

# %%
# Precision: F* to 9 decimals (the table's log10 excess losses down to -3.7 need F* to about 1e-6;
# the 10th decimal and beyond is float noise of the Newton solve). The final gradient norm and the
# smallest curvature are float-noise quantities: printed as bounds (asserted). The Newton iteration
# count at the 1e-12 threshold is asserted (<= 60), not printed. The GD gap: 2 significant digits.
from reproductions.display import below

GD_STEPS = 2000 if FULL else 200
print(f"{'data':<9} {'F*':>13} {'||grad F||':>11} {'rank':>5} {'min curvature':>14} "
      f"{'GD(' + str(GD_STEPS) + ') - F*':>14}")
for ds, st in settings.items():
    gd = mcm.gd_optimum_gap(st.problem, st.newton["f_star"], GD_STEPS)
    assert st.newton["iterations"] <= 60 and gd["gap"] >= -1e-12
    print(f"{ds:<9} {st.newton['f_star']:>13.9f} {below(st.newton['grad_norm'], 1e-12, 'grad_norm'):>11} "
          f"{st.newton['row_rank']:>5} {below(st.newton['min_curvature'], 1e-10, 'min_curvature'):>14} "
          f"{gd['gap']:>14.1e}")

# %% [markdown]
# ## The table

# %%
epochs = {ds: mcm.PAPER_EPOCHS for ds in mcm.DATASETS} if FULL else mcm.QUICK_EPOCHS_TABLE
runs = mcm.PAPER_RUNS if FULL else 1
table = mcm.convex_table(epochs=epochs, runs=runs, record_every_epochs=10 if FULL else 1)


def show(tab, title):
    print(title)
    print(f"{'data':<9} {'epochs':>6} {'runs':>4}  " + "  ".join(f"{a:>14}" for a in mcm.TABLE_ALGORITHMS))
    for ds, t in tab.items():
        cells = "  ".join(f"{t['rows'][a]['final']:>6.2f} ({PAPER_TABLE[ds][a]:>5.2f})" for a in mcm.TABLE_ALGORITHMS)
        print(f"{ds:<9} {t['epochs']:>6} {t['runs']:>4}  {cells}")
    print("ours (paper)\n")


show(table, f"This run ({'full' if FULL else 'quick'} mode): mean over runs of log10(F(w) - F*)")
stored = mcm.load_full_table()
if stored is not None:
    meta = stored["meta"]
    show({ds: r for ds, r in stored["results"].items() if ds in mcm.DATASETS},
         f"Stored full-mode results (commit {meta['commit']}, {meta['device']}, "
         f"{meta['wall_time_s'] / 60:.0f} min)")

# %% [markdown]
# ## Checks
#
# These fail the notebook (and CI) when the claims stop reproducing.
#
# * On every run (quick or full), on a9a and w8a: **SGD $\le$ DIANA, MCM** and **Dore worst**, with a
#   tolerance of 0.1 in log10 (`TOL`): SGD $\le \min(\text{DIANA}, \text{MCM}) + 0.1$ and
#   Dore $\ge \max(\text{DIANA}, \text{MCM}) + 0.1$. On phishing the four curves separate only after
#   about 100 epochs, so quick mode checks nothing there.
# * On the 450-epoch, 5-run results (this run in full mode, or the stored ones), the paper's ordering
#   on every data set: SGD $\le$ DIANA $+ 0.1$, DIANA $\le$ MCM $+ 0.1$, MCM $\le$ Dore $- 0.2$; and
#   on a9a, whose setting the notes pin down completely, every cell within `PAPER_TOL` = 0.2 of the
#   paper. On phishing and w8a our numbers are higher than the paper's (differences printed, not
#   checked; see the diagnostic below).

# %%
TOL, PAPER_TOL = 0.1, CONVEX_TOL


def check_quick(rows):
    f = {a: rows[a]["final"] for a in mcm.TABLE_ALGORITHMS}
    assert f["SGD"] <= min(f["DIANA"], f["MCM"]) + TOL, f
    assert f["Dore"] >= max(f["DIANA"], f["MCM"]) + TOL, f


def check_ordering(rows):
    f = {a: rows[a]["final"] for a in mcm.TABLE_ALGORITHMS}
    assert f["SGD"] <= f["DIANA"] + TOL and f["DIANA"] <= f["MCM"] + TOL and f["MCM"] <= f["Dore"] - 2 * TOL, f


for ds in ("a9a", "w8a"):
    check_quick(table[ds]["rows"])
print("this run: SGD best and Dore worst on a9a and w8a (tolerance 0.1)")

full_tables = [table] if FULL else []
if stored is not None:
    full_tables.append(stored["results"])
for tab in full_tables:
    for ds in mcm.DATASETS:
        check_ordering(tab[ds]["rows"])
    for a in mcm.TABLE_ALGORITHMS:
        ours = tab["a9a"]["rows"][a]["final"]
        assert abs(ours - PAPER_TABLE["a9a"][a]) <= PAPER_TOL, (a, ours)
    print("450 epochs: the paper's ordering holds on all three sets; a9a within", PAPER_TOL, "of the paper")
    print("ours - paper:", {ds: {a: round(tab[ds]["rows"][a]["final"] - PAPER_TABLE[ds][a], 2)
                                  for a in mcm.TABLE_ALGORITHMS} for ds in mcm.DATASETS})

# %% [markdown]
# **A hypothesis test, not a claim.** An $F_*$ that is too high by $\delta$ turns every excess loss
# $F - F_*$ into $F - F_* - \delta$. Below, the constant $\delta$ that best maps each of our rows
# (per-run values, 450 epochs) onto the paper's, and the largest difference that remains. On phishing
# it takes $\delta \approx 5\cdot10^{-4}$, 28 times the excess the authors' own $F_*$ has
# ($1.9\cdot10^{-5}$, measured with their code), and still leaves 0.25; on w8a $\delta \approx
# 2.3\cdot10^{-3}$ leaves 0.44. A wrong $F_*$ alone explains neither row (the diagnosis below).

# %%
for tab in full_tables[-1:]:
    for ds in mcm.DATASETS:
        fit = mcm.fstar_offset_fit(tab[ds]["rows"], PAPER_TABLE[ds])
        cells = "  ".join(f"{a} {fit['shifted'][a]:.2f}" for a in mcm.TABLE_ALGORITHMS)
        print(f"{ds:<9} delta = {fit['delta']:.1e}:  {cells}   max |shifted - paper| = {fit['max_abs_diff']:.2f}")

# %% [markdown]
# ## Diagnosis of the phishing and w8a gaps
#
# **What the stored numbers show** (450 epochs, 5 runs, our code; the facts measured with the
# authors' code are in the project notes `mcm-convex-setting.md`):
#
# * **a9a**: reproduced (every cell within 0.12 of the paper). The authors' $F_*$ is only
#   $8\cdot10^{-7}$ above the optimum there, which changes no cell; the 400-450 window changes none by
#   more than 0.04.
# * **phishing**: our numbers are the authors' code's numbers, not the table's. Our SGD gives -3.12 and
#   MCM -3.07 at epoch 450 (their code, run here: -3.12 and -3.09); the paper prints -3.7 and -3.4.
#   Their $F_*$ moves every cell by 0.01, the 400-450 window by at most 0.04 (mostly away from the paper).
#   So the phishing gap (0.3 to 0.6) is not in our reimplementation; neither their public code nor
#   their notebook reaches the table's phishing values, and we do not know what does. Dore is the one
#   cell that lies below the paper's (-2.78 against -2.7).
# * **w8a**: two causes, each measured. (1) The authors' $F_*$ lies $1.8\cdot10^{-3}$ above the
#   optimum: scored against it, SGD moves from -2.52 to -2.97, DIANA from -2.30 to -2.49, MCM from
#   -2.10 to -2.22 (Dore -1.58 to -1.61), toward the paper's -3.5, -3.0, -2.5, -1.75. (2) Their code's
#   w8a batch is 12, not the table's 8: with b = 12 and their $F_*$ we get SGD -2.68, DIANA -2.48,
#   MCM -2.28, Dore -1.77, so the larger batch brings Dore and MCM to within 0.22 of the paper and
#   SGD/DIANA further away. A single epoch of one run is noisy on w8a (the authors' one b = 8 run reads
#   -3.31 at epoch 450 but -2.87 averaged over 400-450, their $F_*$); our 5-run means, -2.97 at 450 and
#   -2.92 over 400-450, agree with that average, and the window moves no w8a cell by more than 0.05.
#   What remains (SGD 0.5 to 0.8, DIANA 0.5 from the paper, with either batch) is not explained by the
#   facts we could check; the paper's ordering SGD < DIANA < MCM < Dore holds in every variant.
#
# The numbers below are read from the stored full-mode results (450 epochs, 5 runs): per cell, the
# table's statistic at epoch 450 and averaged over epochs 400-450 (`window`), each scored against our
# Newton $F_*$ and against the authors' $F_*$ (ours plus the excess measured with their code, notes:
# `mcm.AUTHORS_FSTAR_EXCESS`); for w8a also with their code's batch $b = 12$.

# %%
def diagnosis_rows(tab):
    rows = [(ds, ds) for ds in mcm.DATASETS] + [("w8a-b12", "w8a")]
    print(f"{'data (b)':<14} {'algorithm':<6} {'paper':>6}  {'450, our F*':>11} {'450, their F*':>13} "
          f"{'400-450, our F*':>15} {'400-450, their F*':>17}")
    for key, ds in rows:
        if key not in tab:
            continue
        b = tab[key]["setting"]["batch"]
        for a in mcm.TABLE_ALGORITHMS:
            r = tab[key]["rows"][a]
            print(f"{ds + ' (' + str(b) + ')':<14} {a:<6} {PAPER_TABLE[ds][a]:>6.2f}  {r['final']:>11.2f} "
                  f"{r['final_authors_fstar']:>13.2f} {r['window']:>15.2f} {r['window_authors_fstar']:>17.2f}")


if stored is not None and "window" in stored["results"]["a9a"]["rows"]["SGD"]:
    print("excess of the authors' F* over ours:", mcm.AUTHORS_FSTAR_EXCESS)
    diagnosis_rows(stored["results"])
else:
    print("no stored full-mode results with the diagnosis statistics")

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 3.4))
source = stored["results"] if stored is not None else table
for ax, ds in zip(axes, mcm.DATASETS):
    for a in mcm.TABLE_ALGORITHMS:
        row = source[ds]["rows"][a]
        ax.plot(row["epochs"], row["curve"], label=f"{a} ({row['final']:.2f}; paper {PAPER_TABLE[ds][a]})")
    ax.set_title(f"{ds} ({'stored full run' if stored is not None else 'this run'})")
    ax.set_xlabel("epoch")
    ax.set_ylabel(r"mean $\log_{10}(F(w) - F_*)$")
    ax.legend(fontsize=7)
fig.tight_layout()
plt.show()
