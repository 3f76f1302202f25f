"""Targets of 003 (LENA: self-triggered gradient uploads; Ghadikolaei, Stich, Jaggi).

Section 5: Figure 1 (loss and upload frequency, full batch and minibatches 2 and 15), Figure 2 (test
accuracy against uploaded bits, with the bit counts of the text), Figure 3 (a CNN, latency gain over
DIANA), Figure 4 (extra latency over LENA against M for two bandwidth models; the four drifts), and
the CIFAR-10 / VGG13 results of the appendix. MNIST, one label per node, one-versus-all logistic ridge
regression.
"""
from __future__ import annotations

from reproductions.targets.registry import Measured, Target, Tolerance

PAPER = "lena"
#: The paper's numbers (Section 5).
FIG2B = dict(target_accuracy=0.86, M=200, batch=3, bits_LENA=51.3e6, bits_DIANA=879e6, bits_LAG=39.75e9,
             bits_LENA_3trigger=37e6, saving_vs_DIANA=0.95, saving_vs_LAG=0.999)
FIG2A = dict(target_accuracy=0.95, bits_LAG=11.5e9, bits_DGD=46.7e9)
LAG_VS_LENA_FREQUENCY_ORDERS = 2
BETA = 40
FIG4 = dict(M=(10, 50, 100, 200, 500), minibatch_fraction=0.10, realisations=100, diana_better_at_M=10)
FIG2B_SETTING = "MNIST, one label per node, M = 200, minibatch 3, beta = 40, hyper-parameters from a grid search " \
                "(listed in an appendix we do not have)"
OUR_FIG2B = "MNIST all 60000 images, M = 200, minibatch 3, 2000 iterations, beta = 40, step sizes and QSGD levels " \
            "from our own grid search (reproductions.lena.grid_search)"
BITS_TOL = Tolerance("log10", 0.3, "a factor 2 either way: the bit count depends on the encoding (32-bit floats here) "
                                   "and on the unpublished tuned hyper-parameters; a factor 2 is what those could "
                                   "plausibly move")
FIG1_MISSING = ("compute: no full-mode run of lena-fig1 is stored (M = 100, all images, 2000 iterations, three batch "
                "settings: well over the 5 minutes a run could take here); the quick run is on the chapter page, "
                "labelled quick")


def _bits(name):
    def measure(r):
        b = (r.get("bits_to_target") or {}).get(name)
        if b is None or b == float("inf"):
            return None
        return b
    return measure


def _saving(other):
    def measure(r):
        b = r.get("bits_to_target") or {}
        if "LENA-3" not in b or other not in b:
            return None
        return Measured(1 - b["LENA-3"] / b[other], note=f"LENA-3 {b['LENA-3'] / 1e6:.4g} Mb, {other} {b[other] / 1e6:.4g} Mb")
    return measure


def _frequency_orders(r):
    runs = r.get("runs") or {}
    if "LAG" not in runs or "LENA" not in runs:
        return None
    import math

    ratio = runs["LAG"]["uploads"] / runs["LENA"]["uploads"]
    return Measured(math.log10(ratio), note=f"uploads over the run: LAG {runs['LAG']['uploads']}, LENA "
                                            f"{runs['LENA']['uploads']} (of {r['M'] * r['iterations']}): LAG {ratio:.1f}x")


def _diana_better(model):
    def measure(r):
        lat = r.get("latency") or {}
        out, parts = {}, []
        for M in r.get("Ms", []):
            row = lat.get(f"{M},{model}")
            if row is None:
                continue
            out[M] = row["DIANA"]["mean_s"] < row["LENA"]["mean_s"]
            parts.append(f"M = {M}: LENA {row['LENA']['mean_s']:.3g} s, DIANA {row['DIANA']['mean_s']:.3g} s, "
                         f"LAG {row['LAG']['mean_s']:.3g} s, DGD {row['DGD']['mean_s']:.3g} s")
        return Measured(out, note="mean uplink latency to 0.86 over 100 bandwidth draws: " + "; ".join(parts)) if out else None
    return measure


def _best_drift(r):
    d = r.get("drifts")
    if not d:
        return None
    best = min(d, key=d.get)
    return Measured(best == "LENA-m", note="latency (s) to 0.86 at M = 200: " + ", ".join(f"{k} {v:.3g}" for k, v in d.items())
                                          + f"; best: {best}")


