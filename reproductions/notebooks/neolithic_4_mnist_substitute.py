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
# # 001, CIFAR-10 tables on a substitute: the same methods on a CNN trained on MNIST
#
# **Claims (slides "Experiments: image classification on Cifar-10" and "influence of hyper parameter
# R").** 8 workers, minibatch 128, $R = 2$, ResNet-18 / ResNet-20 on CIFAR-10. Table 1, top-$k$ at 5%
# and 1%: NEOLITHIC matches P-SGD (no compression) and MEM-SGD, Double Squeeze is slightly behind and
# EF21-SGD far behind (ResNet-20: 65.8% at 5%, 56.0% at 1%, against 91.6% for P-SGD). Table 2, 4-bit
# quantization: all methods within 1.4 points of P-SGD, QSGD the lowest. The R table (ResNet-18): the
# accuracy drops as $R$ grows from 2 to 5.
#
# **Substitute (declared).** CIFAR-10 is not available here (no data set, no network), and ResNets on
# 8 workers do not fit 2 CPU cores in a notebook. The same methods, workers, $R$ and compressors run on
# MNIST, the library's algorithm files *unchanged* on the neural-network problem
# (`reference_impl.nn_problem`): **quick mode (this notebook in CI): LeNet-5** ($d = 61706$), 8 i.i.d.
# workers with 100 images each, minibatch 16 per oracle query, a budget of 100 compression rounds per
# worker, step 0.1, top-5% only (and $R = 1, 2, 4$); **full mode: a ResNet-20-style network** (width 8, per-worker BatchNorm, $d =
# 68642$), 500 images per worker, minibatch 32, 600 rounds, top-5% and top-1%, $R = 1$ to 5. Top-$k$ with $k = \lceil 0.05\,d\rceil$
# and $\lceil 0.01\,d\rceil$; "4-bit quantization" as QSGD with $s = 16$ levels (unbiased; scaled by
# $1/(1+\omega)$ where error feedback needs a contractive compressor, as in the library's
# `as_contractive`). **Budget rule** (as in the CPU substitute of the R sweep, `neolithic_3_r_sweep`):
# every method gets the same budget $T$ of compression rounds, i.e. oracle queries, per worker;
# NEOLITHIC with $R$ runs $T/R$ iterations, each accumulating $R$ minibatches, with the same step.
# Quick mode is a toy size: its numbers show that the methods train, not the slide's accuracies.

# %%
import math
import os

from reproductions.deep import NEOLITHIC_CONFIG, NEOLITHIC_SLIDES, QUANT_METHODS, TOPK_METHODS, neolithic_tables
from reproductions.figures import load_summary
from reproductions.targets.neolithic import CIFAR_QUANT, CIFAR_TOPK, R_TABLE

FULL = os.environ.get("REPRO_FULL") == "1"
res = neolithic_tables(FULL)
cfg = res["config"]
print(f"substitute: {res['problem']}, d = {res['d']}, budget {cfg['rounds']} rounds, batch {cfg['batch']}, "
      f"step {cfg['gamma']}, R = {cfg['R']}, top-k k = {res['k']}, QSGD s = {cfg['qsgd_levels']}")
print(f"slides: {NEOLITHIC_SLIDES['data']}, {NEOLITHIC_SLIDES['model']}, N = {NEOLITHIC_SLIDES['N']}, "
      f"minibatch {NEOLITHIC_SLIDES['batch']}, R = {NEOLITHIC_SLIDES['R']}")

# %% [markdown]
# The tables, ours (MNIST substitute) beside the slide's ResNet-20 column (CIFAR-10). Test accuracies
# after a few hundred rounds of float32 training depend on the CPU's rounding, so these digits are
# **machine-dependent and not compared**; the checks below assert with margins.

# %%
# NBVAL_IGNORE_OUTPUT
SLIDE_NAME = {"Double Squeeze": "Double-Squeeze", "P-SGD": "PSGD"}
label = "ours (quick, MNIST)" if not FULL else "ours (full, MNIST)"
for ratio, rows in res["topk"].items():
    print(f"Table 1, top-k {ratio}: test accuracy %   {label:>22s}  slide ResNet-20 (CIFAR-10)")
    for m, r in rows.items():
        slide = CIFAR_TOPK[ratio].get(SLIDE_NAME.get(m, m), {}).get("ResNet20")
        print(f"  {m:16s}{100 * r['test_accuracy']:22.1f}  " + (f"{slide[0]:.2f} +- {slide[1]}" if slide else "-"))
