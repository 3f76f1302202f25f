"""Targets of 004 (MCM / Rand-MCM, Philippenko and Dieuleveut; FLOW seminar slides, 29 Sept. 2021).

The slides' experiments: the quantum figure (b = 400, gamma = 1/L, least squares; in iterations and in
bits), "More experiments" (a)-(d) (toy least squares with and without noise; MNIST with a CNN; CIFAR-10
with LeNet), the quantum and superconduct panels, the convex table (a9a, phishing, w8a), the nonconvex
table (MNIST, Fashion-MNIST, heterogeneous EMNIST, CIFAR-10) and Rand-MCM with a single memory on
quantum.
"""
from __future__ import annotations

from reproductions.targets.registry import Measured, Target, Tolerance

PAPER = "mcm"
#: The slide "More experiments (convex)": log10 excess loss after 450 epochs (mean over runs).
CONVEX_TABLE = {
    "a9a": {"SGD": -3.5, "DIANA": -2.7, "MCM": -2.7, "Dore": -1.8},
    "phishing": {"SGD": -3.7, "DIANA": -3.5, "MCM": -3.4, "Dore": -2.7},
    "w8a": {"SGD": -3.5, "DIANA": -3.0, "MCM": -2.5, "Dore": -1.75},
}
CONVEX_BATCH = {"a9a": 50, "phishing": 50, "w8a": 8}
#: The tolerance on a cell of the convex table (log10 units).
CONVEX_TOL = 0.2
#: The slide "More experiments, non convex": accuracy (%) and train loss after 300 epochs.
NONCONVEX_TABLE = {
    "MNIST": {"accuracy": {"SGD": 99.0, "DIANA": 98.9, "MCM": 98.8, "Artemis": 97.9, "Dore": 97.9},
              "train_loss": {"SGD": 0.025, "DIANA": 0.034, "MCM": 0.033, "Artemis": 0.075, "Dore": 0.072}},
    "Fashion-MNIST": {"accuracy": {"SGD": 92.4, "DIANA": 92.4, "MCM": 90.6, "Artemis": 86.7, "Dore": 87.9},
                      "train_loss": {"SGD": 0.093, "DIANA": 0.141, "MCM": 0.209, "Artemis": 0.332, "Dore": 0.300}},
    "EMNIST (heterogeneous)": {"accuracy": {"SGD": 99.0, "DIANA": 98.9, "MCM": 98.9, "Artemis": 98.3, "Dore": 98.5},
                               "train_loss": {"SGD": 0.026, "DIANA": 0.031, "MCM": 0.030, "Artemis": 0.052,
                                              "Dore": 0.048}},
    "CIFAR-10": {"accuracy": {"SGD": 69.1, "DIANA": 64.0, "MCM": 63.5, "Artemis": 54.8, "Dore": 56.3},
                 "train_loss": {"SGD": 0.909, "DIANA": 1.047, "MCM": 1.096, "Artemis": 1.342, "Dore": 1.292}},
}
NONCONVEX_SETTING = {"MNIST": "CNN, d = 2e4, 2-bit quantization with the l2 norm",
                     "Fashion-MNIST": "FashionSimpleNet, d = 4e5, 2-bit quantization with the l2 norm",
                     "EMNIST (heterogeneous)": "CNN, d = 2e4, 2-bit quantization with the l2 norm",
                     "CIFAR-10": "LeNet, d = 62e3, 2-bit quantization with the inf norm"}
DIAGNOSIS = "the diagnosis beside the convex table in the MCM chapter (book/mcm/index.md)"
GAP_CAUSE = {
    "phishing": "not established: neither the authors' code nor their notebook reaches the table's phishing values on "
                "the same data (../shared/notes/mcm-convex-setting.md); 'measured' lists our row scored against "
                "their F* and averaged over the last epochs; " + DIAGNOSIS + " weighs them",
    "w8a": "not established in full: the authors' F* lies 1.8e-3 above the optimum on w8a and their code's default "
           "batch is 12, not the table's 8 (../shared/notes/mcm-convex-setting.md); 'measured' lists our row scored "
           "against their F*, averaged over the last epochs and with b = 12; " + DIAGNOSIS + " weighs them",
}
QUANTUM_MISSING = ("data: KDD Cup 2004 quantum and UCI superconduct are not in the data folder (no network here)")


