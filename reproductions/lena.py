"""Experiments for work 003 (LENA, Ghadikolaei, Stich, Jaggi, AISTATS 2021), Section 5.

Common setting (Section 5): MNIST, M nodes with one label each (non-IID; node m holds images of digit
``m mod 10``, the images of a digit split evenly among its nodes), one-versus-all ridge logistic
regression (:class:`reference_impl.algorithms.lena_problems.OneVsAllLogistic`, d = 784 x 10 = 7840),
test accuracy on the 10,000 test images. LENA with the momentum drift and beta = 40 unless stated.
Baselines: DGD / minibatch SGD (:func:`reference_impl.algorithms.sgd.sgd`), LAG-WK
(:func:`reference_impl.algorithms.lag.lag`), DIANA with QSGD (:func:`reference_impl.algorithms.diana.diana`,
bits measured by our Elias encoder).

Substitutes, declared: the paper's hyper-parameters (step sizes, momentum, QSGD levels) are in an
appendix we do not have; :func:`grid_search` picks ours on a documented grid by the final training loss
(never by the paper's numbers). The regularisation lam = 1e-4 is our choice (not printed). Quick mode
uses a subset of the images per node (the full set in full mode) and fewer iterations; the paper-scale
run (M = 200, tens of thousands of iterations on 60,000 images) is beyond this CPU budget, and the
pages say so. Figure 3 (a CNN) belongs to the deep-learning issue, the appendix's CIFAR-10/VGG13 run has
no data here.
"""
from __future__ import annotations

import functools
import json
import time
import warnings
from pathlib import Path

import numpy as np

from reference_impl.algorithms.base import TheoryRangeWarning
from reference_impl.algorithms.diana import diana
from reference_impl.algorithms.lag import lag
from reference_impl.algorithms.lena import lena
from reference_impl.algorithms.lena_network import (PROBS_SLOW, PROBS_UNIFORM, draw_bandwidths, tdma_latency,
                                                    wan_latency)
from reference_impl.algorithms.lena_problems import OneVsAllLogistic
from reference_impl.algorithms.sgd import sgd
from reference_impl.backends import NUMPY
from reference_impl.compressors.qsgd import QSGD
from reference_impl.runner import device_description, git_commit, seed_from_names
from reproductions.figures import Figure
import reproductions.targets.lena as _TARGETS

PAPER = "lena"
RESULTS_FULL = Path(__file__).resolve().parent / "results" / "full"
BETA = 40
LAM = 1e-4
#: every node uploads at round 0 and the momentum starts at alpha g^0 (see the ``initial`` argument of
#: :func:`reference_impl.algorithms.lena.lena`; Algorithm 1 leaves the initialisation open)
LENA_INIT = "gradient"
#: the filter of the experiments: ``beta alpha^2 ||g||^2`` (scale-invariant; see the ``threshold`` argument of
#: :func:`reference_impl.algorithms.lena.lena`). With the printed ``beta ||g||^2`` and beta = 40 the memory may
#: grow to ``sqrt(40) ||g||``, i.e. about ``6.3 / (alpha L)`` gradient steps, and LENA is unstable in our runs
#: ("LENA-printed" in the figures shows it).
LENA_THRESHOLD = "alpha_squared"
#: The paper's numbers (Section 5 and the figure captions), written once in the target registry
#: (reproductions/targets/lena.py); keyed as the notebooks read them.
PAPER_VALUES = {
    **{f"fig2b_{k}": v for k, v in _TARGETS.FIG2B.items()}, **{f"fig2a_{k}": v for k, v in _TARGETS.FIG2A.items()},
    "lag_vs_lena_upload_frequency_orders": _TARGETS.LAG_VS_LENA_FREQUENCY_ORDERS, "beta": _TARGETS.BETA,
    **{f"fig4_{k}": v for k, v in _TARGETS.FIG4.items()},
}


# --- data ------------------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=4)
def _mnist():
    """MNIST as stored: uint8 images (n, 784) and int64 labels, train and test. The scaling to [0, 1]
    is applied by :func:`mnist_one_label_per_node` to the rows it keeps only (elementwise, so the same
    values as scaling all 70000 images first, at a fraction of the time and memory)."""
    from reference_impl.data import load_mnist

    Xtr, ytr = load_mnist("train")
    Xte, yte = load_mnist("test")
    return Xtr.reshape(-1, 784), ytr.astype(np.int64), Xte.reshape(-1, 784), yte.astype(np.int64)


