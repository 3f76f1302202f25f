"""Experiments for work 002 (Top-k AMSGrad with error feedback; the draft of COMP-AMS, ICLR 2022).

The draft's only experiment (Section 5, Figure 1, no data set or model named): 20 workers, test accuracy of
Top-k EF AMSGrad against full AMSGrad and Top-k without error feedback. The authors' public code
(``BelhalK/baiduresearch``) trains CNNs on MNIST and CIFAR-10 with batch 128, Top-k density 0.01 and the
learning-rate grid {1e-4, 5e-4, 1e-3, 5e-3, 1e-2}. CNNs belong to issue 12 and CIFAR-10 is not available
here, so we run **substitutes on real MNIST** (CPU, seconds to minutes):

* :func:`mnist_experiment` - softmax regression (convex) and a two-layer tanh MLP (nonconvex) on MNIST,
  IID or non-IID (label-sorted) splits over 20 workers, every algorithm of :data:`ALGORITHMS`, against
  iterations and against uplink bits. Quick mode uses 14 x 14 (2 x 2 average-pooled) images and a
  subset of the training set; full mode the 28 x 28 images and the whole training set.
* :func:`speedup_sweep` - the published rate in T and linear speedup in n on a smooth nonconvex problem
  (the claims ``compams.published-rate-T`` / ``compams.published-speedup-n``), in two regimes of eps.
* :func:`quick_claims_experiment` - the small run behind the claims ``compams.exp-*``.

Which epsilon: every experiment here uses the authors' code's convention, eps = 1e-8 **outside** the square
root, beta = (0.9, 0.999), no bias correction (:func:`reference_impl.algorithms.compams.compams` with
``eps_mode="outside"``), except the speedup sweep, which states its eps.
"""
from __future__ import annotations

import csv
import functools
import json
import time
import warnings
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from reference_impl.algorithms.base import TheoryRangeWarning
from reference_impl.backends import NUMPY
from reference_impl.runner import device_description, git_commit, seed_from_names
from reproductions.figures import Figure

PAPER = "compams"
N_WORKERS = 20
#: The algorithms of the comparison, in plotting order.
ALGORITHMS = ("AMSGrad", "COMP-AMS Top-k EF", "Top-k AMSGrad (no EF)", "COMP-AMS Block-Sign EF", "QAdam Top-k EF",
              "1-bit Adam", "SGD Top-k EF")
#: Learning rates (adaptive methods from the authors' grid; SGD needs a larger step, not in their grid).
LEARNING_RATES = {"AMSGrad": 5e-3, "COMP-AMS Top-k EF": 5e-3, "Top-k AMSGrad (no EF)": 5e-3,
                  "COMP-AMS Block-Sign EF": 5e-3, "QAdam Top-k EF": 5e-3, "1-bit Adam": 5e-3, "SGD Top-k EF": 0.5}
#: The draft's (and the authors' code's) Top-k densities.
DENSITIES = (0.01, 0.05)
QUICK = dict(pool=2, n_train=6000, n_test=2000, batch=32, iterations=300, record_every=25)
FULL = dict(pool=1, n_train=60000, n_test=10000, batch=128, iterations=470, record_every=47)   # 20 workers x 128 = 2560 rows per step: 10 epochs


def single_threaded(fn):
    """Run ``fn`` with BLAS on one thread: the arrays are small and the CI machines have 2 shared cores."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            return fn(*args, **kwargs)

    return wrapper


# =============================================================================================
# Data and problems
# =============================================================================================
@functools.lru_cache(maxsize=4)
def _mnist(split: str, pool: int):
    from reference_impl.data import load_mnist

    X, y = load_mnist(split)
    X = X.astype(np.float64) / 255.0
    if pool > 1:
        n = X.shape[0]
        X = X.reshape(n, 28 // pool, pool, 28 // pool, pool).mean(axis=(2, 4))
    return X.reshape(X.shape[0], -1), y.astype(np.int64)


def worker_split(y: np.ndarray, kind: str, n_workers: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Row indices per worker: ``"iid"`` (a random permutation cut in equal pieces) or ``"noniid"`` (rows sorted
    by label, then cut in equal pieces: each worker sees one or two digits)."""
    from reference_impl.data import iid_worker_indices

    if kind == "iid":
        return iid_worker_indices(len(y), n_workers, rng)
    if kind == "noniid":
        order = np.lexsort((rng.random(len(y)), y))
        return [np.asarray(p) for p in np.array_split(order, n_workers)]
    raise ValueError(f"split must be 'iid' or 'noniid', got {kind!r}")