def _table_row(ds):
    def measure(r):
        row = (r.get(ds) or {}).get("rows")
        if not row:
            return None
        std = max(v.get("std", 0.0) for v in row.values())
        note = (f"{r[ds]['runs']} runs, {r[ds]['epochs']} epochs, batch {r[ds]['setting']['batch']}; largest std over "
                f"runs {std:.2f}; F* from Newton's method")
        for key, text in (("final_authors_fstar", "against the authors' F*"), ("window", "averaged over the last "
                                                                                       "epochs")):
            if all(key in v for v in row.values()):
                note += f"; {text}: " + ", ".join(f"{a} {v[key]:.2f}" for a, v in row.items())
        b12 = (r.get(f"{ds}-b12") or {}).get("rows")
        if b12:
            note += "; with the authors' code's b = 12: " + ", ".join(f"{a} {v['final']:.2f}" for a, v in b12.items())
        return Measured({a: v["final"] for a, v in row.items()}, note=note)
    return measure


MNIST_SHRUNK = ("300 epochs of all 60000 images with minibatch 128 do not fit 2 CPU cores: fewer images per worker, "
                "a smaller minibatch and fewer iterations (the stored run's config is shown with the values)")


def _nonconvex(quantity):
    def measure(r):
        rows = r.get("rows")
        if not rows:
            return None
        scale = 100.0 if quantity == "accuracy" else 1.0
        key = "test_accuracy" if quantity == "accuracy" else "train_loss"
        vals = {a: scale * row[key] for a, row in rows.items()}
        cfg = r.get("config", {})
        return Measured(vals, note=f"{r.get('problem')}, {r.get('epochs', float('nan')):.3g} epochs of the shrunk "
                                   f"data, {cfg.get('rows')} images per worker, batch {cfg.get('batch')}, "
                                   f"{cfg.get('iterations')} iterations, device {r.get('device')}")
    return measure


def _last_log10(curves: dict, name: str, tail: float = 0.2) -> float:
    import math

    v = [x for x in curves[name]["mean_log10_gap"] if x is not None and math.isfinite(x)]
    n = max(1, int(len(v) * tail))
    return sum(v[-n:]) / n if v else math.inf


def _bits_to(curves: dict, name: str, log10_target: float) -> float:
    for g, b in zip(curves[name]["mean_log10_gap"], curves[name]["mean_bits"]):
        if g is not None and g <= log10_target:
            return b
    return float("inf")


def _toy_lsr(r):
    noisy, clean = (r.get("noise") or {}).get("curves"), (r.get("no_noise") or {}).get("curves")
    if not noisy or not clean:
        return None
    level = 10 ** (_last_log10(noisy, "MCM") - _last_log10(noisy, "DIANA"))
    bits = {a: _bits_to(noisy, a, -3.0) for a in noisy}
    facts = {"(a) MCM ends within a factor 2 of DIANA": level <= 2.0,
             "(a) MCM reaches 1e-3 with fewer bits than DIANA": bits["MCM"] < bits["DIANA"],
             "(b) MCM converges linearly (below 1e-10)": _last_log10(clean, "MCM", 0.05) <= -10}
    fewer = [a for a, b in bits.items() if b < bits["MCM"]]
    return Measured(facts, note=f"(a) MCM / DIANA final excess loss {level:.2f}; bits to 1e-3 (Mbit): "
                                + ", ".join(f"{a} {b / 1e6:.3g}" for a, b in bits.items())
                                + (f"; fewer bits than MCM: {', '.join(fewer)}" if fewer else ""))


def _first_attempts(r):
    fa = r.get("first_attempts_lsr")
    if not fa or "MCM" not in fa:
        return None
    mcm_final = _last_log10(fa, "MCM", 0.05)
    others = {a: _last_log10(fa, a, 0.05) for a in fa if a != "MCM"}
    return Measured({a: v >= mcm_final + 1 for a, v in others.items()},
                    note="final log10 excess loss on the toy problem: " + ", ".join(
                        f"{a} {v:.2f}" for a, v in dict(others, MCM=mcm_final).items()))


