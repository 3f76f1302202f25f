"""Experiments for work 001 (lower bounds and NEOLITHIC): the slides' experiments, measured here.

Huang, Chen, Yin, Yuan 2022, "Lower Bounds and Nearly Optimal Algorithms in Distributed Learning with
Communication Compression" (NeurIPS; arXiv 2206.03665), as presented on W. Yin's slides.

* :func:`synthetic_comparison` - slide "Experiments: synthetic simulation": least squares and logistic
  regression on heterogeneous data, rand-1 compressors, ``R = 4``; NEOLITHIC against P-SGD, Q-SGD,
  MEM-SGD, Double Squeeze and EF21-SGD at the same budget of compression rounds.
* :func:`transient_sweep` - slides "Existing convergence rate (non-convex)" and "NEOLITHIC (nearly)
  attains the optimal convergence rate": measured transient complexities for several ``n`` and
  ``delta``, with exponents fitted by log-log regression (:func:`fit_transient_exponents`), beside the
  table's ``n/delta^2`` (NEOLITHIC) and ``n^3/delta^4`` (MEM-SGD).
* :func:`r_sweep` - slide "Experiments: influence of hyper parameter R" (CIFAR-10, ResNet-18: not
  available here) at a tiny size on CPU: a one-hidden-layer MLP on an MNIST subset, top-k compressors.

Problems (:func:`heterogeneous_least_squares`, :func:`heterogeneous_logistic`, :func:`libsvm_logistic`,
:func:`shifted_quadratics`, :class:`MLPProblem`) are built here from seeds derived from their names;
the algorithms and compressors are the library's (:mod:`reference_impl.algorithms`,
:mod:`reference_impl.compressors`), called through :func:`make_method`.

Budget. Every comparison is at a fixed number ``T`` of compression rounds per worker (slide
"NEOLITHIC: A nearly optimal algorithm": "given compression round budget T, we shall consider T/R
iterations in NEOLITHIC for fair comparison"): an algorithm with
``params["compression_rounds_per_iteration"] = R`` runs ``T // R`` iterations (P-SGD, which does not
compress, counts one round per iteration).

Runs (issue 10). A sweep's jobs (:class:`Job`) that differ only in step size, budget and seed (one method
with one set of options on one problem) advance as one stacked computation (:func:`run_jobs`,
:func:`run_budget_stack`; :func:`run_classification_jobs`, :func:`run_classification_stack` for the MLP):
the algorithms of 001 are run-agnostic (``stackable``, per-run step sizes through
:func:`~reference_impl.algorithms.psgd.step_size`) and every run draws from its own generator, so each
run's trajectory is exactly its separate one (``tests/test_neolithic_stacked.py``); the stacks are spread
over ``workers`` processes. ``benchmarks/bench_neolithic.py`` times both paths.

Error measure. The theorems of 001 bound ``(1/(K+1)) sum_{k=0}^{K} E||grad f(x^(k))||^2``; that
average over the iterates of one run (:attr:`BudgetRun.avg_grad_sq`), averaged over seeds, is the
error of a run here.

Transient complexity, as measured (:func:`transient_rounds`). With the theory's step size for a
budget ``T`` (:func:`theory_step`: ``gamma(T) = min(gamma_max, q sqrt(Delta n / (L sigma^2 T)))``, q
oracle queries per iteration), let ``E_A(T)`` be algorithm A's error and ``rho_A(T) = E_A(T) /
E_PSGD(T)``. The algorithm *has entered its linear-speedup regime* at the first budget ``T`` on the
grid from which on ``rho_A <= 1 + eps`` (it is then within a factor ``1 + eps`` of uncompressed P-SGD,
whose error is the linear-speedup rate ``sigma/sqrt(nT)``); the crossing is interpolated linearly in
``(log T, log(rho - 1))``. Because the theory's compression terms decay as powers of T, the excess
``rho - 1`` is also fitted as ``c n^alpha delta^(-beta) T^(-p)`` over every measured point
(:func:`fit_transient_exponents`); the transient complexity ``T* = (c n^alpha delta^-beta / eps)^(1/p)``
then scales as ``n^(alpha/p) delta^(-beta/p)``, the exponents to compare with the table.
"""
from __future__ import annotations

import functools
import math
import time
import warnings
from pathlib import Path
from typing import Any, Iterable, NamedTuple, Sequence

import numpy as np
import scipy.special

from reference_impl.algorithms.base import TheoryRangeWarning
from reference_impl.backends import NUMPY
from reference_impl.processes import default_processes, fork_map, in_order
from reference_impl.problems import DistributedProblem, LeastSquaresProblem, LogisticProblem, QuadraticProblem
from reference_impl.runner import atomic_write, seed_from_names
from reproductions.figures import Figure
from reproductions.mcm import single_threaded_blas

PAPER = "neolithic"

#: The methods of the slides' synthetic experiment, in the legend's order.
METHODS = ("P-SGD", "QSGD", "MEM-SGD", "Double Squeeze", "EF21-SGD", "NEOLITHIC")
#: Extra rows, not on the slide. NEOLITHIC with an uncompressed broadcast (``C_0 = I``), like MEM-SGD
#: and EF21-SGD.
EXTRA_METHODS = ("NEOLITHIC (uni)",)


def default_workers() -> int:
    """Processes for the independent runs of a sweep: ``REPRO_WORKERS`` or min(2, cpu count)
    (:func:`reference_impl.processes.default_processes`, the one rule for every experiment)."""
    return default_processes()


# =====================================================================================================
# Problems
# =====================================================================================================
def _rng(*names) -> np.random.Generator:
    return np.random.default_rng(seed_from_names(PAPER, *names))


def heterogeneous_least_squares(n_workers: int, d: int = 10, rows: int = 100, heterogeneity: float = 1.0,
                                label_noise: float = 1.0, seed_name: str = "least-squares") -> LeastSquaresProblem:
    """Least squares ``f_i(x) = ||A_i x - b_i||^2 / (2 m)`` with worker-specific solutions.

    Worker i holds ``m = rows`` rows ``a ~ N(0, I_d)`` and targets ``b = A_i x_i + label_noise * e``,
    ``x_i = x_c + heterogeneity * u_i`` with ``x_c, u_i, e`` standard normal: the local minimisers differ
    (data heterogeneity, slide "Distributed learning": "each local distribution D_i may be different").
    One-row minibatches give the stochastic oracle of Assumption 2.
    """
    _check_sizes(n_workers=n_workers, d=d, rows=rows)
    rng = _rng(seed_name, n_workers, d, rows, heterogeneity, label_noise)
    x_c = rng.standard_normal(d)
    feats, targets = [], []
    for _ in range(n_workers):
        A = rng.standard_normal((rows, d))
        x_i = x_c + heterogeneity * rng.standard_normal(d)
        feats.append(A)
        targets.append(A @ x_i + label_noise * rng.standard_normal(rows))
    return LeastSquaresProblem(feats, targets, 0.0,
                               name=f"least-squares(n={n_workers}, d={d}, m={rows}, h={heterogeneity:g})")


def heterogeneous_logistic(n_workers: int, d: int = 10, rows: int = 100, heterogeneity: float = 1.0,
                           lam: float = 1e-2, seed_name: str = "logistic") -> LogisticProblem:
    """l2-regularised logistic regression with worker-specific features and labelling models.

    Worker i: features ``a ~ N(heterogeneity * m_i, I_d)``, labels ``y = +1`` with probability
    ``sigmoid(a^T w_i)``, ``w_i = w_c + heterogeneity * v_i`` (``m_i, w_c, v_i`` standard normal, scaled
    by ``1/sqrt(d)`` so that margins stay O(1)); ``lam`` the l2 weight.
    """
    _check_sizes(n_workers=n_workers, d=d, rows=rows)
    rng = _rng(seed_name, n_workers, d, rows, heterogeneity, lam)
    w_c = 2 * rng.standard_normal(d) / math.sqrt(d)
    feats, labels = [], []
    for _ in range(n_workers):
        shift = heterogeneity * rng.standard_normal(d) / math.sqrt(d) * 2
        w_i = w_c + heterogeneity * 2 * rng.standard_normal(d) / math.sqrt(d)
        A = shift + rng.standard_normal((rows, d))
        p = 1 / (1 + np.exp(-A @ w_i))
        feats.append(A)
        labels.append(np.where(rng.random(rows) < p, 1.0, -1.0))
    return LogisticProblem(feats, labels, lam,
                           name=f"logistic(n={n_workers}, d={d}, m={rows}, h={heterogeneity:g})")


def libsvm_logistic(dataset: str = "phishing", rows_per_worker: int | None = 200, lam: float = 1e-3) -> LogisticProblem:
    """Logistic regression on a real LIBSVM set split heterogeneously over 20 workers.

    The split is the MCM authors' t-SNE/Gaussian-mixture clusters
    (:func:`reference_impl.data.heterogeneous_worker_indices`): worker i holds cluster i, so the local
    distributions differ. Features with a bias column prepended; at most ``rows_per_worker`` rows
    per worker (the first ones of each cluster), all rows when None.
    """
    from reference_impl.data import heterogeneous_worker_indices, load_libsvm

    X, y = load_libsvm(dataset)
    X = np.hstack([np.ones((X.shape[0], 1)), X])
    groups = heterogeneous_worker_indices(dataset)
    if rows_per_worker is not None:
        groups = [g[:rows_per_worker] for g in groups]
    return LogisticProblem([X[g] for g in groups], [y[g] for g in groups], lam,
                           name=f"{dataset}-logistic(n=20, heterogeneous, m<={rows_per_worker})")