def mnist_problem(model: str = "softmax", split: str = "iid", *, pool: int = 2, n_train: int = 6000,
                  n_test: int = 2000, hidden: int = 32, seed_tag: str = "mnist"):
    """``(problem, X_test, y_test)``: ``model`` "softmax" or "mlp" on ``n_train`` MNIST training rows (a fixed
    random subset) over 20 workers; images pooled ``pool x pool``."""
    from reference_impl.algorithms.compams_problems import SoftmaxRegression, TwoLayerMLP

    X, y = _mnist("train", pool)
    Xt, yt = _mnist("test", pool)
    rng = np.random.default_rng(seed_from_names(PAPER, seed_tag, split, pool, n_train))
    rows = rng.permutation(len(y))[:n_train]
    parts = worker_split(y[rows], split, N_WORKERS, rng)
    Fs, ys = [X[rows[p]] for p in parts], [y[rows[p]] for p in parts]
    name = f"mnist-{model}-{split}({28 // pool}x{28 // pool}, n={n_train})"
    if model == "softmax":
        prob = SoftmaxRegression(Fs, ys, name=name)
    elif model == "mlp":
        prob = TwoLayerMLP(Fs, ys, hidden=hidden, init_seed=seed_from_names(PAPER, "mlp-init") % 2**32, name=name)
    else:
        raise ValueError(f"model must be 'softmax' or 'mlp', got {model!r}")
    return prob, Xt[:n_test], yt[:n_test]