def mnist_one_label_per_node(M: int, per_node: int | None = None, lam: float = LAM, test_subset: int | None = None):
    """The non-IID split: node m gets digit m mod 10; a digit's images split evenly among its nodes
    (``per_node``: keep the first that many per node, a quick-mode subset). Returns (problem, X_test, y_test);
    ``test_subset``: only the first that many test images (quick mode; None: all 10,000)."""
    if M < 10:
        raise ValueError(f"one label per node needs M >= 10 (every digit on some node), got {M}")
    Xtr, ytr, Xte, yte = _mnist()
    feats, labs = [], []
    for m in range(M):
        digit = m % 10
        chunk = np.array_split(np.flatnonzero(ytr == digit), len(range(digit, M, 10)))[m // 10]
        chunk = chunk if per_node is None else chunk[:per_node]
        feats.append(Xtr[chunk] / 255.0)
        labs.append(ytr[chunk])
    prob = OneVsAllLogistic(feats, labs, lam, name=f"mnist one-label-per-node (M={M})")
    if test_subset is not None:
        Xte, yte = Xte[:test_subset], yte[:test_subset]
    return prob, (Xte / 255.0).astype(np.float32), yte


# --- running ------------------------------------------------------------------------------------------------------
def run_recorded(algo, problem, iterations: int, *, seed: int, X_test=None, y_test=None, record_every: int = 10):
    """Run ``algo``; record per-round per-node uplink bits (T, M), uploads, and every ``record_every`` rounds
    the training loss and the test accuracy."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):          # small batched products: one BLAS thread is faster on shared cores
        return _run_recorded(algo, problem, iterations, seed, X_test, y_test, record_every)


def _run_recorded(algo, problem, iterations, seed, X_test, y_test, record_every):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        state = algo.init(problem, NUMPY)
    rng = np.random.default_rng(seed)
    bits = np.zeros((iterations, problem.N), dtype=np.int64)
    ks, loss, acc = [], [], []
    start = time.perf_counter()
    for k in range(iterations):
        state, info = algo.step(state, problem, NUMPY, rng)
        bits[k] = info.uplink_bits
        if (k + 1) % record_every == 0 or k == iterations - 1:
            ks.append(k + 1)
            x = np.asarray(info.x)
            loss.append(float(problem.loss(NUMPY, x)))
            if X_test is not None:
                acc.append(float(np.mean(problem.predict(x, X_test) == y_test)))
    return dict(name=algo.name, k=np.array(ks), loss=np.array(loss), acc=np.array(acc), bits=bits,
                wall_s=time.perf_counter() - start, seed=seed)


def make(name: str, alpha: float, batch, *, gamma=0.1, levels=4, beta=BETA, triggers=1):
    kw = dict(gamma=gamma, batch=batch, initial=LENA_INIT, threshold=LENA_THRESHOLD)
    if name == "LENA":
        return lena(alpha, beta, "momentum", triggers_needed=triggers, **kw)
    if name == "LENA-printed":      # the filter as printed, beta ||g||^2
        return lena(alpha, beta, "momentum", triggers_needed=triggers, **dict(kw, threshold="printed"))
    if name.startswith("LENA-"):
        drift = {"LENA-0": "zero", "LENA-g": "gradient", "LENA-v": "v", "LENA-m": "momentum"}[name]
        return lena(alpha, beta, drift, **kw)
    if name == "LAG":
        return lag(alpha, "WK", batch=batch)
    if name == "DIANA":
        return diana(alpha, QSGD(levels), batch=batch)
    if name == "DGD":
        return sgd(alpha, batch=batch)
    raise ValueError(f"unknown algorithm {name!r}")


def bits_to_reach(res: dict, target: float) -> float:
    """Cumulative uplink bits at the first record whose test accuracy is >= target (inf if never)."""
    cum = np.cumsum(res["bits"].sum(axis=1))
    hit = np.flatnonzero(res["acc"] >= target)
    return float(cum[res["k"][hit[0]] - 1]) if hit.size else float("inf")


def upload_frequency(res: dict, window: int) -> np.ndarray:
    """Fraction of (node, round) pairs that uploaded, per window of rounds."""
    up = res["bits"] > 0
    T = up.shape[0] // window * window
    return up[:T].reshape(-1, window, up.shape[1]).mean(axis=(1, 2))


# --- grid search ------------------------------------------------------------------------------------------------------
ALPHA_GRID = (0.5, 1.0, 2.0)            # in units of 1/L_bar
GAMMA_GRID = (0.01, 0.1, 0.5)
LEVELS_GRID = (1, 4, 16)


def grid_search(problem, iterations: int, batch, seed_tag: str, algorithms=("DGD", "LAG", "DIANA", "LENA")) -> dict:
    """Per algorithm, the step size alpha (in units of 1/L_bar, from ``ALPHA_GRID``) with the lowest final
    training loss after ``iterations`` rounds; then LENA's momentum gamma (``GAMMA_GRID``) and DIANA's QSGD
    levels (``LEVELS_GRID``) at that step size. A documented grid; nothing is tuned towards the paper's numbers."""
    L_bar = float(np.mean(problem.L_i))
    seed = seed_from_names(PAPER, "grid", seed_tag)
    scores, alpha = {}, {}

    def score(name, a, **kw):
        r = run_recorded(make(name, a / L_bar, batch, **kw), problem, iterations, seed=seed, record_every=iterations)
        v = r["loss"][-1]
        return v if np.isfinite(v) else np.inf

    for name in algorithms:
        for a in ALPHA_GRID:
            scores[f"{name} alpha={a}"] = score(name, a)
        alpha[name] = min(ALPHA_GRID, key=lambda a: scores[f"{name} alpha={a}"])
    gamma = levels = None
    if "LENA" in algorithms:
        for g in GAMMA_GRID:
            scores[f"LENA gamma={g}"] = score("LENA", alpha["LENA"], gamma=g)
        gamma = min(GAMMA_GRID, key=lambda g: scores[f"LENA gamma={g}"])
    if "DIANA" in algorithms:
        for s in LEVELS_GRID:
            scores[f"DIANA levels={s}"] = score("DIANA", alpha["DIANA"], levels=s)
        levels = min(LEVELS_GRID, key=lambda s: scores[f"DIANA levels={s}"])
    return dict(alpha_over_L=alpha, alpha={k: v / L_bar for k, v in alpha.items()}, gamma=gamma, levels=levels,
                L_bar=L_bar, iterations=iterations, scores={k: float(v) for k, v in scores.items()})


def make_chosen(name: str, choice: dict, batch, triggers=1):
    base = "LENA" if name.startswith("LENA") else name       # LENA variants share LENA's grid choice
    return make(name if name != "LENA-3" else "LENA", choice["alpha"][base], batch, gamma=choice["gamma"],
                levels=choice["levels"], triggers=triggers)


# --- Figure 1 and 2 ---------------------------------------------------------------------------------------------------
def figure1(M=20, per_node=60, iterations=300, batches=(None, 2, 15), algorithms=("LENA", "LAG", "DIANA", "DGD"),
            grid_iterations=40, record_every=10, test_subset=None):
    """Loss vs iterations and upload frequency for full batch (-B) and minibatches (-M-x); the step sizes
    etc. are chosen once, on the full-batch problem."""
    prob, Xte, yte = mnist_one_label_per_node(M, per_node, test_subset=test_subset)
    choice = grid_search(prob, grid_iterations, None, f"fig1-M{M}-n{per_node}", algorithms)
    out = dict(M=M, per_node=per_node, iterations=iterations, choice=choice, runs={})
    for b in batches:
        tag = "B" if b is None else f"M-{b}"
        for name in algorithms:
            seed = seed_from_names(PAPER, "fig1", name, tag, M, per_node)
            algo = make_chosen(name, choice, b)
            out["runs"][f"{name}-{tag}"] = run_recorded(algo, prob, iterations, seed=seed, X_test=Xte, y_test=yte,
                                                        record_every=record_every)
    return out


def figure2(M=20, per_node=60, iterations=400, batch=3, target=0.8, record_every=5, grid_iterations=40,
            algorithms=("LENA", "LENA-3", "DIANA", "LAG", "DGD"), test_subset=None):
    """Test accuracy against uploaded bits; bits to reach ``target`` (the paper: 0.86 at M = 200, batch 3)."""
    prob, Xte, yte = mnist_one_label_per_node(M, per_node, test_subset=test_subset)
    choice = grid_search(prob, grid_iterations, batch, f"fig2-M{M}-n{per_node}-b{batch}")
    out = dict(M=M, per_node=per_node, batch=batch, target=target, choice=choice, runs={}, bits_to_target={},
               test_images=len(yte), iterations=iterations)
    for name in algorithms:
        seed = seed_from_names(PAPER, "fig2", name, M, per_node, batch)
        algo = make_chosen(name, choice, batch, triggers=3 if name == "LENA-3" else 1)
        r = run_recorded(algo, prob, iterations, seed=seed, X_test=Xte, y_test=yte, record_every=record_every)
        out["runs"][name] = r
        out["bits_to_target"][name] = bits_to_reach(r, target)
    return out


# --- Figure 4 -----------------------------------------------------------------------------------------------------------
def figure4(Ms=(10, 20, 40), per_node=40, iterations=250, target=0.75, realisations=100,
            algorithms=("LENA", "DIANA", "LAG", "DGD"), drifts=("LENA-0", "LENA-g", "LENA-v", "LENA-m"),
            record_every=5, grid_iterations=30, grid_once=True, test_subset=2000):
    """Extra uplink latency over LENA to reach ``target`` test accuracy against M (minibatch = 10% of the local
    data), for both bandwidth probability vectors of Figure 4; and the four drifts at the largest M.

    Latency: the WAN model of :mod:`reference_impl.algorithms.lena_network` (each node's bandwidth drawn once per
    realisation; aggregation "sum", the sum over nodes and rounds of bits / bandwidth; no per-upload overhead),
    counted up to the first recorded round at which the test accuracy reaches ``target``. ``grid_once``: the grid
    search runs at the first M only and its choice is reused (quick mode)."""
    out = dict(Ms=list(Ms), per_node=per_node, target=target, realisations=realisations, iterations=iterations,
               latency={}, drifts={}, choices={}, reached={})
    choice = None
    for M in Ms:
        prob, Xte, yte = mnist_one_label_per_node(M, per_node, test_subset=test_subset)
        batch = max(1, int(round(0.1 * int(prob.sizes.min()))))
        if choice is None or not grid_once:
            choice = grid_search(prob, grid_iterations, batch, f"fig4-M{M}-n{per_node}")
        out["choices"][M] = choice
        names = algorithms + (tuple(d for d in drifts if d != "LENA-m") if M == Ms[-1] else ())
        res = {}
        for name in names:
            seed = seed_from_names(PAPER, "fig4", name, M, per_node)
            res[name] = run_recorded(make_chosen(name, choice, batch), prob, iterations, seed=seed, X_test=Xte,
                                     y_test=yte, record_every=record_every)
        if M == Ms[-1]:
            res["LENA-m"] = res["LENA"]
        out["reached"][M] = {n: bool((r["acc"] >= target).any()) for n, r in res.items()}
        for label, probs in (("uniform", PROBS_UNIFORM), ("slow", PROBS_SLOW)):
            bw = draw_bandwidths(np.random.default_rng(seed_from_names(PAPER, "bandwidth", M, label)), M,
                                 probs, realisations)
            lat = {}
            for name, r in res.items():
                hit = np.flatnonzero(r["acc"] >= target)
                lat[name] = (wan_latency(r["bits"][: r["k"][hit[0]]], bw)[:, -1] if hit.size
                             else np.full(realisations, np.inf))
            out["latency"][(M, label)] = {n: dict(mean_s=float(np.mean(v)),
                                                  extra_over_lena_s=float(np.mean(v - lat["LENA"])))
                                          for n, v in lat.items()}
        if M == Ms[-1]:
            out["drifts"] = {n: out["latency"][(M, "uniform")][n]["mean_s"] for n in drifts}
        out[f"tdma_bits_M{M}"] = {n: float(tdma_latency(r["bits"], 1.0)[-1]) for n, r in res.items()}
    return out


def crossing_point(fig4: dict, label: str = "uniform", other: str = "DIANA"):
    """The smallest M from which LENA's latency to target is below ``other``'s (None if never)."""
    for M in fig4["Ms"]:
        if fig4["latency"][(M, label)][other]["extra_over_lena_s"] > 0:
            return M
    return None


# --- stored full-mode results ----------------------------------------------------------------------------------
def store(result: dict, figure_id: str, wall_s: float, seed_policy: str = "seed_from_names") -> Path:
    path = RESULTS_FULL / figure_id
    path.mkdir(parents=True, exist_ok=True)
    meta = dict(device=device_description(NUMPY), commit=git_commit(), seed=seed_policy, wall_time_s=wall_s)
    (path / "summary.json").write_text(json.dumps(dict(meta=meta, results=_jsonable(result)), indent=1))
    return path / "summary.json"


def load_full(figure_id: str):
    p = RESULTS_FULL / figure_id / "summary.json"
    return json.loads(p.read_text()) if p.exists() else None


def _jsonable(x):
    if isinstance(x, dict):
        return {(",".join(map(str, k)) if isinstance(k, tuple) else str(k)): _jsonable(v) for k, v in x.items()
                if k != "bits"}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    if isinstance(x, float) and not np.isfinite(x):
        return str(x)
    return x


def _strip(res: dict) -> dict:
    """A run without its (T, M) bits matrix, plus its cumulative bits at the records."""
    out = {k: v for k, v in res.items() if k != "bits"}
    out["cum_bits"] = np.cumsum(res["bits"].sum(axis=1))[res["k"] - 1]
    out["uploads"] = int((res["bits"] > 0).sum())
    return out


QUICK_FIG1 = dict(M=20, per_node=40, iterations=200, record_every=10, grid_iterations=30, test_subset=2000)
FULL_FIG1 = dict(QUICK_FIG1, M=100, per_node=None, iterations=2000, record_every=50, grid_iterations=100,
                 test_subset=None)


def _fig1(full: bool, out: Path) -> dict:
    r = figure1(**(FULL_FIG1 if full else QUICK_FIG1))
    r["runs"] = {k: _strip(v) for k, v in r["runs"].items()}
    return _jsonable(r)


QUICK_FIG2 = dict(M=20, per_node=40, iterations=250, batch=3, target=0.75, grid_iterations=30, record_every=10,
                  algorithms=("LENA", "LENA-3", "LENA-printed", "DIANA", "LAG", "DGD"), test_subset=2000)
#: the paper's Figure 2 (b) setting: M = 200 nodes on all 60,000 images (300 each), minibatch 3, target 0.86
FULL_FIG2 = dict(QUICK_FIG2, M=200, per_node=None, iterations=2000, grid_iterations=50, record_every=100,
                 target=0.86, test_subset=None)


def _fig2(full: bool, out: Path) -> dict:
    r = figure2(**(FULL_FIG2 if full else QUICK_FIG2))
    r["runs"] = {k: _strip(v) for k, v in r["runs"].items()}
    return _jsonable(r)


QUICK_FIG4 = dict(Ms=(10, 20, 40), per_node=40, iterations=200, target=0.75, record_every=10, test_subset=1000)
#: paper-scale data (all images) and target 0.86; M = 500 and per-M grid searches left out to fit the CPU budget
FULL_FIG4 = dict(Ms=(10, 50, 100, 200), per_node=None, iterations=600, target=0.86, record_every=25,
                 grid_iterations=50, grid_once=True, test_subset=None)


def _fig4(full: bool, out: Path) -> dict:
    return _jsonable(figure4(**(FULL_FIG4 if full else QUICK_FIG4)))


#: Registered figures, one notebook each.
FIGURES = [
    Figure("lena-fig1", PAPER, "Loss vs iterations and upload frequency, full batch and minibatches 2 and 15 (MNIST, "
           "one label per node)", "lena_1_convergence", _fig1),
    Figure("lena-fig2", PAPER, "Test accuracy vs uploaded bits; bits to reach a test accuracy (MNIST, one label per "
           "node), with upload frequencies", "lena_2_bits", _fig2),
    Figure("lena-fig4", PAPER, "Extra uplink latency over LENA against M (two bandwidth models); the four drifts",
           "lena_3_latency", _fig4),
]