def shifted_quadratics(n_workers: int, d: int = 16, kappa: float = 10.0, heterogeneity: float = 1.0,
                       seed_name: str = "quadratics") -> QuadraticProblem:
    """``f_i(x) = (x - c_i)^T A (x - c_i) / 2``: one Hessian, worker-specific centres ``c_i``.

    ``A`` has eigenvalues log-spaced in ``[1/kappa, 1]`` (``L = 1``) and a random eigenbasis, drawn from
    a seed that does not depend on ``n``; the centres are ``c_i = x_c + heterogeneity * u_i`` with the
    ``u_i`` centred and scaled to ``(1/n) sum_i ||u_i||^2 = d``. So ``L``, ``mu``, ``x* = x_c`` and the
    size of the heterogeneity are the same for every ``n``, and only ``n`` changes in a sweep over it.
    The problem for the transient-complexity measurements (with an additive-noise oracle).
    """
    _check_sizes(n_workers=n_workers, d=d)
    if n_workers < 2:
        raise ValueError(f"shifted_quadratics needs n_workers >= 2 (centred shifts), got {n_workers}")
    base = _rng(seed_name, "hessian", d, kappa)
    Q, _ = np.linalg.qr(base.standard_normal((d, d)))
    A = (Q * np.geomspace(1 / kappa, 1.0, d)) @ Q.T
    A = (A + A.T) / 2
    x_c = base.standard_normal(d)
    U = _rng(seed_name, "shifts", n_workers, d).standard_normal((n_workers, d))
    U -= U.mean(axis=0)
    U *= math.sqrt(n_workers * d) / np.linalg.norm(U)
    C = x_c + heterogeneity * U
    return QuadraticProblem(np.broadcast_to(A, (n_workers, d, d)).copy(), C @ A, mu=1 / kappa, L=1.0,
                            name=f"shifted-quadratics(n={n_workers}, d={d}, kappa={kappa:g}, h={heterogeneity:g})")


def _check_sizes(**sizes) -> None:
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


# -- problem statistics -----------------------------------------------------------------------------
def _linear_gradient(problem):
    """``(H, h)`` with ``grad f(x) = H x - h`` for quadratics and least squares, else None."""
    if isinstance(problem, QuadraticProblem):
        return problem.A.mean(axis=0), problem.b.mean(axis=0)
    if isinstance(problem, LeastSquaresProblem):
        H = np.einsum("nmd,nm,nme->de", problem.F, problem.w, problem.F) / problem.N + problem.lam * np.eye(problem.d)
        h = np.einsum("nmd,nm,nm->d", problem.F, problem.w, problem.t) / problem.N
        return H, h
    return None


def gradient_function(problem):
    """A fast ``x -> grad f(x)`` (closed form for quadratics and least squares, else ``problem.grad``)."""
    linear = _linear_gradient(problem)
    if linear is not None:
        H, h = linear
        return lambda x: H @ x - h
    return lambda x: np.asarray(problem.grad(NUMPY, x), dtype=float)


def batched_gradient_function(problem):
    """``X (R, d) -> (R, d)``: ``grad f`` at R points at once (the recording of R stacked runs): one
    matrix product for quadratics and least squares, two for logistic regression (on the padded rows,
    weight 0 on padding), the problem's run-axis worker gradients otherwise (``run_axis``), else
    :func:`gradient_function` row by row. Equal to :func:`gradient_function` up to
    the rounding of the kernels (a matrix product instead of R mat-vecs: ~1e-16 relative)."""
    linear = _linear_gradient(problem)
    if linear is not None:
        H, h = linear
        return lambda X: X @ H.T - h
    if isinstance(problem, LogisticProblem):
        A, y = problem.F.reshape(-1, problem.d), problem.t.reshape(-1)      # padded rows carry weight 0
        wts = problem.w.reshape(-1) / problem.N

        def logistic(X):
            Z = A @ X.T                                                      # (rows, R)
            S = -y[:, None] * scipy.special.expit(-y[:, None] * Z)           # d/dz log(1 + exp(-y z))
            return (wts[:, None] * S).T @ A + problem.lam * X
        return logistic
    if getattr(problem, "run_axis", False):
        return lambda X: np.asarray(problem.worker_grads(NUMPY, problem.broadcast(NUMPY, X))).mean(axis=-2)
    one = gradient_function(problem)
    return lambda X: np.stack([one(x) for x in X])


def initial_gap(problem) -> float:
    """``Delta = f(x0) - f*`` (Assumption 1)."""
    return float(problem.loss(NUMPY, problem.x0(NUMPY))) - float(problem.f_star)


def heterogeneity_at_optimum(problem) -> float:
    """``b^2 = (1/n) sum_i ||grad f_i(x*) - grad f(x*)||^2`` at the minimiser (Theorem 3's b, at x*)."""
    G = np.asarray(problem.worker_grads(NUMPY, problem.broadcast(NUMPY, np.asarray(problem.x_star, float))))
    return float(((G - G.mean(axis=0)) ** 2).sum(axis=1).mean())


def minibatch_variance(problem, x=None) -> float:
    """``sigma^2 = (1/n) sum_i E||grad F(x; xi_i) - grad f_i(x)||^2`` of a one-row minibatch at x (x*).

    Exact: the average over each worker's rows (uniform sampling, Assumption 2's variance at x).
    """
    x = np.asarray(problem.x_star if x is None else x, dtype=float)
    X = problem.broadcast(NUMPY, x)
    G = np.asarray(problem.worker_grads(NUMPY, X))
    total = np.zeros(problem.N)
    m_max = int(problem.sizes.max())
    for j in range(m_max):
        rows = np.minimum(j, problem.sizes - 1)[:, None]
        Gj = np.asarray(problem.stochastic_worker_grads(NUMPY, X, rows))
        total += np.where(j < problem.sizes, ((Gj - G) ** 2).sum(axis=1), 0.0)
    return float((total / problem.sizes).mean())


# =====================================================================================================
# Methods and runs
# =====================================================================================================
def make_compressor(spec):
    """A library compressor from a picklable spec: ``("rand", k)`` (unscaled rand-k, contractive with
    delta = k/d), ``("rand-unbiased", k)`` (scaled by d/k, omega = d/k - 1), ``("top", k)`` (top-k)."""
    from reference_impl.compressors.sparsification import RandK, TopK

    kind, k = spec
    if kind == "rand":
        return RandK(int(k), scaled=False)
    if kind == "rand-unbiased":
        return RandK(int(k), scaled=True)
    if kind == "top":
        return TopK(int(k))
    raise ValueError(f"unknown compressor spec {spec!r}: kind must be 'rand', 'rand-unbiased' or 'top'")


def make_method(name: str, gamma: float, compressor_spec=("rand", 1), *, rounds: int = 4, batch=1,
                noise: float = 0.0, qsgd_levels: int = 1):
    """The library algorithm ``name`` (one of :data:`METHODS`) with step ``gamma`` (per iteration; a list:
    per-run steps of stacked runs, :func:`run_budget_stack`).

    * P-SGD (:func:`~reference_impl.algorithms.psgd.psgd`), uncompressed;
    * QSGD (:func:`~reference_impl.algorithms.qsgd.qsgd`): the library's Q-SGD quantises with the QSGD
      quantiser (``qsgd_levels`` levels), not with rand-1: it takes no other compressor;
    * MEM-SGD (:func:`~reference_impl.algorithms.mem_sgd.mem_sgd`) and EF21-SGD
      (:func:`~reference_impl.algorithms.ef21_sgd.ef21_sgd`): unidirectional, the compressor as given;
    * Double Squeeze (:func:`~reference_impl.algorithms.double_squeeze.double_squeeze`) and NEOLITHIC
      (:func:`~reference_impl.algorithms.neolithic.neolithic`, ``rounds`` = R FCC rounds and R-batch
      accumulation): bidirectional, the same compressor on the workers and the server;
    * NEOLITHIC (uni): NEOLITHIC with the server's broadcast in full precision (``C_0 = I``).

    ``batch`` rows per oracle query (None: exact gradients) and additive Gaussian ``noise`` (P-SGD,
    MEM-SGD, EF21-SGD and NEOLITHIC only: Double Squeeze and QSGD take minibatches only).
    """
    from reference_impl.algorithms.double_squeeze import double_squeeze
    from reference_impl.algorithms.ef21_sgd import ef21_sgd
    from reference_impl.algorithms.mem_sgd import mem_sgd
    from reference_impl.algorithms.neolithic import neolithic
    from reference_impl.algorithms.psgd import psgd
    from reference_impl.algorithms.qsgd import qsgd

    gamma = [float(g) for g in gamma] if isinstance(gamma, (list, tuple, np.ndarray)) else float(gamma)
    if name in ("Double Squeeze", "QSGD") and noise:
        raise ValueError(f"{name} in the library takes minibatch oracles only (noise must be 0, got {noise})")
    if name == "P-SGD":
        return psgd(gamma, batch=batch, noise=noise)
    if name == "QSGD":
        return qsgd(gamma, qsgd_levels, batch=batch)
    C = make_compressor(compressor_spec)
    if name == "MEM-SGD":
        return mem_sgd(gamma, C, batch=batch, noise=noise)
    if name == "EF21-SGD":
        return ef21_sgd(gamma, C, batch=batch, noise=noise)
    if name == "Double Squeeze":
        return double_squeeze(gamma, C, make_compressor(compressor_spec), batch=batch)
    if name == "NEOLITHIC":
        return neolithic(gamma, C, int(rounds), bidirectional=True, batch=batch, noise=noise)
    if name == "NEOLITHIC (uni)":
        return neolithic(gamma, C, int(rounds), bidirectional=False, batch=batch, noise=noise)
    raise ValueError(f"unknown method {name!r}; choose one of {METHODS + EXTRA_METHODS}")


