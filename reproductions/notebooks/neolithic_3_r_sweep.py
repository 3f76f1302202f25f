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
# # 001, influence of R: a tiny CPU substitute for the CIFAR-10 table
#
# **Claim (slide "Experiments: influence of hyper parameter R").** NEOLITHIC on CIFAR-10 with
# ResNet-18 (8 workers, top-k, minibatch 128) loses test accuracy as the number $R$ of FCC rounds
# grows. With 5% compression the accuracy is 94.63, 93.32, 92.55 and 91.48% for $R = 2, 3, 4, 5$;
# with 1% it is 94.16, 93.15, 92.27 and 91.32%. The slide's conjecture: "large-batch gradient
# accumulation helps optimization but may hurt generalization".
#
# **Not reproducible here.** CIFAR-10, ResNet-18 and GPUs are not available to this package (no
# data set, no network, CPU-only CI). **Substitute, at a tiny size on CPU:** a one-hidden-layer ReLU
# network (32 units, $d = 6634$ parameters) on MNIST images average-pooled to $14\times14$.
# 8 workers hold 512 training images each (i.i.d.), and the test set is the first 2000 test images.
# Compression is top-$k$ with $k = \lceil 0.05\,d\rceil$ (5%; full mode also 1%). An oracle query
# is a 16-image minibatch. The budget is 1200 compression rounds per worker (3000 in full mode), so
# NEOLITHIC with $R$ rounds runs $1200/R$ iterations, each accumulating $R$ minibatches. Two
# step-size rules:
#
# * **constant**: the same step $\gamma = 0.1$ per iteration for every $R$. With this rule a larger
#   $R$ means fewer, equally long steps.
# * **linear**: $R\gamma$ per iteration, the linear-scaling rule for an $R$-times larger batch, so
#   the step per sample is the same for every $R$.
#
# P-SGD (no compression, step 0.1, 1200 iterations) is the reference. $R = 1$ is NEOLITHIC without
# FCC or accumulation, i.e. Double Squeeze; the two rules share it. Mean over 2 seeds (3 in full mode).

# %%
import os

import matplotlib.pyplot as plt

from reproductions.figures import load_summary
from reproductions.neolithic import r_sweep, r_sweep_config

FULL = os.environ.get("REPRO_FULL") == "1"
from reproductions.targets.neolithic import R_TABLE as SLIDE  # the slide's table, from the target registry
cfg = r_sweep_config(FULL)
res = r_sweep(**cfg)

# %%
first = res
print(f"{first['problem']}, d = {first['d']}, budget {first['rounds']} rounds, batch {first['batch']}, "
      f"seeds {first['seeds']}; P-SGD test accuracy {100 * first['psgd']['test_accuracy']:.1f}%")
for ratio in cfg["ratios"]:
    print(f"\ntop-k {100 * ratio:g}% (k = {first['k'][ratio]}): test accuracy % (train loss), slide's CIFAR-10 / ResNet-18")
    print(f"{'R':>3}{'iterations':>11}{'constant lr':>18}{'linear lr':>18}{'slide':>8}")
    for R in sorted(res["table"]["constant"][ratio]):
        a, b = res["table"]["constant"][ratio][R], res["table"]["linear"][ratio][R]
        slide = f"{SLIDE[ratio][R]:.2f}" if R in SLIDE[ratio] else "-"
        print(f"{R:>3}{a['iterations']:>11}{100 * a['test_accuracy']:>10.1f} ({a['train_loss']:.3f})"
              f"{100 * b['test_accuracy']:>10.1f} ({b['train_loss']:.3f}){slide:>8}")

# %% [markdown]
# **Checks.** With the constant step, test accuracy falls as $R$ grows: we assert at least 1 point
# between $R = 2$ and $R = 5$ (the slide has 3.2 and 2.8). This is the slide's direction. The
# training loss rises with $R$ as well, though, so at this size the drop is an optimisation effect
# (fewer steps), not a generalisation effect. With the linear-scaling step the accuracy does not
# depend on $R$: $R = 2$ and $R = 5$ are within 1 point (asserted). Both assertions record what we
# measure. Neither tests the slide's conjecture about generalisation, which would need the deep
# networks and data of the slide.

# %%
for ratio in cfg["ratios"]:
    const, lin = res["table"]["constant"][ratio], res["table"]["linear"][ratio]
    drop = 100 * (const[2]["test_accuracy"] - const[5]["test_accuracy"])
    spread = 100 * abs(lin[2]["test_accuracy"] - lin[5]["test_accuracy"])
    assert drop >= 1.0, (ratio, drop)
    assert const[5]["train_loss"] > const[2]["train_loss"], ratio
    assert spread <= 1.0, (ratio, spread)
    print(f"top-{100 * ratio:g}%: constant lr, R=2 -> R=5 loses {drop:.1f} points "
          f"(slide: {SLIDE[ratio][2] - SLIDE[ratio][5]:.1f}); linear lr: {spread:.1f} points apart")

# %% [markdown]
# Stored full-mode results (`repro run neolithic-r-sweep --full`: 3000 rounds, top-5% and top-1%,
# 3 seeds), when present:

# %%
full = load_summary("neolithic-r-sweep")  # None unless a completed full run is stored (never a partial one)
if full is not None:
    meta, fres = full["meta"], full["results"]
    print(f"full run: commit {meta['commit']}, {meta['device']}, {meta['wall_time_s'] / 60:.0f} min; "
          f"P-SGD {100 * fres['psgd']['test_accuracy']:.1f}%")
    for rule, by_ratio in fres["table"].items():
        for ratio, rows in by_ratio.items():
            print(f"  {rule:>8} lr, top-{100 * float(ratio):g}%: " +
                  ", ".join(f"R={R} {100 * row['test_accuracy']:.1f}%" for R, row in rows.items()))
else:
    print("no stored full-mode results")

# %%
fig, ax = plt.subplots(figsize=(5, 3.5))
for rule, marker in (("constant", "o"), ("linear", "s")):
    for ratio in cfg["ratios"]:
        rows = res["table"][rule][ratio]
        Rs = sorted(rows)
        ax.plot(Rs, [100 * rows[R]["test_accuracy"] for R in Rs], marker=marker, label=f"{rule} lr, top-{100 * ratio:g}%")
ax.axhline(100 * first["psgd"]["test_accuracy"], color="k", lw=0.8, label="P-SGD")
ax.set_xlabel("FCC rounds R")
ax.set_ylabel("test accuracy (%)")
ax.legend(fontsize=7)
fig.tight_layout()
plt.show()