def _rand_mcm(r):
    final = r.get("final")
    if not final:
        return None
    pp = next((k for k in final if "PP" in k and "single" not in k), None)
    single = next((k for k in final if "single" in k), None)
    facts = {"Rand-MCM within 0.1 of MCM": abs(final["Rand-MCM"] - final["MCM"]) <= 0.1,
             "partial participation converges (below 1e-1)": pp is not None and final[pp] <= -1,
             "the single memory within 0.2 of one memory per worker": single is not None and pp is not None
             and abs(final[single] - final[pp]) <= 0.2}
    return Measured(facts, note=f"{r.get('epochs')} epochs, {r.get('runs')} runs; final log10 excess loss: "
                                + ", ".join(f"{k} {v:.2f}" for k, v in final.items()))


def _limit_variance(r):
    ratio = r.get("ratio")
    if not ratio:
        return None
    gl = r["gamma_L"]
    i = min(range(len(gl)), key=lambda j: gl[j])
    facts = {"MCM / DIANA within 0.25 of 1 at the smallest step": abs(ratio["MCM"][i] - 1) <= 0.25,
             "Artemis / DIANA above 2 at every step": min(ratio["Artemis"]) > 2}
    return Measured(facts, note="plateau ratios to DIANA at gamma L = " + ", ".join(f"{g:g}" for g in gl)
                                + ": MCM " + ", ".join(f"{x:.2f}" for x in ratio["MCM"]) + "; Artemis "
                                + ", ".join(f"{x:.2f}" for x in ratio["Artemis"]) + f"; fitted c = {r['fit_c']:.3f}")


def _missing_nonconvex(ds):
    if ds == "CIFAR-10":
        return "data: CIFAR-10 is not in the data folder; compute: LeNet over 300 epochs on CPU"
    return f"data: {ds} is not in the data folder (no network here)"