print(f"Table 2, QSGD s = {cfg['qsgd_levels']}:")
for m, r in res["quant"].items():
    slide = CIFAR_QUANT[SLIDE_NAME.get(m, m)]["ResNet20"]
    print(f"  {m:16s}{100 * r['test_accuracy']:22.1f}  {slide[0]:.2f} +- {slide[1]}")
print(f"R sweep, NEOLITHIC top-k {list(res['topk'])[0]}, budget {cfg['rounds']} rounds (slide: ResNet-18, 5%):")
for R, r in res["r_sweep"].items():
    print(f"  R = {R}: {r['iterations']:4d} iterations, test accuracy {100 * r['test_accuracy']:.1f}%, "
          f"train loss {r['train_loss']:.3f}   slide {R_TABLE[0.05].get(int(R), '-')}")

# %% [markdown]
# **Checks (with margins of at least 10 points; measured values in the table above).** Every run
# completes with finite values. P-SGD and MEM-SGD (top-5%) train: test accuracy at least 60% (chance
# is 10%). **Where NEOLITHIC loses:** at the same budget of compression rounds and the same step,
# NEOLITHIC with $R = 2$ takes half as many iterations as the others, and at this short budget it
# ends more than 10 points below P-SGD; the R sweep falls steeply with $R$ ($R = 1$ is Double
# Squeeze), by more than 5 points from each $R$ to the next. That is the slide's direction for $R$,
# but here it is plainly an optimisation effect of taking fewer steps (the train loss rises with
# $R$ too), at a budget where no method has converged. The slide's Table 1 ordering (NEOLITHIC level
# with P-SGD and MEM-SGD, EF21-SGD far behind) is not reproduced at the quick size: EF21-SGD is about
# level with P-SGD here, and MEM-SGD and QSGD end above P-SGD, an early-training effect of this toy
# budget that we do not read as a result.

# %%
runs = [r for rows in res["topk"].values() for r in rows.values()] + list(res["quant"].values()) \
    + list(res["r_sweep"].values())
assert all(r["status"] == "completed" and math.isfinite(r["train_loss"]) for r in runs), \
    [(r["label"], r["status"]) for r in runs if r["status"] != "completed"]
first = list(res["topk"])[0]
acc = {m: r["test_accuracy"] for m, r in res["topk"][first].items()}
assert acc["P-SGD"] >= 0.60 and acc["MEM-SGD"] >= 0.60, acc
assert acc["NEOLITHIC"] <= acc["P-SGD"] - 0.10, acc
sweep = [res["r_sweep"][str(R)]["test_accuracy"] for R in cfg["Rs"]]
assert all(a >= b + 0.05 for a, b in zip(sweep, sweep[1:])), sweep
print(f"all {len(runs)} runs completed; P-SGD and MEM-SGD (top-k {first}) >= 60%; NEOLITHIC (R = {cfg['R']}) more "
      f"than 10 points below P-SGD at the same budget; accuracy falls by more than 5 points from R to R in "
      f"{list(cfg['Rs'])}")

# %% [markdown]
# Stored full-mode results (`repro run neolithic-dl-substitute --full`), when present:

# %%
full = load_summary("neolithic-dl-substitute")  # None unless a completed full run is stored
if full is not None:
    meta, fres = full["meta"], full["results"]
    print(f"full run: commit {meta['commit']}, {meta['device']}, {meta['wall_time_s'] / 60:.0f} min, {fres['problem']}")
    for ratio, rows in fres["topk"].items():
        print(f"  top-k {ratio}: " + ", ".join(f"{m} {100 * r['test_accuracy']:.1f}%" for m, r in rows.items()))
    print("  QSGD: " + ", ".join(f"{m} {100 * r['test_accuracy']:.1f}%" for m, r in fres["quant"].items()))
    print("  R sweep: " + ", ".join(f"R={R} {100 * r['test_accuracy']:.1f}%" for R, r in fres["r_sweep"].items()))
else:
    print("no stored full-mode results (full mode was not run: the ResNet-20 substitute is not measured)")