TARGETS = [
    Target("lena.figure-1.full-batch-coincide", PAPER, "Section 5.1, Figure 1 (left)",
           "with full batch the loss curves of DGD, LAG, DIANA and LENA coincide", True,
           "MNIST one label per node, full batch ('-B')", "the lena-fig1 figure (full mode not stored)",
           Tolerance("holds", 0, "final losses within a factor 1.5 of DGD's"), figure="lena-fig1",
           missing=FIG1_MISSING),
    Target("lena.figure-1.upload-frequency", PAPER, "Section 5.1, Figure 1 (right)",
           "LAG uploads about 2 orders of magnitude more often than LENA (log10 of the ratio of upload counts)",
           float(LAG_VS_LENA_FREQUENCY_ORDERS), "Figure 1's setting: full batch and minibatches 2, 15",
           OUR_FIG2B + " (Figure 2(b)'s setting: the only stored full-mode run with both upload counts)",
           Tolerance("abs", 0.5, "'around 2 orders of magnitude': half a decade either way"),
           figure="lena-fig2", measure=_frequency_orders, unit="decades",
           substitute="measured in Figure 2(b)'s setting (M = 200, minibatch 3), not Figure 1's: lena-fig1 has no "
                      "stored full-mode run"),
    Target("lena.figure-2b.bits-LENA", PAPER, "Section 5.1 text and Figure 2(b)",
           "bits LENA uploads to reach test accuracy 0.86", FIG2B["bits_LENA"], FIG2B_SETTING, OUR_FIG2B, BITS_TOL,
           figure="lena-fig2", measure=_bits("LENA"), unit="bits"),
    Target("lena.figure-2b.bits-DIANA", PAPER, "Section 5.1 text and Figure 2(b)",
           "bits DIANA (QSGD) uploads to reach test accuracy 0.86", FIG2B["bits_DIANA"], FIG2B_SETTING, OUR_FIG2B,
           BITS_TOL, figure="lena-fig2", measure=_bits("DIANA"), unit="bits"),
    Target("lena.figure-2b.bits-LENA-3", PAPER, "Section 5.1 text (the 'three times' trigger, black curve)",
           "bits LENA with the 3-times trigger uploads to reach 0.86", FIG2B["bits_LENA_3trigger"], FIG2B_SETTING,
           OUR_FIG2B, BITS_TOL, figure="lena-fig2", measure=_bits("LENA-3"), unit="bits"),
    Target("lena.figure-2b.bits-LAG", PAPER, "Figure 2 caption",
           "bits LAG uploads to reach 0.86 in setting (b)", FIG2B["bits_LAG"], FIG2B_SETTING, OUR_FIG2B, BITS_TOL,
           figure="lena-fig2", measure=_bits("LAG"), unit="bits"),
    Target("lena.figure-2b.saving-vs-DIANA", PAPER, "Section 5.1 text",
           "LENA (3-times trigger) saves 95% of DIANA's bits to 0.86", FIG2B["saving_vs_DIANA"], FIG2B_SETTING,
           OUR_FIG2B, Tolerance("abs", 0.05, "the paper rounds to whole per cent; 5 points either way"),
           figure="lena-fig2", measure=_saving("DIANA"), unit="fraction"),
    Target("lena.figure-2b.saving-vs-LAG", PAPER, "Section 5.1 text; abstract/introduction ('as much as 99% fewer "
                                                  "total uploaded bits')",
           "LENA (3-times trigger) saves 99.9% of LAG's bits to 0.86", FIG2B["saving_vs_LAG"], FIG2B_SETTING,
           OUR_FIG2B, Tolerance("abs", 0.05, "as for DIANA"),
           figure="lena-fig2", measure=_saving("LAG"), unit="fraction"),
    Target("lena.figure-2a.bits-LAG-DGD", PAPER, "Figure 2 caption, setting (a)",
           "LAG and DGD upload 11.5 Gb and 46.7 Gb to reach test accuracy 0.95", FIG2A,
           "setting (a): its caption line is missing from the text", "none",
           BITS_TOL, missing="text incomplete: the setting of Figure 2(a) (M, minibatch) is not printed; and our "
                             "one-versus-all model does not reach 0.95 test accuracy in 2000 iterations (0.91)"),
    Target("lena.figure-3.cnn-latency", PAPER, "Section 5.2, Figure 3",
           "relative latency gain of LENA over DIANA on a CNN (two conv + two dense layers, dropout) on MNIST", True,
           "MNIST CNN, the bandwidth models of Figure 4", "none",
           Tolerance("holds", 0, "a figure of gains: only its sign could be compared"),
           missing="compute: a CNN trained by LENA and DIANA over M nodes with 100 bandwidth draws is not built here "
                   "(2 CPU cores)"),
    Target("lena.appendix.cifar10-vgg13", PAPER, "Section 5.2, last sentence (results in the appendix)",
           "similar latency gains on CIFAR-10 with VGG13", True, "CIFAR-10, VGG13", "none",
           Tolerance("holds", 0, "qualitative"),
           missing="data: CIFAR-10 is not in the data folder, and the appendix is not in the text we have (text "
                   "incomplete); compute: VGG13 on CPU"),
    Target("lena.figure-4a.crossing", PAPER, "Section 5.2, Figure 4(a)",
           "DIANA has less uplink latency than LENA at M = 10 only; LENA wins for larger M "
           "(uniform bandwidth probabilities)", {10: True, 50: False, 100: False, 200: False},
           "minibatch 10% of the local data, bandwidths {1, 5, 10, 100, 1000} Mbps with p = [0.2]*5, 100 draws, "
           "M = 10..500", "all MNIST, M = 10, 50, 100, 200 (500: compute), 600 iterations, 100 draws, target 0.86",
           Tolerance("holds", 0, "which of the two has the smaller mean latency, at each M we ran"),
           figure="lena-fig4", measure=_diana_better("uniform"), unit="DIANA better"),
    Target("lena.figure-4b.crossing", PAPER, "Section 5.2, Figure 4(b)",
           "LENA keeps its gain when most nodes have low bandwidth (p = [0.7, 0.2, 0.06, 0.03, 0.01])",
           {10: True, 50: False, 100: False, 200: False}, "as (a), slow probability vector", "as (a)",
           Tolerance("holds", 0, "as (a)"), figure="lena-fig4", measure=_diana_better("slow"), unit="DIANA better"),
    Target("lena.figure-4cd.drift", PAPER, "Section 5.2, Figures 4(c), 4(d)",
           "a tuned momentum drift (LENA-m) gives the best latency of the four drifts", True,
           "(d): M = 500, uniform p; drifts LENA-0, -g, -v, -m",
           "M = 200, uniform p, 100 draws, target 0.86",
           Tolerance("holds", 0, "which drift has the smallest mean latency"),
           figure="lena-fig4", measure=_best_drift,
           substitute="M = 200, not 500 (compute); the paper adds that LENA-v may win when the noise is small"),
]