TARGETS = [
    *[Target(f"mcm.convex-table.{ds}", PAPER, "slide 'More experiments (convex)', row " + ds,
             f"log10 excess loss after 450 epochs on {ds} (b = {CONVEX_BATCH[ds]}): SGD, DIANA, MCM, Dore",
             CONVEX_TABLE[ds],
             f"{ds}, b = {CONVEX_BATCH[ds]}, 450 epochs; the rest from the authors' code "
             "(../shared/notes/mcm-convex-setting.md): N = 20 t-SNE clusters, gamma = 1/L (Frobenius L), s = 1 QSGD",
             f"the same, 5 runs, mean of log10(F - F*) at epoch 450, F* from Newton's method",
             Tolerance("abs", CONVEX_TOL, "the slide prints one decimal (0.05 of rounding), our 5-run std is below "
                                          "0.2 (w8a's is the largest) and the slide's own runs were unseeded"),
             figure="mcm-convex-table", measure=_table_row(ds), gap_cause=GAP_CAUSE.get(ds), unit="log10",
             discussed=DIAGNOSIS if ds != "a9a" else None)
      for ds in ("a9a", "phishing", "w8a")],
    *[Target(f"mcm.nonconvex-table.{ds.split()[0].lower()}-{quantity.replace('_', '-')}", PAPER,
             "slide 'More experiments, non convex', column " + ds,
             f"{'test accuracy (%)' if quantity == 'accuracy' else 'train loss'} after 300 epochs on {ds}: SGD, "
             "DIANA, MCM, Artemis, Dore", NONCONVEX_TABLE[ds][quantity], f"{ds}, {NONCONVEX_SETTING[ds]}, 300 epochs",
             "the authors' MNIST CNN (d = 21840), 20 IID workers, QSGD s = 4 both ways, step 0.1 (figure "
             "mcm-mnist-cnn), shrunk to fit the CPU" if ds == "MNIST" else "none",
             Tolerance("abs", 1.0, "one accuracy point (the slide gives no spread)") if quantity == "accuracy" else
             Tolerance("log10", 0.3, "a factor 2 on the loss: the slide gives no spread and our runs are shorter"),
             figure="mcm-mnist-cnn" if ds == "MNIST" else None,
             measure=_nonconvex(quantity) if ds == "MNIST" else None,
             substitute=MNIST_SHRUNK if ds == "MNIST" else None,
             missing=None if ds == "MNIST" else _missing_nonconvex(ds), unit="%" if quantity == "accuracy" else "")
      for ds in NONCONVEX_TABLE for quantity in ("accuracy", "train_loss")],
    Target("mcm.quantum.iterations-bits", PAPER, "slide 'Experiments': quantum with b = 400, gamma = 1/L (LSR), "
                                                 "panels (a) iterations, (b) bits",
           "convergence of SGD, DIANA, Artemis, Dore, MCM, Rand-MCM on quantum, in iterations and bits (no numbers "
           "printed)", True, "quantum, least-squares regression, b = 400, gamma = 1/L", "none",
           Tolerance("holds", 0, "a figure: only its ordering could be compared"), missing=QUANTUM_MISSING),
    Target("mcm.more-experiments.quantum-superconduct", PAPER,
           "slide 'More experiments', quantum and superconduct panels (a)-(d)",
           "quantum and superconduct, in iterations and in bits (no numbers printed)", True,
           "quantum, superconduct", "none", Tolerance("holds", 0, "a figure"), missing=QUANTUM_MISSING),
    Target("mcm.more-experiments.toy-lsr", PAPER, "slide 'More experiments', panels (a) sigma^2 != 0, "
                                                  "gamma = 1/(L sqrt k), and (b) sigma^2 = 0, gamma = 1/L",
           "toy least squares: with noise MCM ends level with DIANA and reaches an accuracy with fewer bits; without "
           "noise it converges linearly", {"(a) MCM ends within a factor 2 of DIANA": True,
                                           "(a) MCM reaches 1e-3 with fewer bits than DIANA": True,
                                           "(b) MCM converges linearly (below 1e-10)": True},
           "the authors' synthetic generator (no numbers printed)",
           "the same generator: N = 20, 200 points each, d = 21; 5 runs; 20000 (noise) and 1500 iterations",
           Tolerance("holds", 0, "a figure: a factor 2 on the final excess loss, the order of the bits, 1e-10"),
           figure="mcm-least-squares", measure=_toy_lsr),
    Target("mcm.first-attempts", PAPER, "slide 'First attempts' (figure; no data set named)",
           "the three simpler ways to keep the central model (compress the update, the model, the model difference) "
           "fail: each ends at least 10 times above MCM", {"Update compression": True, "Model compression": True,
                                                           "Model-difference compression": True},
           "no data set named", "the toy least squares, gamma = 1/L, 300 iterations (and a9a, in the notebook)",
           Tolerance("holds", 0, "an order of magnitude on the final excess loss"),
           figure="mcm-least-squares", measure=_first_attempts),
    Target("mcm.more-experiments.nn-panels", PAPER, "slide 'More experiments', panels (c) MNIST CNN, (d) CIFAR-10 "
                                                    "LeNet",
           "convergence on neural networks (no numbers printed)", True, "MNIST CNN; CIFAR-10 LeNet", "none",
           Tolerance("holds", 0, "a figure"),
           missing="compute: curves of the MNIST CNN are not compared here (its final numbers are the nonconvex-table "
                   "targets); data: CIFAR-10 is not in the data folder"),
    Target("mcm.rand-mcm.single-memory", PAPER, "slide 'Experiments: Randomization + single memory'",
           "Rand-MCM converges like MCM, with partial participation and with a single memory (s = 2)",
           {"Rand-MCM within 0.1 of MCM": True, "partial participation converges (below 1e-1)": True,
            "the single memory within 0.2 of one memory per worker": True},
           "quantum, s = 2", "a9a in the convex table's setting, s = 2, p = 0.5, 200 epochs, 5 runs",
           Tolerance("holds", 0, "a figure: 0.1 and 0.2 in log10 excess loss, about twice the 5-run spread"),
           figure="mcm-rand-mcm", measure=_rand_mcm, substitute="quantum is not in the data folder: a9a instead"),
    Target("mcm.summary.limit-variance", PAPER, "slide 'Conclusion': MCM 'reduces (nearly cancels) the impact of "
                                                "downlink compression'; the limit-variance slide",
           "MCM's plateau over DIANA's tends to 1 as gamma -> 0, Artemis's stays of the order of 1 + omega_down",
           {"MCM / DIANA within 0.25 of 1 at the smallest step": True, "Artemis / DIANA above 2 at every step": True},
           "theory (no experiment printed)",
           "noisy toy least squares, constant steps gamma L = 1/2 .. 1/32, 20000 iterations, 5 runs",
           Tolerance("holds", 0, "measured plateau ratios: 0.25 is about the 5-run spread of a ratio at the smallest "
                                 "step; 2 is half of 1 + omega_down's effective value (3.7)"),
           figure="mcm-limit-variance", measure=_limit_variance),
]