def rounds_per_iteration(algo) -> int:
    """Compression rounds one iteration costs (``params["compression_rounds_per_iteration"]``, else 1)."""
    return int(algo.params.get("compression_rounds_per_iteration", 1))


def queries_per_iteration(algo) -> int:
    """Oracle queries per worker and iteration (``params["oracle_queries_per_iteration"]``, else 1)."""
    return int(algo.params.get("oracle_queries_per_iteration", 1))


class BudgetRun(NamedTuple):
    """One run at a budget of compression rounds.

    ``rounds[k]`` rounds were spent before iterate k; ``grad_sq[k] = ||grad f(x^(k))||^2``
    (k = 0..K, K = T // R); ``avg_grad_sq`` their mean (the theorems' measure);
    ``final_grad_sq`` the mean over the last tenth of the iterates; ``diverged`` when a non-finite
    or huge value appeared (then both measures are inf).
    """

    rounds: np.ndarray
    grad_sq: np.ndarray
    avg_grad_sq: float
    final_grad_sq: float
    diverged: bool
    wall_time_s: float


def run_budget(algo, problem, rounds: int, seed: int, grad_fn=None, blowup: float = 1e8) -> BudgetRun:
    """Run ``algo`` for ``rounds // R`` iterations (R its compression rounds per iteration).

    Records ``||grad f||^2`` at every iterate; stops early (diverged) when it exceeds ``blowup`` times
    its initial value or is not finite. Randomness: ``numpy.random.default_rng(seed)``.
    """
    if int(rounds) != rounds or rounds < 1:
        raise ValueError(f"rounds must be a positive integer, got {rounds!r}")
    R = rounds_per_iteration(algo)
    K = int(rounds) // R
    if K < 1:
        raise ValueError(f"a budget of {rounds} rounds is less than one iteration ({R} rounds)")
    grad_fn = grad_fn or gradient_function(problem)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        state = algo.init(problem, NUMPY)
    g = grad_fn(np.asarray(problem.x0(NUMPY), dtype=float))
    sq = np.full(K + 1, np.inf)
    sq[0] = float(g @ g)
    limit = blowup * max(sq[0], 1e-300)
    diverged = False
    with np.errstate(all="ignore"):
        for k in range(1, K + 1):
            state, info = algo.step(state, problem, NUMPY, rng)
            g = grad_fn(np.asarray(info.x, dtype=float))
            v = float(g @ g)
            if not math.isfinite(v) or v > limit:
                diverged = True
                break
            sq[k] = v
    tail = sq[-max(1, (K + 1) // 10):]
    return BudgetRun(np.arange(K + 1) * R, sq, math.inf if diverged else float(sq.mean()),
                     math.inf if diverged else float(tail.mean()), diverged, time.perf_counter() - start)


def run_budget_stack(make, problem, gammas: Sequence[float], rounds: Sequence[int], seeds: Sequence[int],
                     grad_fn=None, blowup: float = 1e8) -> list[BudgetRun]:
    """:func:`run_budget` for R runs of one method advanced stacked (issue 10): run r with step
    ``gammas[r]``, budget ``rounds[r]`` and generator ``default_rng(seeds[r])``, exactly its separate run.

    ``make(steps)`` builds the method with per-run step sizes (``gamma`` a list,
    :func:`~reference_impl.algorithms.psgd.step_size`); its step must be run-agnostic (``stackable``).
    A run leaves the stack when its budget is spent or it diverges (the method is rebuilt with the steps of
    the runs left, the states and streams keep theirs), so the others' trajectories are untouched. The R
    gradient norms are recorded with one matrix product (``grad_fn``: :func:`batched_gradient_function`),
    equal to run_budget's to ~1e-16 relative. ``wall_time_s``: the stack's time shared equally.
    """
    from reference_impl.backends import RunStreams
    from reference_impl.batched import select_runs, stack_states

    gammas, seeds = list(gammas), list(seeds)
    rounds = [int(T) if int(T) == T else T for T in rounds]
    if not (len(gammas) == len(rounds) == len(seeds) >= 1):
        raise ValueError(f"gammas, rounds and seeds must have one entry per run (>= 1), got lengths "
                         f"{len(gammas)}, {len(rounds)}, {len(seeds)}")
    for T in rounds:
        if not isinstance(T, int) or T < 1:
            raise ValueError(f"rounds must be positive integers, got {T!r}")
    algo = make(gammas)
    if not getattr(algo.step, "run_axis", False):
        raise ValueError(f"{algo.name} is not run-agnostic (its step is not stackable): use run_budget per run")
    R = rounds_per_iteration(algo)
    K = np.array([T // R for T in rounds])
    if K.min() < 1:
        raise ValueError(f"a budget of {min(rounds)} rounds is less than one iteration ({R} rounds)")
    grad_fn = grad_fn or batched_gradient_function(problem)
    gens = [np.random.default_rng(s) for s in seeds]
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        one = algo.init(problem, NUMPY)
    state = stack_states(NUMPY, [one] * len(gammas))
    x0 = np.asarray(problem.x0(NUMPY), dtype=float)
    g0 = grad_fn(x0[None, :])[0]
    sq = np.full((len(gammas), int(K.max()) + 1), np.inf)
    sq[:, 0] = float(g0 @ g0)
    limit = blowup * max(sq[0, 0], 1e-300)
    diverged = np.zeros(len(gammas), dtype=bool)
    active = np.arange(len(gammas))
    rng = RunStreams([gens[i] for i in active])
    with np.errstate(all="ignore"):
        for k in range(1, int(K.max()) + 1):
            state, info = algo.step(state, problem, NUMPY, rng)
            G = grad_fn(np.asarray(info.x, dtype=float))
            v = np.einsum("rd,rd->r", G, G)
            bad = ~np.isfinite(v) | (v > limit)
            sq[active[~bad], k] = v[~bad]
            diverged[active[bad]] = True
            keep = ~bad & (K[active] > k)
            if keep.all():
                continue
            active, idx = active[keep], np.flatnonzero(keep)
            if active.size == 0:
                break
            state, rng = select_runs(state, idx), rng.select(idx)
            algo = make([gammas[i] for i in active])
    wall = (time.perf_counter() - start) / len(gammas)
    out = []
    for r in range(len(gammas)):
        curve = sq[r, :K[r] + 1]
        tail = curve[-max(1, (K[r] + 1) // 10):]
        out.append(BudgetRun(np.arange(K[r] + 1) * R, curve, math.inf if diverged[r] else float(curve.mean()),
                             math.inf if diverged[r] else float(tail.mean()), bool(diverged[r]), wall))
    return out


# -- problem specs: picklable descriptions, built once per process ----------------------------------
@functools.lru_cache(maxsize=32)
def build_problem(spec: tuple):
    """The problem of a picklable spec ``(kind, kwargs-as-sorted-items)`` (cached per process)."""
    kind, items = spec
    kwargs = dict(items)
    builders = {"least-squares": heterogeneous_least_squares, "logistic": heterogeneous_logistic,
                "libsvm-logistic": libsvm_logistic, "quadratics": shifted_quadratics, "mlp": mnist_mlp}
    if kind not in builders:
        raise ValueError(f"unknown problem kind {kind!r}; choose one of {sorted(builders)}")
    problem = builders[kind](**kwargs)
    if kind != "mlp":
        _ = problem.x_star   # computed once, in this process
    return problem


def problem_spec(kind: str, **kwargs) -> tuple:
    return (kind, tuple(sorted(kwargs.items())))


@functools.lru_cache(maxsize=32)
def _grad_fn(spec: tuple):
    return gradient_function(build_problem(spec))


class Job(NamedTuple):
    """One run: problem spec, method name, step, method options, budget, seed index.

    The generator's seed is derived from the problem spec and the seed index only, so every method
    and step size of a comparison draws from the same stream (common random numbers).
    """

    problem: tuple
    method: str
    gamma: float
    options: tuple
    rounds: int
    seed: int


@single_threaded_blas
def _run_job(job: Job) -> BudgetRun:
    problem = build_problem(job.problem)
    algo = make_method(job.method, job.gamma, **dict(job.options))
    return run_budget(algo, problem, job.rounds, _job_seed(job), grad_fn=_grad_fn(job.problem))


def _job_seed(job: Job) -> int:
    return seed_from_names(PAPER, job.problem, "seed", job.seed)


@single_threaded_blas
def _run_stack(jobs: tuple[Job, ...]) -> list[BudgetRun]:
    """The jobs of one method on one problem (they differ in step, budget and seed only), stacked."""
    first = jobs[0]
    if len(jobs) == 1:
        return [_run_job(first)]
    problem = build_problem(first.problem)
    make = functools.partial(make_method, first.method, **dict(first.options))
    return run_budget_stack(make, problem, [j.gamma for j in jobs], [j.rounds for j in jobs],
                            [_job_seed(j) for j in jobs], grad_fn=_batched_grad_fn(first.problem))


@functools.lru_cache(maxsize=32)
def _batched_grad_fn(spec: tuple):
    return batched_gradient_function(build_problem(spec))


def stacks(jobs: Sequence[Job], key=lambda j: (j.problem, j.method, j.options)) -> list[list[int]]:
    """Indices of the jobs grouped by ``key`` (by default: the same method with the same options on the same
    problem), in order of first appearance: the runs one stacked computation advances."""
    groups: dict = {}
    for i, j in enumerate(jobs):
        groups.setdefault(key(j), []).append(i)
    return list(groups.values())


def _pool_map(fn, items, workers):
    """``fn`` over ``items`` in ``workers`` (default :func:`default_workers`) forked processes."""
    return fork_map(fn, items, default_workers() if workers is None else int(workers))


def run_jobs(jobs: Sequence[Job], workers: int | None = None, stack: bool = True) -> list[BudgetRun]:
    """Run independent jobs, in ``workers`` processes (fork) when > 1; results in the jobs' order.

    ``stack``: the jobs of one method on one problem (differing in step, budget, seed) advance as one
    stacked computation (:func:`run_budget_stack`, each run exactly its separate one; the largest stacks
    first, spread over the processes); ``stack=False`` runs every job by itself (:func:`run_budget`).
    Every job's seed is derived from its problem and seed index, never from the order in which jobs run,
    so the results do not depend on ``workers`` or ``stack`` (up to the ~1e-16 rounding of the
    recorded gradient norms, see :func:`run_budget_stack`).
    """
    if not stack:
        return _pool_map(_run_job, list(jobs), workers)
    groups = sorted(stacks(jobs), key=lambda g: -sum(jobs[i].rounds for i in g))
    return in_order(groups, _pool_map(_run_stack, [tuple(jobs[i] for i in g) for g in groups], workers), len(jobs))


# =====================================================================================================
# Slide "Experiments: synthetic simulation"
# =====================================================================================================
def synthetic_problems(full: bool = False, n_workers: int = 16, d: int = 10) -> dict[str, tuple]:
    """The two synthetic problems of the slide (specs): heterogeneous least squares and logistic regression.

    ``n_workers`` workers, dimension ``d`` (rand-1 is then delta = 1/d), ``rows`` = 100 (200 in full
    mode) rows per worker.
    """
    rows = 200 if full else 100
    return {
        "least squares": problem_spec("least-squares", n_workers=n_workers, d=d, rows=rows, heterogeneity=1.0,
                                      label_noise=1.0),
        "logistic regression": problem_spec("logistic", n_workers=n_workers, d=d, rows=rows, heterogeneity=1.0,
                                            lam=1e-2),
    }


def method_queries(method: str, R: int) -> int:
    """Oracle queries per iteration of ``method``: R for NEOLITHIC (R-batch accumulation), else 1."""
    return int(R) if method.startswith("NEOLITHIC") else 1


def real_problems(full: bool = False) -> dict[str, tuple]:
    """A real LIBSVM set for the same comparison: phishing (d = 69 with the bias), logistic regression,
    20 workers holding the MCM authors' heterogeneous clusters (:func:`libsvm_logistic`), at most
    100 rows per worker (200 in full mode). With rand-1, delta = 1/69."""
    return {"phishing logistic (LIBSVM)": problem_spec("libsvm-logistic", dataset="phishing",
                                                        rows_per_worker=200 if full else 100, lam=1e-3)}


def step_grid(L: float, exponents: Iterable[int] = range(1, 8), queries: int = 1) -> list[float]:
    """Steps ``q 2^-j / L`` per iteration: the grid ``2^-j / L`` of steps *per oracle query* that every
    method is tuned on (an iteration of NEOLITHIC averages q = R queries, so its step is R times larger,
    the same step per query)."""
    return [queries * 2.0 ** -j / float(L) for j in exponents]


def synthetic_comparison(problems: dict[str, tuple] | None = None, methods: Sequence[str] = METHODS + EXTRA_METHODS,
                         rounds: int = 2000, exponents: Iterable[int] = range(1, 9), seeds: int = 1,
                         compressor=("rand", 1), R: int = 4, batch: int = 1, workers: int | None = None,
                         out_dir: str | Path | None = None) -> dict:
    """Every method at the same budget of ``rounds`` compression rounds, each with its best step.

    For every problem and method the step is tuned on :func:`step_grid` (``gamma L = q 2^-j`` with q
    the method's oracle queries per iteration, :func:`method_queries`) for the
    smallest error (the theorems' measure, ``(1/(K+1)) sum_k ||grad f(x^(k))||^2``, mean over
    ``seeds`` runs). Rand-1 (``compressor = ("rand", 1)``: delta = 1/d) on every compressed method
    but Q-SGD (see :func:`make_method`), ``R`` FCC rounds for NEOLITHIC, one-row minibatches.

    Returns ``{problem: {"constants": ..., "methods": {method: row}}}`` where a row holds the chosen
    step (``gamma`` and ``gamma_L``), ``error`` (average over the run), ``final_error`` (last tenth),
    their ratios to P-SGD, ``diverged_steps`` and the mean curve (``rounds``, ``grad_sq``).
    """
    problems = synthetic_problems() if problems is None else problems
    exponents = list(exponents)
    jobs, keys = [], []
    for pname, spec in problems.items():
        L = build_problem(spec).L
        for method in methods:
            options = (("compressor_spec", tuple(compressor)), ("rounds", int(R)), ("batch", batch))
            q = method_queries(method, R)
            for j in exponents:
                for s in range(seeds):
                    jobs.append(Job(spec, method, q * 2.0 ** -j / L, options, int(rounds), s))
                    keys.append((pname, method, j, s))
    runs = run_jobs(jobs, workers)
    by_key = dict(zip(keys, runs))
    out: dict[str, Any] = {}
    for pname, spec in problems.items():
        problem = build_problem(spec)
        constants = dict(problem=problem.name, n=problem.N, d=problem.d, L=float(problem.L), mu=float(problem.mu),
                         Delta=initial_gap(problem), b2=heterogeneity_at_optimum(problem),
                         sigma2=minibatch_variance(problem), rounds=int(rounds), R=int(R), seeds=seeds,
                         compressor=f"{compressor[0]}-{compressor[1]}")
        rows = {}
        for method in methods:
            scores = {j: float(np.mean([by_key[(pname, method, j, s)].avg_grad_sq for s in range(seeds)]))
                      for j in exponents}
            best = min(exponents, key=lambda j: (scores[j], j))
            chosen = [by_key[(pname, method, best, s)] for s in range(seeds)]
            q = method_queries(method, R)
            rows[method] = dict(gamma=q * 2.0 ** -best / problem.L, gamma_L=q * 2.0 ** -best,
                                step_per_query_L=2.0 ** -best, error=scores[best],
                                final_error=float(np.mean([r.final_grad_sq for r in chosen])),
                                diverged_steps=[q * 2.0 ** -j for j in exponents if not math.isfinite(scores[j])],
                                rounds=chosen[0].rounds, grad_sq=np.mean([r.grad_sq for r in chosen], axis=0),
                                edge_of_grid=best in (exponents[0], exponents[-1]))
        ref = rows.get("P-SGD")
        for row in rows.values():
            row["ratio"] = row["error"] / ref["error"] if ref else math.nan
            row["final_ratio"] = row["final_error"] / ref["final_error"] if ref else math.nan
        out[pname] = dict(constants=constants, methods=rows)
        if out_dir:
            _write_synthetic_csv(Path(out_dir), pname, rows)
    return out


def _write_synthetic_csv(out: Path, pname: str, rows: dict) -> None:
    out.mkdir(parents=True, exist_ok=True)
    slug = _slug(pname)
    with atomic_write(out / f"synthetic_{slug}_summary.csv") as fh:
        fh.write("method,gamma,gamma_L,error,final_error,ratio,final_ratio\n")
        for m, r in rows.items():
            fh.write(f"{m},{r['gamma']:.6g},{r['gamma_L']:.6g},{r['error']:.6g},{r['final_error']:.6g},"
                     f"{r['ratio']:.6g},{r['final_ratio']:.6g}\n")
    for m, r in rows.items():
        keep = curve_points(len(r["rounds"]))
        with atomic_write(out / f"synthetic_{slug}_{_slug(m)}_curve.csv") as fh:
            np.savetxt(fh, np.c_[r["rounds"][keep], r["grad_sq"][keep]], delimiter=",", header="rounds,grad_sq",
                       comments="")


def curve_points(length: int, at_most: int = 400) -> np.ndarray:
    """Indices of at most about ``at_most`` evenly spaced points of a curve, the last one included
    (the stored curves stay small)."""
    step = max(1, math.ceil(length / at_most))
    idx = np.arange(0, length, step)
    return idx if idx[-1] == length - 1 else np.append(idx, length - 1)


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name).strip("_").lower()


# =====================================================================================================
# Transient complexity: measurement and fit
# =====================================================================================================
def theory_step(T: int, n: int, L: float, Delta: float, sigma2: float, queries: int = 1,
                cap: float = 0.5) -> float:
    """The step size the rates of 001 are derived with, for a budget of T oracle queries per worker.

    ``min(cap / L, q * sqrt(Delta n / (L sigma^2 T)))``: the minimiser over gamma of SGD's bound
    ``Delta/(gamma T) + gamma L sigma^2 / n`` (the linear-speedup term), capped at ``cap / L``; ``q``
    queries per iteration (NEOLITHIC: q = R, one iteration averages R queries, so its step is q times
    P-SGD's, the same step per query).
    """
    if min(T, n, L, Delta, sigma2, queries, cap) <= 0:
        raise ValueError("T, n, L, Delta, sigma2, queries and cap must be > 0")
    return min(cap / L, queries * math.sqrt(Delta * n / (L * sigma2 * T)))


def transient_rounds(T: Sequence[float], ratio: Sequence[float], eps: float) -> float:
    """The first budget from which on ``ratio <= 1 + eps`` (the linear-speedup regime is entered).

    ``T`` increasing budgets, ``ratio[i]`` the error at ``T[i]`` over P-SGD's. Returns ``T[0]`` if
    the ratio is within ``1 + eps`` everywhere, ``inf`` if it is not at the last budget; otherwise the
    crossing after the last budget above ``1 + eps``, interpolated linearly in
    ``(log T, log(ratio - 1))`` (geometrically in T when ratio - 1 is not positive at the next point).
    """
    T = np.asarray(T, dtype=float)
    r = np.asarray(ratio, dtype=float)
    if T.ndim != 1 or T.shape != r.shape or T.size == 0:
        raise ValueError("T and ratio must be 1-D of the same non-zero length")
    if np.any(np.diff(T) <= 0) or np.any(T <= 0):
        raise ValueError("T must be positive and strictly increasing")
    if eps <= 0:
        raise ValueError(f"eps must be > 0, got {eps}")
    above = np.flatnonzero(~(r <= 1 + eps))          # NaN/inf count as above
    if above.size == 0:
        return float(T[0])
    i = int(above[-1])
    if i == T.size - 1:
        return math.inf
    e0, e1 = r[i] - 1, r[i + 1] - 1
    if not math.isfinite(e0):
        return float(T[i + 1])
    if e1 > 0:
        t = (math.log(e0) - math.log(eps)) / (math.log(e0) - math.log(e1))
    else:
        t = 0.5
    return float(math.exp(math.log(T[i]) + t * (math.log(T[i + 1]) - math.log(T[i]))))


class PowerLawFit(NamedTuple):
    """``rho - 1 = exp(c) n^alpha delta^(-beta) T^(-p)``; transient ``T* ~ n^(alpha/p) delta^(-beta/p)``."""

    c: float
    alpha: float
    beta: float
    p: float
    n_exponent: float      # alpha / p, to compare with the table's exponent of n
    delta_exponent: float  # beta / p, to compare with the table's exponent of 1/delta
    points: int
    residual_std: float

    def transient(self, n: float, delta: float, eps: float) -> float:
        """``T*`` where the fitted excess equals ``eps``."""
        return math.exp((self.c + self.alpha * math.log(n) + self.beta * math.log(1 / delta) - math.log(eps))
                        / self.p)


def fit_transient_exponents(n, delta, T, excess, min_excess: float = 0.02) -> PowerLawFit:
    """Least-squares fit of ``log(excess) = c + alpha log n + beta log(1/delta) - p log T``.

    Points with ``excess < min_excess`` (at the level of the Monte Carlo noise) or not finite are left
    out. ``alpha``/``beta`` are set to 0 (not fitted) when ``n``/``delta`` take a single value.
    """
    n, delta, T, ex = (np.asarray(v, dtype=float) for v in (n, delta, T, excess))
    keep = np.isfinite(ex) & (ex >= min_excess)
    n, delta, T, ex = n[keep], delta[keep], T[keep], ex[keep]
    cols = [np.ones_like(T)]
    fit_n, fit_d = np.unique(n).size > 1, np.unique(delta).size > 1
    if fit_n:
        cols.append(np.log(n))
    if fit_d:
        cols.append(np.log(1 / delta))
    cols.append(-np.log(T))
    M = np.stack(cols, axis=1)
    if M.shape[0] < M.shape[1] + 1:
        raise ValueError(f"{M.shape[0]} usable points (excess >= {min_excess}) for {M.shape[1]} coefficients")
    coef, *_ = np.linalg.lstsq(M, np.log(ex), rcond=None)
    it = iter(coef)
    c = float(next(it))
    alpha = float(next(it)) if fit_n else 0.0
    beta = float(next(it)) if fit_d else 0.0
    p = float(next(it))
    resid = np.log(ex) - M @ coef
    return PowerLawFit(c, alpha, beta, p, alpha / p, beta / p, int(M.shape[0]),
                       float(np.sqrt(np.mean(resid**2))))


def loglog_slope(x, y) -> float:
    """Least-squares slope of log y against log x."""
    return float(np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(y, float)), 1)[0])


def fcc_rounds_for(delta: float, eps_fcc: float = 0.1) -> int:
    """``R = ceil(ln(1/eps_fcc) / delta)`` FCC rounds (``theory.neolithic`` ``fcc_rounds``): residual
    ``(1 - delta)^R <= eps_fcc`` (Lemma 1), the choice behind Theorem 3's O-tilde."""
    from theory import neolithic as TN

    return max(1, math.ceil(TN.numeric("fcc_rounds", epsilon_fcc=eps_fcc, delta=delta) - 1e-12))


def transient_sweep(pairs: Sequence[tuple[int, int]], T_grid: Sequence[int], methods=("MEM-SGD", "NEOLITHIC"),
                    d: int = 16, kappa: float = 10.0, heterogeneity: float = 1.0, noise: float = 1.0,
                    compressor: str = "rand", eps_fcc: float = 0.1, seeds: int = 4,
                    workers: int | None = None) -> dict:
    """Errors of ``methods`` and of P-SGD at every budget of ``T_grid``, for every ``(n, k)`` of ``pairs``.

    Problem: :func:`shifted_quadratics` with ``n`` workers (the same L, mu, x* and heterogeneity for
    every n) and the additive-noise oracle ``O_i(x) = grad f_i(x) + noise * xi``, so
    ``sigma^2 = noise^2 d`` exactly. Compressor: ``compressor``-k (``"rand"``: unscaled rand-k,
    ``"top"``: top-k), ``delta = k/d``. NEOLITHIC runs ``R = fcc_rounds_for(delta, eps_fcc)`` FCC
    rounds. Every method runs with :func:`theory_step` for its budget (NEOLITHIC per iteration R times
    P-SGD's step); EF21-SGD, if asked for, additionally capped at its stability limit
    ``1/(L (1 + sqrt(beta/theta)))`` (Richtarik et al. 2021, Theorem 1).

    Returns ``records``: one dict per (method, n, k, T) with ``error``, ``ratio`` (to P-SGD at the same
    n and T) and the seeds' standard error, plus the problem constants per n.
    """
    T_grid = sorted(int(t) for t in T_grid)
    ns = sorted({int(n) for n, _ in pairs})
    specs = {n: problem_spec("quadratics", n_workers=n, d=d, kappa=kappa, heterogeneity=heterogeneity) for n in ns}
    sigma2 = noise**2 * d
    consts = {}
    for n in ns:
        p = build_problem(specs[n])
        consts[n] = dict(L=float(p.L), mu=float(p.mu), Delta=initial_gap(p), b2=heterogeneity_at_optimum(p),
                         sigma2=sigma2)
    jobs, keys = [], []
    for n in ns:
        c = consts[n]
        for T in T_grid:
            gamma = theory_step(T, n, c["L"], c["Delta"], sigma2)
            for s in range(seeds):
                jobs.append(Job(specs[n], "P-SGD", gamma, (("batch", None), ("noise", noise)), T, s))
                keys.append(("P-SGD", n, 0, T, s))
    for n, k in pairs:
        c, delta = consts[n], k / d
        R = fcc_rounds_for(delta, eps_fcc)
        for method in methods:
            for T in T_grid:
                q = R if method == "NEOLITHIC" else 1
                gamma = theory_step(T, n, c["L"], c["Delta"], sigma2, queries=q)
                if method == "EF21-SGD":
                    theta = 1 - math.sqrt(1 - delta)
                    beta = (1 - delta) / theta
                    gamma = min(gamma, 1 / (c["L"] * (1 + math.sqrt(beta / theta))))
                options = (("compressor_spec", (compressor, int(k))), ("rounds", R), ("batch", None),
                           ("noise", noise))
                for s in range(seeds):
                    jobs.append(Job(specs[n], method, gamma, options, T, s))
                    keys.append((method, n, k, T, s))
    runs = dict(zip(keys, run_jobs(jobs, workers)))

    def stats(method, n, k, T):
        vals = np.array([runs[(method, n, k, T, s)].avg_grad_sq for s in range(seeds)])
        return float(vals.mean()), float(vals.std(ddof=1) / math.sqrt(seeds)) if seeds > 1 else math.nan

    records = []
    for n, k in pairs:
        R = fcc_rounds_for(k / d, eps_fcc)
        for method in methods:
            for T in T_grid:
                err, se = stats(method, n, k, T)
                ref, ref_se = stats("P-SGD", n, 0, T)
                records.append(dict(method=method, n=n, k=k, delta=k / d, R=R if method == "NEOLITHIC" else 1,
                                    T=T, error=err, stderr=se, psgd_error=ref, psgd_stderr=ref_se,
                                    ratio=err / ref))
    return dict(records=records, constants=consts, d=d, kappa=kappa, heterogeneity=heterogeneity, noise=noise,
                compressor=compressor, eps_fcc=eps_fcc, seeds=seeds, T_grid=T_grid, pairs=[tuple(p) for p in pairs],
                methods=list(methods))


def transient_table(sweep: dict, eps: float) -> list[dict]:
    """Per (method, n, k): the measured transient (:func:`transient_rounds`) and the last ratio."""
    out = []
    recs = sweep["records"]
    for method in sweep["methods"]:
        for n, k in sweep["pairs"]:
            rows = sorted((r for r in recs if r["method"] == method and r["n"] == n and r["k"] == k),
                          key=lambda r: r["T"])
            T = [r["T"] for r in rows]
            ratio = [r["ratio"] for r in rows]
            out.append(dict(method=method, n=n, k=k, delta=k / sweep["d"], R=rows[0]["R"],
                            transient=transient_rounds(T, ratio, eps), last_ratio=ratio[-1], ratios=ratio))
    return out


def sweep_fit(sweep: dict, method: str, min_excess: float = 0.02) -> PowerLawFit:
    """:func:`fit_transient_exponents` over every record of ``method`` in a :func:`transient_sweep`."""
    recs = [r for r in sweep["records"] if r["method"] == method]
    return fit_transient_exponents([r["n"] for r in recs], [r["delta"] for r in recs], [r["T"] for r in recs],
                                   [r["ratio"] - 1 for r in recs], min_excess=min_excess)


# =====================================================================================================
# Slide "Experiments: influence of hyper parameter R" (CIFAR-10 substitute: MLP on MNIST, CPU)
# =====================================================================================================
class MLPProblem(DistributedProblem):
    """A one-hidden-layer ReLU network with softmax cross-entropy, data split over N workers.

    Parameters, flattened into one vector of dimension ``d = h p + h + c h + c``: ``W1`` (h, p),
    ``b1`` (h), ``W2`` (c, h), ``b2`` (c). ``f_i`` is the mean cross-entropy over worker i's rows (no
    regularisation). Non-convex: ``x_star``/``f_star`` do not exist; ``L`` is a local estimate at
    the initial point (power iteration on finite-difference Hessian-vector products), used only by the
    algorithms' step-size warning. Vectorised over workers: every worker evaluates its own point
    ``X[i]``; and over runs (``run_axis``): points (R, N, d) and rows (R, N, b) give each run's
    gradients exactly as alone (stacked matrix products, one per run and worker). numpy only.
    """

    run_axis = True

    def __init__(self, features: np.ndarray, labels: np.ndarray, hidden: int, classes: int,
                 test: tuple[np.ndarray, np.ndarray], x0: np.ndarray, name: str = "mlp") -> None:
        if features.ndim != 3 or labels.shape != features.shape[:2]:
            raise ValueError(f"features (N, m, p) and labels (N, m) expected, got {features.shape}, {labels.shape}")
        self.F, self.y = np.asarray(features, float), np.asarray(labels, np.int64)
        self.N, m, self.p = self.F.shape
        self.h, self.c = int(hidden), int(classes)
        self.d = self.h * self.p + self.h + self.c * self.h + self.c
        self.sizes = np.full(self.N, m)
        self.test_X, self.test_y = np.asarray(test[0], float), np.asarray(test[1], np.int64)
        if x0.shape != (self.d,):
            raise ValueError(f"x0 must have shape ({self.d},), got {x0.shape}")
        self._x0 = np.asarray(x0, float)
        self.name = name
        self.mu = 0.0
        self.L = self._smoothness_estimate()

    # parameters --------------------------------------------------------------------------------
    def unpack(self, X):
        """``(W1 (N,h,p), b1 (N,h), W2 (N,c,h), b2 (N,c))`` views of a batch of points (N, d) (with
        leading run axes: (R, N, d) gives (R, N, h, p), ...)."""
        X = np.asarray(X, float)
        lead, (h, p, c) = X.shape[:-1], (self.h, self.p, self.c)
        i = 0
        W1 = X[..., i:i + h * p].reshape(lead + (h, p)); i += h * p
        b1 = X[..., i:i + h]; i += h
        W2 = X[..., i:i + c * h].reshape(lead + (c, h)); i += c * h
        b2 = X[..., i:i + c]
        return W1, b1, W2, b2

    def x0(self, xp):
        return xp.asarray(self._x0.copy())

    # losses and gradients ------------------------------------------------------------------------
    def _forward_backward(self, X, A, y, grad: bool = True):
        W1, b1, W2, b2 = self.unpack(X)
        Z1 = A @ W1.swapaxes(-1, -2) + b1[..., None, :]
        H = np.maximum(Z1, 0.0)
        Z2 = H @ W2.swapaxes(-1, -2) + b2[..., None, :]
        Z2 = Z2 - Z2.max(axis=-1, keepdims=True)
        logp = Z2 - np.log(np.exp(Z2).sum(axis=-1, keepdims=True))
        B = A.shape[-2]
        label = np.broadcast_to(y, logp.shape[:-1])[..., None]
        loss = -np.take_along_axis(logp, label, axis=-1)[..., 0].mean(axis=-1)
        if not grad:
            return loss, None
        D2 = np.exp(logp)
        np.put_along_axis(D2, label, np.take_along_axis(D2, label, axis=-1) - 1.0, axis=-1)
        D2 /= B
        gW2 = D2.swapaxes(-1, -2) @ H
        gb2 = D2.sum(axis=-2)
        D1 = (D2 @ W2) * (Z1 > 0)
        gW1 = D1.swapaxes(-1, -2) @ A
        gb1 = D1.sum(axis=-2)
        lead = X.shape[:-1]
        return loss, np.concatenate([gW1.reshape(lead + (-1,)), gb1, gW2.reshape(lead + (-1,)), gb2], axis=-1)

    def worker_grads(self, xp, X):
        return self._forward_backward(X, self.F, self.y)[1]

    def worker_losses(self, xp, X):
        return self._forward_backward(X, self.F, self.y, grad=False)[0]

    def sample_batch(self, rng: np.random.Generator, batch: int, replace: bool = True) -> np.ndarray:
        """Row indices (N, batch) per worker: with replacement, or ``batch`` distinct rows; (R, N, batch)
        from a :class:`~reference_impl.backends.RunStreams` (each run's own draws)."""
        if batch < 1:
            raise ValueError(f"batch size must be >= 1, got {batch}")
        m = int(self.sizes[0])
        if replace:
            return (rng.random((self.N, batch)) * m).astype(np.int64)
        if batch > m:
            raise ValueError(f"batch={batch} without replacement must be in [1, {m}]")
        return np.argpartition(rng.random((self.N, m)), batch - 1, axis=-1)[..., :batch].astype(np.int64)

    def stochastic_worker_grads(self, xp, X, rows: np.ndarray):
        idx = np.arange(self.N)[:, None]
        return self._forward_backward(X, self.F[idx, rows], self.y[idx, rows])[1]

    # evaluation ------------------------------------------------------------------------------------
    def accuracy(self, x, which: str = "test") -> float:
        """Classification accuracy of the model x on the test set (or ``"train"``: all workers' rows)."""
        A, y = (self.test_X, self.test_y) if which == "test" else (self.F.reshape(-1, self.p), self.y.reshape(-1))
        W1, b1, W2, b2 = (v[0] for v in self.unpack(np.asarray(x, float)[None, :]))
        Z = np.maximum(A @ W1.T + b1, 0.0) @ W2.T + b2
        return float((Z.argmax(axis=1) == y).mean())

    def _smoothness_estimate(self, iters: int = 20) -> float:
        rng = np.random.default_rng(0)
        x = self._x0
        g0 = self.grad(NUMPY, x)
        v = rng.standard_normal(self.d)
        lam = 1.0
        for _ in range(iters):
            v /= np.linalg.norm(v)
            Hv = (self.grad(NUMPY, x + 1e-4 * v) - g0) / 1e-4
            lam = float(np.linalg.norm(Hv))
            v = Hv
        return max(lam, 1e-8)


def mnist_mlp(n_workers: int = 8, rows_per_worker: int = 512, hidden: int = 32, test_rows: int = 2000,
              pool: int = 2, seed_name: str = "mnist-mlp") -> MLPProblem:
    """MNIST (images average-pooled ``pool x pool``, scaled to [0, 1] and centred), i.i.d. over workers.

    ``rows_per_worker`` training images per worker (a random subset of the 60000, drawn from a named
    seed), ``test_rows`` test images (the first ones of the test file). He-initialised weights.
    """
    from reference_impl.data import load_mnist

    _check_sizes(n_workers=n_workers, rows_per_worker=rows_per_worker, hidden=hidden, test_rows=test_rows, pool=pool)
    Xtr, ytr = load_mnist("train")
    Xte, yte = load_mnist("test")

    def prep(X):
        n, s = X.shape[0], 28 // pool
        X = X[:, : s * pool, : s * pool].reshape(n, s, pool, s, pool).mean(axis=(2, 4)) / 255.0
        return X.reshape(n, -1)

    rng = _rng(seed_name, n_workers, rows_per_worker, hidden)
    idx = rng.choice(Xtr.shape[0], size=n_workers * rows_per_worker, replace=False)
    A = prep(Xtr[idx])
    mean = A.mean(axis=0)
    A = (A - mean).reshape(n_workers, rows_per_worker, -1)
    test = (prep(Xte[:test_rows]) - mean, yte[:test_rows])
    p, c = A.shape[2], 10
    x0 = np.concatenate([rng.standard_normal(hidden * p) * math.sqrt(2 / p), np.zeros(hidden),
                         rng.standard_normal(c * hidden) * math.sqrt(2 / hidden), np.zeros(c)])
    return MLPProblem(A, ytr[idx].reshape(n_workers, rows_per_worker).astype(np.int64), hidden, c, test, x0,
                      name=f"mnist-mlp(n={n_workers}, m={rows_per_worker}, h={hidden}, pool={pool})")


class ClassificationRun(NamedTuple):
    """Final test and training accuracy and training loss of one run of an :class:`MLPProblem`."""

    test_accuracy: float
    train_accuracy: float
    train_loss: float
    iterations: int
    wall_time_s: float


def run_classification(algo, problem: MLPProblem, rounds: int, seed: int) -> ClassificationRun:
    """Run ``rounds // R`` iterations of ``algo`` and evaluate the final model."""
    R = rounds_per_iteration(algo)
    K = int(rounds) // R
    if K < 1:
        raise ValueError(f"a budget of {rounds} rounds is less than one iteration ({R} rounds)")
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        state = algo.init(problem, NUMPY)
    x = problem.x0(NUMPY)
    with np.errstate(all="ignore"):
        for _ in range(K):
            state, info = algo.step(state, problem, NUMPY, rng)
            x = info.x
    x = np.asarray(x, float)
    if not np.all(np.isfinite(x)):
        return ClassificationRun(math.nan, math.nan, math.inf, K, time.perf_counter() - start)
    return ClassificationRun(problem.accuracy(x), problem.accuracy(x, "train"), float(problem.loss(NUMPY, x)), K,
                             time.perf_counter() - start)


def run_classification_stack(make, problem: MLPProblem, gammas: Sequence[float], rounds: int,
                             seeds: Sequence[int]) -> list[ClassificationRun]:
    """:func:`run_classification` for R runs of one method (run r: step ``gammas[r]``, generator
    ``default_rng(seeds[r])``) advanced stacked, each exactly its separate run (issue 10).

    ``make(steps)`` builds the method with per-run steps; every run has the same budget. A run whose
    iterate becomes non-finite stays in the stack (its rows only cost time; nothing it draws depends on
    its values) and is reported as run_classification reports it. ``wall_time_s``: the stack's time
    shared equally.
    """
    from reference_impl.backends import RunStreams
    from reference_impl.batched import stack_states

    gammas, seeds = list(gammas), list(seeds)
    if not (len(gammas) == len(seeds) >= 1):
        raise ValueError(f"gammas and seeds must have one entry per run (>= 1), got lengths {len(gammas)}, {len(seeds)}")
    algo = make(gammas)
    if not getattr(algo.step, "run_axis", False):
        raise ValueError(f"{algo.name} is not run-agnostic (its step is not stackable): use run_classification")
    R = rounds_per_iteration(algo)
    K = int(rounds) // R
    if K < 1:
        raise ValueError(f"a budget of {rounds} rounds is less than one iteration ({R} rounds)")
    rng = RunStreams([np.random.default_rng(s) for s in seeds])
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TheoryRangeWarning)
        state = stack_states(NUMPY, [algo.init(problem, NUMPY)] * len(gammas))
    with np.errstate(all="ignore"):
        for _ in range(K):
            state, info = algo.step(state, problem, NUMPY, rng)
    wall = (time.perf_counter() - start) / len(gammas)
    out = []
    for x in np.asarray(info.x, float):
        if not np.all(np.isfinite(x)):
            out.append(ClassificationRun(math.nan, math.nan, math.inf, K, wall))
        else:
            out.append(ClassificationRun(problem.accuracy(x), problem.accuracy(x, "train"),
                                         float(problem.loss(NUMPY, x)), K, wall))
    return out


ClassificationJob = Job  # same fields (problem spec, method, gamma, options, rounds, seed)


@single_threaded_blas
def _run_classification_job(job: ClassificationJob) -> ClassificationRun:
    problem = build_problem(job.problem)
    algo = make_method(job.method, job.gamma, **dict(job.options))
    return run_classification(algo, problem, job.rounds, _job_seed(job))


@single_threaded_blas
def _run_classification_stack(jobs: tuple[ClassificationJob, ...]) -> list[ClassificationRun]:
    """The jobs of one method (differing in step and seed only; one budget), stacked."""
    first = jobs[0]
    if len(jobs) == 1:
        return [_run_classification_job(first)]
    make = functools.partial(make_method, first.method, **dict(first.options))
    return run_classification_stack(make, build_problem(first.problem), [j.gamma for j in jobs], first.rounds,
                                    [_job_seed(j) for j in jobs])


def run_classification_jobs(jobs: Sequence[ClassificationJob], workers: int | None = None,
                            stack: bool = True) -> list[ClassificationRun]:
    """:func:`run_classification` for every job, in ``workers`` processes; results in the jobs' order.
    ``stack``: the jobs of one method with one budget advance stacked (:func:`run_classification_stack`,
    the largest stacks first), else each by itself. The results are the same either way."""
    if not stack:
        return _pool_map(_run_classification_job, list(jobs), workers)
    groups = sorted(stacks(jobs, key=lambda j: (j.problem, j.method, j.options, j.rounds)), key=lambda g: -len(g))
    return in_order(groups, _pool_map(_run_classification_stack, [tuple(jobs[i] for i in g) for g in groups], workers),
                    len(jobs))


def r_sweep(Rs: Sequence[int] = (1, 2, 3, 4, 5), ratios: Sequence[float] = (0.05,), rounds: int = 1200,
            gamma: float = 0.1, batch: int = 16, seeds: int = 2, lr_rules: Sequence[str] = ("constant", "linear"),
            problem: tuple | None = None, workers: int | None = None) -> dict:
    """NEOLITHIC's final test accuracy against the number R of FCC rounds, at a fixed budget of rounds.

    The slide's table is CIFAR-10 / ResNet-18 on 8 GPUs (top-k 5% and 1%, minibatch 128, R = 2..5);
    here a one-hidden-layer MLP on an MNIST subset (:func:`mnist_mlp`, 8 workers) on CPU, top-k with
    ``k = ceil(ratio d)``, minibatches of ``batch`` images per oracle query. NEOLITHIC with R runs
    ``rounds // R`` iterations, each accumulating R minibatches (R * batch images per worker). Step
    rules (``lr_rules``): ``"constant"``, the same step ``gamma`` per iteration for every R;
    ``"linear"``, ``R * gamma`` (the linear-scaling rule for an R-times larger batch). Runs that the
    rules share (R = 1) are made once. P-SGD with step ``gamma`` and ``rounds`` iterations is the
    uncompressed reference.

    Returns ``table[rule][ratio][R]`` (mean test accuracy, its standard deviation over seeds, train
    accuracy, train loss, iterations) and ``psgd``.
    """
    for rule in lr_rules:
        if rule not in ("constant", "linear"):
            raise ValueError(f"lr rules must be 'constant' or 'linear', got {rule!r}")
    spec = problem or problem_spec("mlp")
    d = build_problem(spec).d
    jobs: dict[tuple, ClassificationJob] = {}
    for s in range(seeds):
        jobs[("P-SGD", None, None, gamma, s)] = ClassificationJob(spec, "P-SGD", gamma, (("batch", batch),), int(rounds), s)
    for ratio in ratios:
        k = max(1, math.ceil(ratio * d))
        for R in Rs:
            for rule in lr_rules:
                g = gamma * R if rule == "linear" else gamma
                for s in range(seeds):
                    jobs[("NEOLITHIC", ratio, R, g, s)] = ClassificationJob(
                        spec, "NEOLITHIC", g, (("compressor_spec", ("top", k)), ("rounds", int(R)), ("batch", batch)),
                        int(rounds), s)
    keys = list(jobs)
    runs = dict(zip(keys, run_classification_jobs([jobs[k] for k in keys], workers)))

    def summary(key):
        rs = [runs[key + (s,)] for s in range(seeds)]
        acc = np.array([r.test_accuracy for r in rs])
        return dict(test_accuracy=float(acc.mean()), test_accuracy_std=float(acc.std(ddof=1)) if seeds > 1 else math.nan,
                    train_accuracy=float(np.mean([r.train_accuracy for r in rs])),
                    train_loss=float(np.mean([r.train_loss for r in rs])), iterations=rs[0].iterations)

    table = {rule: {ratio: {R: summary(("NEOLITHIC", ratio, R, gamma * R if rule == "linear" else gamma))
                            for R in Rs} for ratio in ratios} for rule in lr_rules}
    return dict(psgd=summary(("P-SGD", None, None, gamma)), table=table, d=d, rounds=int(rounds), gamma=gamma,
                batch=batch, seeds=seeds, problem=build_problem(spec).name,
                k={ratio: max(1, math.ceil(ratio * d)) for ratio in ratios})


# =====================================================================================================
# Quick and full configurations, and the figure registry entries of 001 (see reproductions.figures)
# =====================================================================================================
def claimed_transient_exponents() -> dict[str, dict[str, float]]:
    """Exponents of n and 1/delta in the printed transient complexities (slides' comparison table, from
    ``theory.neolithic.TABLE``): NEOLITHIC (Theorem 3) n/delta^2, MEM-SGD n^3/delta^4."""
    from theory import neolithic as TN

    out = {}
    for method, row in (("NEOLITHIC", "theorem-3"), ("MEM-SGD", "mem-sgd")):
        mono = TN.order_monomial(TN.TABLE[row].transient_printed)
        out[method] = {"n": float(mono[TN.n]), "1/delta": float(mono[TN.D])}
    return out


#: The claimed exponents of the transient complexity (comparison table of the slides).
CLAIMED_TRANSIENT = claimed_transient_exponents()


def synthetic_config(full: bool) -> dict:
    """Budget, seeds and problems of :func:`synthetic_comparison` in quick / full mode (full mode adds
    the real data set of :func:`real_problems`)."""
    problems = dict(synthetic_problems(full), **(real_problems(full) if full else {}))
    return dict(problems=problems, rounds=8000 if full else 2000, seeds=3 if full else 1)


def transient_config(full: bool) -> dict:
    """Pairs (n, k), budgets and seeds of :func:`transient_sweep` in quick / full mode (d = 16, rand-k)."""
    if full:
        return dict(pairs=[(2, 4), (4, 4), (8, 4), (16, 4), (32, 4), (4, 2), (4, 8)],
                    T_grid=[2**j for j in range(7, 16)], seeds=6)
    return dict(pairs=[(2, 4), (4, 4), (8, 4), (4, 2), (4, 8)], T_grid=[2**j for j in range(7, 14)], seeds=2)


#: The problem of the transient sweeps. Heterogeneity 3 (b^2 about 35) against sigma^2 = 16, Delta = 1.6,
#: rand-k compressors, FCC residual 0.01.
TRANSIENT_PROBLEM = dict(d=16, kappa=10.0, heterogeneity=3.0, noise=1.0, compressor="rand", eps_fcc=0.01)
#: The eps of "within a factor 1 + eps of P-SGD", the linear-speedup regime of :func:`transient_rounds`.
TRANSIENT_EPS = 0.2


def ef21_config(full: bool) -> dict:
    """EF21-SGD's check of "no linear speedup": ratio to P-SGD at large budgets for several n."""
    if full:
        return dict(pairs=[(2, 4), (4, 4), (8, 4), (16, 4)], T_grid=[4096, 16384], seeds=4)
    return dict(pairs=[(2, 4), (8, 4)], T_grid=[1024, 4096], seeds=2)


def transient_slopes(table: list[dict], method: str, pairs_n: Sequence[tuple[int, int]],
                     pairs_delta: Sequence[tuple[int, int]], d: int) -> dict:
    """Log-log slopes of the measured transients: against n (at fixed k) and against 1/delta (fixed n).

    Only finite transients above the smallest budget of the grid (not censored) enter; a slope needs
    two of them (NaN otherwise).
    """
    def pick(pairs):
        rows = [r for r in table if r["method"] == method and (r["n"], r["k"]) in set(map(tuple, pairs))]
        return [r for r in rows if math.isfinite(r["transient"])]

    rows_n, rows_d = pick(pairs_n), pick(pairs_delta)
    slope_n = loglog_slope([r["n"] for r in rows_n], [r["transient"] for r in rows_n]) if len(rows_n) > 1 else math.nan
    slope_d = (loglog_slope([d / r["k"] for r in rows_d], [r["transient"] for r in rows_d])
               if len(rows_d) > 1 else math.nan)
    return {"n": slope_n, "1/delta": slope_d}


def transient_experiment(full: bool = False, workers: int | None = None, out_dir: str | Path | None = None) -> dict:
    """The transient-complexity measurement of notebook 2: sweep, table, slopes, fit, EF21-SGD check."""
    cfg = transient_config(full)
    sweep = transient_sweep(cfg["pairs"], cfg["T_grid"], methods=("MEM-SGD", "NEOLITHIC"), seeds=cfg["seeds"],
                            workers=workers, **TRANSIENT_PROBLEM)
    table = transient_table(sweep, TRANSIENT_EPS)
    k0 = 4
    pairs_n = [p for p in cfg["pairs"] if p[1] == k0]
    pairs_d = [p for p in cfg["pairs"] if p[0] == 4]
    slopes = {m: transient_slopes(table, m, pairs_n, pairs_d, TRANSIENT_PROBLEM["d"]) for m in sweep["methods"]}
    fits = {m: sweep_fit(sweep, m)._asdict() for m in sweep["methods"]}
    ecfg = ef21_config(full)
    ef21 = transient_sweep(ecfg["pairs"], ecfg["T_grid"], methods=("EF21-SGD",), seeds=ecfg["seeds"], workers=workers,
                           **TRANSIENT_PROBLEM)
    res = dict(sweep=sweep, table=table, slopes=slopes, fits=fits, ef21=ef21, eps=TRANSIENT_EPS, claimed=CLAIMED_TRANSIENT)
    if out_dir:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        with atomic_write(out / "transient_records.csv") as fh:
            fh.write("method,n,k,delta,R,T,error,stderr,psgd_error,psgd_stderr,ratio\n")
            for r in sweep["records"] + ef21["records"]:
                fh.write(f"{r['method']},{r['n']},{r['k']},{r['delta']:.6g},{r['R']},{r['T']},{r['error']:.6g},"
                         f"{r['stderr']:.6g},{r['psgd_error']:.6g},{r['psgd_stderr']:.6g},{r['ratio']:.6g}\n")
    return res


def _figure_synthetic(full: bool, out: Path) -> dict:
    res = synthetic_comparison(out_dir=out, **synthetic_config(full))
    return {p: dict(constants=r["constants"],
                    methods={m: {k: v for k, v in row.items() if k not in ("rounds", "grad_sq")}
                             for m, row in r["methods"].items()}) for p, r in res.items()}


def _figure_transient(full: bool, out: Path) -> dict:
    res = transient_experiment(full, out_dir=out)
    return dict(table=[{k: v for k, v in r.items() if k != "ratios"} for r in res["table"]], slopes=res["slopes"],
                fits=res["fits"], eps=res["eps"], claimed=res["claimed"], problem=TRANSIENT_PROBLEM,
                config=transient_config(full), ef21=[{k: r[k] for k in ("n", "k", "T", "ratio")} for r in res["ef21"]["records"]])


def r_sweep_config(full: bool) -> dict:
    """Budget, compression ratios and seeds of :func:`r_sweep` in quick / full mode."""
    if full:
        return dict(ratios=(0.05, 0.01), rounds=3000, seeds=3)
    return dict(ratios=(0.05,), rounds=1200, seeds=2)


def _figure_r_sweep(full: bool, out: Path) -> dict:
    res = r_sweep(**r_sweep_config(full))
    out.mkdir(parents=True, exist_ok=True)
    with atomic_write(out / "r_sweep.csv") as fh:
        fh.write("lr_rule,ratio,R,iterations,test_accuracy,test_accuracy_std,train_accuracy,train_loss\n")
        for rule, by_ratio in res["table"].items():
            for ratio, rows in by_ratio.items():
                for R, row in rows.items():
                    fh.write(f"{rule},{ratio},{R},{row['iterations']},{row['test_accuracy']:.6g},"
                             f"{row['test_accuracy_std']:.6g},{row['train_accuracy']:.6g},{row['train_loss']:.6g}\n")
        p = res["psgd"]
        fh.write(f"P-SGD,,,{p['iterations']},{p['test_accuracy']:.6g},{p['test_accuracy_std']:.6g},"
                 f"{p['train_accuracy']:.6g},{p['train_loss']:.6g}\n")
    table = {rule: {str(ratio): {str(R): row for R, row in rows.items()} for ratio, rows in by_ratio.items()}
             for rule, by_ratio in res["table"].items()}
    return dict(res, table=table, k={str(a): b for a, b in res["k"].items()})


FIGURES = [
    Figure("neolithic-synthetic", PAPER,
           "Least squares and logistic regression, rand-1, R = 4: NEOLITHIC against P-SGD and compressed methods",
           "neolithic_1_synthetic", _figure_synthetic),
    Figure("neolithic-transient", PAPER,
           "Measured transient complexities against n and delta: NEOLITHIC (n/delta^2) and MEM-SGD (n^3/delta^4)",
           "neolithic_2_transient", _figure_transient),
    Figure("neolithic-r-sweep", PAPER,
           "Influence of R at a fixed budget of compression rounds (CIFAR-10 substitute: MLP on MNIST, CPU)",
           "neolithic_3_r_sweep", _figure_r_sweep),
]