def make_algorithm(name: str, problem, density: float, *, batch: int, iterations: int, lr: float | None = None):
    """The algorithm ``name`` of :data:`ALGORITHMS` with Top-k ``k = max(1, round(density d))``; Block-Sign uses one
    block per layer (``problem.blocks``); 1-bit Adam warms up for 10% of the iterations and uses the scaled sign."""
    from reference_impl.algorithms.amsgrad import amsgrad
    from reference_impl.algorithms.compams import compams
    from reference_impl.algorithms.compams_sgd import compressed_sgd
    from reference_impl.algorithms.onebit_adam import onebit_adam
    from reference_impl.algorithms.qadam import qadam
    from reference_impl.compressors.sign import BlockSign, ScaledSign
    from reference_impl.compressors.sparsification import TopK

    if name not in ALGORITHMS:
        raise ValueError(f"unknown algorithm {name!r}; choose one of {ALGORITHMS}")
    lr = LEARNING_RATES[name] if lr is None else lr
    k = max(1, int(round(density * problem.d)))
    kw = dict(batch=batch)
    if name == "AMSGrad":
        return amsgrad(lr, **kw)
    if name == "COMP-AMS Top-k EF":
        return compams(lr, TopK(k), **kw)
    if name == "Top-k AMSGrad (no EF)":
        return compams(lr, TopK(k), error_feedback=False, **kw)
    if name == "COMP-AMS Block-Sign EF":
        return compams(lr, BlockSign(getattr(problem, "blocks", None)), **kw)
    if name == "QAdam Top-k EF":
        return qadam(lr, TopK(k), **kw)
    if name == "1-bit Adam":
        return onebit_adam(lr, ScaledSign(), warmup=max(1, iterations // 10), **kw)
    if name == "SGD Top-k EF":
        return compressed_sgd(lr, TopK(k), **kw)
    raise ValueError(f"unknown algorithm {name!r}; choose one of {ALGORITHMS}")


# =============================================================================================
# The harness: records accuracy, loss and bits; CSV + JSON sidecar with provenance
# =============================================================================================
COLUMNS = ("k", "train_loss", "test_accuracy", "cum_uplink_bits", "cum_downlink_bits")


@single_threaded
def run_recorded(algo, problem, iterations: int, *, seed: int, record_every: int, X_test, y_test,
                 csv_path: str | Path | None = None, extra_meta: Mapping | None = None, xp=NUMPY) -> dict:
    """Run ``iterations`` steps on backend ``xp``; every ``record_every`` (and at k = 0 and the end) record the
    training loss (average of the workers' losses), test accuracy (percent) and cumulative bits."""
    rng = np.random.default_rng(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        state = algo.init(problem, xp)
    meta = dict(paper=PAPER, algorithm=algo.name, params={k: str(v) for k, v in algo.params.items()},
                problem=problem.name, N=problem.N, d=problem.d, iterations=iterations, seed=seed,
                backend=xp.name, device=device_description(xp), commit=git_commit(), **(extra_meta or {}))
    rows, up, down = [], 0, 0
    start = time.perf_counter()

    def record(k, x):
        x = np.asarray(xp.to_numpy(x), dtype=float)
        loss = float(problem.loss(NUMPY, x))
        acc = 100.0 * float(np.mean(problem.predict(x, X_test) == y_test))
        rows.append((k, loss, acc, up, down))

    record(0, state.x)
    for k in range(1, iterations + 1):
        state, info = algo.step(state, problem, xp, rng)
        up += int(np.sum(info.uplink_bits))
        down += int(info.downlink_bits)
        if k % record_every == 0 or k == iterations:
            if not np.all(np.isfinite(np.asarray(xp.to_numpy(state.x)))):
                break
            record(k, state.x)
    meta["wall_time_s"] = time.perf_counter() - start
    out = {c: np.array([r[i] for r in rows]) for i, c in enumerate(COLUMNS)}
    if csv_path is not None:
        path = Path(csv_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(COLUMNS)
            w.writerows(rows)
        Path(str(path) + ".json").write_text(json.dumps(meta, indent=2))
    out["meta"] = meta
    return out


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name).strip("_").lower()


def mnist_experiment(model: str = "softmax", split: str = "iid", density: float = 0.01, *,
                     algorithms: Sequence[str] = ALGORITHMS, scale: Mapping = QUICK, runs: int = 1,
                     out_dir: str | Path | None = None, backend: str = "numpy") -> dict:
    """Every algorithm on the MNIST substitute; returns ``name -> dict(curve columns (mean over runs),
    final_accuracy, final_accuracy_per_run, total_uplink_bits, wall_time_s)`` plus ``setting``. ``backend``:
    "numpy" (default), "torch-cpu" or "torch-cuda" (the same algorithms and problems on torch tensors)."""
    from reference_impl.backends import get_backend

    xp = get_backend(backend)
    prob, Xt, yt = mnist_problem(model, split, pool=scale["pool"], n_train=scale["n_train"], n_test=scale["n_test"])
    tag = f"{model}-{split}-{density:g}"
    res = {}
    for name in algorithms:
        per = []
        for r in range(runs):
            algo = make_algorithm(name, prob, density, batch=scale["batch"], iterations=scale["iterations"])
            path = Path(out_dir) / tag / f"{_slug(name)}_run{r}.csv" if out_dir else None
            per.append(run_recorded(algo, prob, scale["iterations"], seed=seed_from_names(PAPER, tag, name, r),
                                    record_every=scale["record_every"], X_test=Xt, y_test=yt, csv_path=path, xp=xp,
                                    extra_meta=dict(label=name, run=r, density=density, split=split, model=model)))
        n = min(len(h["k"]) for h in per)
        res[name] = dict(k=per[0]["k"][:n].tolist(),
                         test_accuracy=np.mean([h["test_accuracy"][:n] for h in per], axis=0).tolist(),
                         train_loss=np.mean([h["train_loss"][:n] for h in per], axis=0).tolist(),
                         cum_uplink_bits=per[0]["cum_uplink_bits"][:n].tolist(),
                         final_accuracy=float(np.mean([h["test_accuracy"][-1] for h in per])),
                         final_accuracy_per_run=[float(h["test_accuracy"][-1]) for h in per],
                         total_uplink_bits=float(per[0]["cum_uplink_bits"][-1]),
                         wall_time_s=float(sum(h["meta"]["wall_time_s"] for h in per)))
    setting = dict(model=model, split=split, density=density, d=prob.d, N=prob.N, runs=runs, backend=backend,
                   k=max(1, int(round(density * prob.d))), problem=prob.name, **dict(scale))
    return dict(setting=setting, results=res)


@functools.lru_cache(maxsize=8)
def quick_claims_experiment(density: float = 0.01) -> dict:
    """The three algorithms of the draft's sentences on the quick softmax/IID substitute (cached):
    ``dict(accuracy=name -> final test accuracy (percent), setting=...)``."""
    names = ("AMSGrad", "COMP-AMS Top-k EF", "Top-k AMSGrad (no EF)")
    res = mnist_experiment("softmax", "iid", density, algorithms=names, scale=QUICK)
    return dict(accuracy={n: res["results"][n]["final_accuracy"] for n in names},
                setting=f"softmax regression, MNIST 14x14, {QUICK['n_train']} rows IID over 20 workers, "
                        f"batch {QUICK['batch']}, {QUICK['iterations']} iterations, density {density:g}")


# =============================================================================================
# a9a logistic regression: where error feedback matters (heterogeneous vs IID workers), in bits
# =============================================================================================
A9A_ALGORITHMS = ("AMSGrad", "COMP-AMS Top-k EF", "Top-k AMSGrad (no EF)", "SGD Top-k EF", "SGD Top-k (no EF)")
A9A_LAM = 1e-3


@functools.lru_cache(maxsize=4)
def a9a_problem(split: str = "heterogeneous"):
    """l2-regularised logistic regression (lam = 1e-3) on the real LIBSVM a9a, standardised columns plus a bias
    (d = 124), over 20 workers: ``"heterogeneous"`` (the t-SNE cluster split of 004's authors, rebalanced) or
    ``"iid"``. ``f_star`` is set from :func:`newton_fstar` (gradient norm <= 1e-12)."""
    from reference_impl.data import heterogeneous_worker_indices, iid_worker_indices, load_libsvm, standardize_with_bias
    from reference_impl.problems import LogisticProblem

    X, y = load_libsvm("a9a")
    Z = standardize_with_bias(X)
    if split == "heterogeneous":
        parts = heterogeneous_worker_indices("a9a")
    elif split == "iid":
        parts = iid_worker_indices(len(y), N_WORKERS, np.random.default_rng(seed_from_names(PAPER, "a9a-iid")))
    else:
        raise ValueError(f"split must be 'heterogeneous' or 'iid', got {split!r}")
    prob = LogisticProblem([Z[i] for i in parts], [y[i] for i in parts], A9A_LAM, name=f"a9a-logistic-{split}")
    x_star, f_star = newton_fstar(prob)
    prob.__dict__["x_star"], prob.__dict__["f_star"] = x_star, f_star      # cached_property slots
    return prob


def newton_fstar(prob, tol: float = 1e-12, max_iter: int = 200):
    """``(x_star, f_star)`` with ``||grad f(x_star)|| <= tol``, from the one optimum solver of the
    problems (:func:`reference_impl.problems.row_space_newton`, through ``LogisticProblem.optimum``)."""
    res = prob.optimum(tol=tol, max_iter=max_iter)
    return res["x"], float(prob.loss(NUMPY, res["x"]))


def _a9a_algorithm(name, prob, k, batch):
    from reference_impl.algorithms.amsgrad import amsgrad
    from reference_impl.algorithms.compams import compams
    from reference_impl.algorithms.compams_sgd import compressed_sgd
    from reference_impl.compressors.sparsification import TopK

    lr, sgd_lr = 5e-3, 0.5 / prob.L
    if name == "AMSGrad":
        return amsgrad(lr, batch=batch)
    if name == "COMP-AMS Top-k EF":
        return compams(lr, TopK(k), batch=batch)
    if name == "Top-k AMSGrad (no EF)":
        return compams(lr, TopK(k), batch=batch, error_feedback=False)
    if name == "SGD Top-k EF":
        return compressed_sgd(sgd_lr, TopK(k), batch=batch)
    if name == "SGD Top-k (no EF)":
        return compressed_sgd(sgd_lr, TopK(k), batch=batch, error_feedback=False)
    raise ValueError(f"unknown algorithm {name!r}; choose one of {A9A_ALGORITHMS}")


@single_threaded
def a9a_experiment(split: str = "heterogeneous", k: int = 2, *, iterations: int = 500, record_every: int = 50,
                   batch: int = 16, runs: int = 1, algorithms: Sequence[str] = A9A_ALGORITHMS,
                   out_dir: str | Path | None = None) -> dict:
    """Every algorithm of ``algorithms`` on a9a: ``name -> dict(k, gap (mean over runs of F - F*), bits, final_gap,
    wall_time_s)``. Step sizes: 5e-3 for the adaptive methods, 0.5/L for SGD."""
    prob = a9a_problem(split)
    tag = f"a9a-{split}-k{k}"
    res = {}
    for name in algorithms:
        gaps, bits, wall = [], None, 0.0
        for r in range(runs):
            algo = _a9a_algorithm(name, prob, k, batch)
            rng = np.random.default_rng(seed_from_names(PAPER, tag, name, r))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", TheoryRangeWarning)
                state = algo.init(prob, NUMPY)
            start = time.perf_counter()
            ks, g, b, up = [0], [float(prob.loss(NUMPY, state.x)) - prob.f_star], [0], 0
            for it in range(1, iterations + 1):
                state, info = algo.step(state, prob, NUMPY, rng)
                up += int(np.sum(info.uplink_bits))
                if it % record_every == 0 or it == iterations:
                    ks.append(it)
                    g.append(float(prob.loss(NUMPY, state.x)) - prob.f_star)
                    b.append(up)
            wall += time.perf_counter() - start
            gaps.append(g)
            bits = b
            if out_dir is not None:
                path = Path(out_dir) / tag / f"{_slug(name)}_run{r}.csv"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("k,loss_gap,cum_uplink_bits\n" + "".join(f"{a},{c!r},{d}\n" for a, c, d in zip(ks, g, b)))
                Path(str(path) + ".json").write_text(json.dumps(dict(
                    paper=PAPER, algorithm=algo.name, label=name, run=r, problem=prob.name, N=prob.N, d=prob.d, k=k,
                    batch=batch, iterations=iterations, seed=seed_from_names(PAPER, tag, name, r),
                    params={a: str(v) for a, v in algo.params.items()}, f_star=prob.f_star,
                    device=device_description(NUMPY), commit=git_commit(), wall_time_s=time.perf_counter() - start),
                    indent=2))
        mean_gap = np.mean(gaps, axis=0)
        res[name] = dict(k=ks, gap=mean_gap.tolist(), bits=bits, final_gap=float(mean_gap[-1]),
                         final_gap_per_run=[float(x[-1]) for x in gaps], wall_time_s=wall)
    return dict(setting=dict(split=split, k=k, d=prob.d, N=prob.N, batch=batch, iterations=iterations, runs=runs,
                             lam=A9A_LAM, f_star=prob.f_star, L=prob.L), results=res)


# =============================================================================================
# The speedup figure (published rate in T and linear speedup in n)
# =============================================================================================
@single_threaded
def speedup_sweep(eps: float, *, c: float = 0.45, runs: int = 3, Ts: Sequence[int] = (200, 400, 800, 1600),
                  ns: Sequence[int] = (1, 2, 4, 8, 16), T_for_n: int = 800, n_for_T: int = 4) -> dict:
    """(1/T) sum_t ||grad f(theta_t)||^2 of COMP-AMS (Top-2 of d = 20, EF, batch 1) on the nonconvex logistic
    problem, eta = c sqrt(n/(T d)), against T (n = ``n_for_T``) and against n (T = ``T_for_n``); fitted slopes."""
    from theory.claims.compams import avg_grad_norm2

    start = time.perf_counter()
    vT = [avg_grad_norm2(n_for_T, T_, c, eps, runs, 2)[0] for T_ in Ts]
    vn = [avg_grad_norm2(n, T_for_n, c, eps, runs, 2)[0] for n in ns]
    return dict(eps=eps, c=c, runs=runs, Ts=list(Ts), ns=list(ns), avg_grad2_T=vT, avg_grad2_n=vn,
                slope_T=float(np.polyfit(np.log(Ts), np.log(vT), 1)[0]),
                slope_n=float(np.polyfit(np.log(ns), np.log(vn), 1)[0]), wall_time_s=time.perf_counter() - start)


# =============================================================================================
# Stored full-mode results and the figure registry
# =============================================================================================
def load_full(figure_id: str) -> dict | None:
    """The stored full-mode ``summary.json`` of ``figure_id`` (under reproductions/results/full/), or None."""
    from reproductions.figures import RESULTS

    path = RESULTS / "full" / figure_id / "summary.json"
    return json.loads(path.read_text()) if path.is_file() else None


FULL_CONFIGS = (("softmax", "iid", 0.01), ("softmax", "iid", 0.05), ("softmax", "noniid", 0.01),
                ("mlp", "iid", 0.01), ("mlp", "noniid", 0.01))
QUICK_CONFIGS = (("softmax", "iid", 0.01), ("softmax", "iid", 0.05))


def _figure_mnist(full: bool, out: Path) -> dict:
    """``REPRO_BACKEND`` (e.g. ``torch-cuda``) chooses the backend; numpy by default."""
    import os

    configs = FULL_CONFIGS if full else QUICK_CONFIGS
    scale = FULL if full else QUICK
    res = {}
    for model, split, density in configs:
        r = mnist_experiment(model, split, density, scale=scale, out_dir=out,
                             backend=os.environ.get("REPRO_BACKEND", "numpy"))
        res[f"{model}-{split}-{density:g}"] = r
    return dict(configs=res, learning_rates=LEARNING_RATES)


def _figure_speedup(full: bool, out: Path) -> dict:
    runs = 6 if full else 3
    return dict(theorem_range=speedup_sweep(1.0, runs=runs), authors_eps=speedup_sweep(1e-8, runs=runs))


def _figure_a9a(full: bool, out: Path) -> dict:
    out_res = {}
    for split in ("heterogeneous", "iid"):
        for k in ((2, 6) if full else (2,)):
            r = a9a_experiment(split, k, iterations=3000 if full else 500, record_every=100 if full else 50,
                               runs=3 if full else 1, out_dir=out)
            out_res[f"{split}-k{k}"] = r
    return dict(configs=out_res)


FIGURES = [
    Figure("compams-mnist", PAPER, "Test accuracy against iterations and uplink bits: COMP-AMS (Top-k, Block-Sign) vs "
           "AMSGrad, Top-k without EF, QAdam, 1-bit Adam, compressed SGD (MNIST substitute, 20 workers)",
           "compams_1_mnist", _figure_mnist),
    Figure("compams-a9a", PAPER, "Where error feedback matters: a9a logistic regression, heterogeneous vs IID "
           "workers, Top-k AMSGrad and SGD with and without EF, against uplink bits", "compams_3_a9a", _figure_a9a),
    Figure("compams-speedup", PAPER, "Published rate in T and linear speedup in n (smooth nonconvex problem)",
           "compams_2_speedup", _figure_speedup),
]
