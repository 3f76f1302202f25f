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
# # 004, nonconvex table, MNIST column: SGD, DIANA, MCM, Artemis, Dore on a CNN
#
# **Claim (slide "More experiments, non convex").** On MNIST with a CNN ($d \approx 2\cdot10^4$) and
# 2-bit quantization with the $\ell_2$ norm, after 300 epochs: test accuracy SGD 99.0%, DIANA 98.9,
# MCM 98.8, Artemis 97.9, Dore 97.9; train loss 0.025, 0.034, 0.033, 0.075, 0.072. MCM, which
# compresses both ways, is as good as DIANA, which compresses only the uplink; Artemis and Dore, the
# older bidirectional methods, lose about one point.
#
# **The authors' setting** (their public code, `philipco/mcm-bidirectional-compression`,
# `src/deeplearning/NonConvexSettings.py`, `main_DL.py`, `OptimizerSGD.py`): the network `MNIST_CNN`
# (two 5x5 convolutions with 10 and 20 channels, max-pooling, 320 -> 50 -> 10; $d = 21840$ parameters),
# $N = 20$ i.i.d. workers holding 3000 images each, minibatch 128 per worker, step 0.1, no momentum,
# no weight decay, QSGD with $s = 4$ levels (the slide's "2-bit") and the $\ell_2$ norm both ways,
# **applied to each parameter tensor separately**, 300 epochs (about 7000 rounds).
#
# **What runs here.** The same network (without its two dropout layers: our gradient oracle is a
# deterministic function of the sampled images; dropout has no parameters, so $d$ is the same), the
# five algorithm files of the library *unchanged* on the neural-network problem
# `reference_impl.nn_problem`, QSGD $s = 4$ layer-wise (`reference_impl.compressors.layerwise`),
# memory rates $1/(2(\omega+1))$ and uplink memories started at the first gradient, as in the authors'
# code. One difference in the algorithms remains: the authors set the memory rate per tensor, we use
# one rate (that of the largest layer). **Quick mode (this notebook in CI) is a toy size**: $N = 10$
# workers, 60 images each, minibatch 8, 150 rounds (20 passes over the 600 images), 2000 test images.
# It shows that the pipeline trains; its numbers are not the paper's 300-epoch numbers.
#
# **Not available here:** Fashion-MNIST, EMNIST and CIFAR-10 (the table's other columns; no data set,
# no network). Their paper values are listed in the target registry (`repro targets --paper mcm`).

# %%
import math
import os

import matplotlib.pyplot as plt

from reproductions.deep import MCM_ALGORITHMS, MCM_AUTHORS, MCM_CONFIG, mcm_mnist_table
from reproductions.figures import load_summary
from reproductions.targets.mcm import NONCONVEX_TABLE

FULL = os.environ.get("REPRO_FULL") == "1"
PAPER = NONCONVEX_TABLE["MNIST"]        # the slide's numbers, from the target registry
res = mcm_mnist_table(FULL)
cfg = res["config"]
print(f"network d = {res['d']} (slide: d = 2e4; authors' MNIST_CNN: 21840)")
print(f"ours: N = {cfg['N']}, {cfg['rows']} images per worker, batch {cfg['batch']}, step {cfg['gamma']}, "
      f"QSGD s = {cfg['levels']} layer-wise, {cfg['iterations']} rounds = {res['epochs']:.0f} epochs of the subset")
print(f"authors: N = {MCM_AUTHORS['N']}, {MCM_AUTHORS['rows']} images per worker, batch {MCM_AUTHORS['batch']}, "
      f"step {MCM_AUTHORS['gamma']}, s = {MCM_AUTHORS['levels']}, {MCM_AUTHORS['epochs']} epochs")

# %% [markdown]
# The table (ours beside the slide's). The float32 convolutions of torch differ in their last bits
# between CPUs and thread counts, and a few hundred rounds of training amplify those bits, so the
# digits below are **machine-dependent and not compared** by nbval; the cell after it asserts what
# holds with margin.

# %%
# NBVAL_IGNORE_OUTPUT
print(f"{'':10s}{'test accuracy %':>28s}{'train loss':>24s}")
print(f"{'':10s}{'ours (quick)' if not FULL else 'ours (full)':>16s}{'slide':>10s}{'ours':>14s}{'slide':>10s}   status")
for name in MCM_ALGORITHMS:
    r = res["rows"][name]
    print(f"{name:10s}{100 * r['test_accuracy']:16.1f}{PAPER['accuracy'][name]:10.1f}{r['train_loss']:14.3g}"
          f"{PAPER['train_loss'][name]:10.3f}   {r['status']}")

# %% [markdown]
# **Checks (quick mode, with margins).** The uncompressed SGD and DIANA (uplink-only, with memory)
# train: test accuracy at least 80% (they reach about 90% here; chance is 10%) and train loss below
# 0.3 (from $\ln 10 \approx 2.30$). For the three bidirectional methods the second cell prints which
# of them train at this toy size (accuracy at least 50%). MCM's verdict is itself machine-dependent
# (see below), so that cell is not compared by nbval either.

# %%
rows = res["rows"]
for name in ("SGD", "DIANA"):
    assert rows[name]["status"] == "completed" and rows[name]["test_accuracy"] >= 0.80, (name, rows[name])
    assert rows[name]["train_loss"] < 0.3, (name, rows[name]["train_loss"])
    print(f"{name}: trains (test accuracy >= 80%, train loss < 0.3)")

# %%
# NBVAL_IGNORE_OUTPUT
for name in ("MCM", "Artemis", "Dore"):
    r = rows[name]
    ok = r["status"] == "completed" and math.isfinite(r["train_loss"]) and r["test_accuracy"] >= 0.5
    print(f"{name}: {'trains (test accuracy >= 50%)' if ok else 'does not train at this size'}")

# %% [markdown]
# **What the quick run shows, plainly.** SGD and DIANA train, Artemis and Dore train a little less
# far, which is the slide's order. **MCM is on a knife edge at this toy size**: the same code and
# seeds gave 22% test accuracy (train loss 2.19, near its initial value) when this notebook was
# stored, and 68% (train loss 1.20) on a later run on another machine state, against about 92% for
# DIANA. Either way it stays far behind DIANA, so the slide's central point, that MCM is as good as
# DIANA, is *not* reproduced in quick mode. Our reading, not yet confirmed: MCM's workers compute gradients at the
# compressed model $H + C(w - H)$, and the downlink memory $H$ follows $w$ at the rate
# $\alpha_{down} = 1/(2(\omega+1)) \approx 0.015$ of the largest layer ($\omega \approx 32$), so the
# small layers (biases, convolutions) get model noise far above their own size. The authors set the
# rate per tensor, which the library's algorithm files (one scalar rate) cannot express without a
# change. A side run outside this notebook, MCM with $\alpha_{down} = 0.1$ on the same quick problem,
# reached about 57% test accuracy; $\alpha_{down} = 0.5$ diverged. The full-mode run below (more data,
# 500 rounds) is the test at a larger size: there MCM trains.

# %% [markdown]
# Stored full-mode results (`repro run mcm-mnist-cnn --full`), when present:

# %%
full = load_summary("mcm-mnist-cnn")  # None unless a completed full run is stored (never a partial one)
if full is not None:
    meta, fres = full["meta"], full["results"]
    fc = fres["config"]
    print(f"full run: commit {meta['commit']}, {meta['device']}, {meta['wall_time_s'] / 60:.0f} min; N = {fc['N']}, "
          f"{fc['rows']} images per worker, batch {fc['batch']}, {fc['iterations']} rounds")
    for name, r in fres["rows"].items():
        print(f"  {name:8s} test accuracy {100 * r['test_accuracy']:.1f}% (slide {PAPER['accuracy'][name]}), "
              f"train loss {r['train_loss']:.3g} (slide {PAPER['train_loss'][name]}), {r['status']}")
else:
    print("no stored full-mode results (full mode was not run: the paper-scale numbers are not reproduced here)")

# %% [markdown]
# **The stored full-mode run, read plainly** (a reduced scale, not the paper's: $N = 20$ workers with
# 300 images each, minibatch 32, 500 rounds, i.e. about 53 passes over 6000 images, against 300 epochs
# of 60000 with minibatch 128). At this size MCM *does* train: it ends level with SGD and DIANA in test
# accuracy (within half a point) with a train loss 2.5 to 3 times theirs, ahead of Dore, which is the
# slide's ordering (MCM 98.8 against DIANA 98.9 and Dore 97.9). **Artemis collapses** in its last 100
# rounds (test accuracy back to chance, train loss back to about 2.3) after training like the others; the
# slide has Artemis 1 point behind. Artemis aside, our accuracies are 1.6 to 3.5 points below the slide's, as
# expected from 10 times less data and far fewer rounds.

# %%
fig, ax = plt.subplots(figsize=(5, 3.5))
for name in MCM_ALGORITHMS:
    r = rows[name]
    ax.semilogy(r["k"], r["loss"], marker="o", label=f"{name} ({r['status']})")
ax.set_xlabel("round")
ax.set_ylabel("train loss")
ax.set_title("MNIST CNN, quick mode" if not FULL else "MNIST CNN, full mode")
ax.legend(fontsize=7)
fig.tight_layout()
plt.show()
