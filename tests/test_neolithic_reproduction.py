"""Fast checks of the 001 (NEOLITHIC) experiments: problem construction, budgets, the transient
measurement and the exponent fit on synthetic curves with known answers."""
import math

import numpy as np
import pytest

from reference_impl.backends import NUMPY
from reproductions import neolithic as N


# -- problems ------------------------------------------------------------------------------------
def test_least_squares_is_heterogeneous_and_deterministic():
    p = N.heterogeneous_least_squares(4, d=5, rows=30)
    q = N.heterogeneous_least_squares(4, d=5, rows=30)
    assert (p.N, p.d) == (4, 5) and np.array_equal(p.F, q.F) and np.array_equal(p.t, q.t)
    g = N.gradient_function(p)
    assert np.linalg.norm(g(p.x_star)) < 1e-10
    x = np.arange(5.0)
    assert np.allclose(g(x), p.grad(NUMPY, x))
    assert N.heterogeneity_at_optimum(p) > 0.1          # the local minimisers differ
    assert N.heterogeneity_at_optimum(N.heterogeneous_least_squares(4, d=5, rows=30, heterogeneity=0.0,
                                                                     label_noise=0.0)) < 1e-20


def test_logistic_problem_labels_and_gradient():
    p = N.heterogeneous_logistic(3, d=4, rows=40)
    assert set(np.unique(p.t[p.w > 0])) <= {-1.0, 1.0}
    assert np.linalg.norm(p.grad(NUMPY, p.x_star)) < 1e-10
    assert N.initial_gap(p) > 0


def test_shifted_quadratics_share_constants_across_n():
    probs = [N.shifted_quadratics(n, d=6, kappa=5.0, heterogeneity=2.0) for n in (2, 4, 8)]
    for p in probs:
        assert p.L == 1.0 and math.isclose(p.mu, 0.2)
        assert np.allclose(p.x_star, probs[0].x_star)
        assert math.isclose(N.initial_gap(p), N.initial_gap(probs[0]))
        # centred shifts scaled to (1/n) sum ||u_i||^2 = d: grad f_i(x*) = -h A u_i
        C = np.linalg.solve(p.A[0], p.b.T).T
        U = (C - p.x_star) / 2.0
        assert np.allclose(U.mean(axis=0), 0) and math.isclose((U**2).sum(axis=1).mean(), 6)
    with pytest.raises(ValueError, match="n_workers"):
        N.shifted_quadratics(1)


def test_libsvm_problem_uses_the_heterogeneous_split():
    from reference_impl.data import DataFileMissing

    try:
        p = N.libsvm_logistic("phishing", rows_per_worker=30)
    except DataFileMissing as err:
        pytest.skip(f"LIBSVM phishing not available: {err}")
    assert p.N == 20 and p.d == 69 and p.sizes.max() <= 30
    assert np.all(p.F[:, :, 0][p.w > 0] == 1.0)                       # bias column
    assert np.linalg.norm(p.grad(NUMPY, p.x_star)) < 1e-10
    assert N.heterogeneity_at_optimum(p) > 0


def test_minibatch_variance_matches_monte_carlo():
    p = N.heterogeneous_least_squares(3, d=3, rows=20)
    x = np.ones(3)
    exact = N.minibatch_variance(p, x)
    rng = np.random.default_rng(0)
    X = p.broadcast(NUMPY, x)
    G = p.worker_grads(NUMPY, X)
    draws = [((p.stochastic_worker_grads(NUMPY, X, p.sample_batch(rng, 1)) - G) ** 2).sum(axis=1).mean()
             for _ in range(4000)]
    assert abs(np.mean(draws) - exact) < 0.05 * exact


def test_sizes_are_validated():
    with pytest.raises(ValueError, match="d must be an integer"):
        N.heterogeneous_least_squares(2, d=0)
    with pytest.raises(ValueError, match="unknown problem kind"):
        N.build_problem(("nope", ()))


# -- methods and budgets -------------------------------------------------------------------------------
def test_budget_in_compression_rounds():
    p = N.shifted_quadratics(4, d=8)
    neo = N.make_method("NEOLITHIC", 0.1, ("rand", 2), rounds=4, batch=None, noise=0.5)
    run = N.run_budget(neo, p, 100, seed=1)
    assert len(run.grad_sq) == 100 // 4 + 1 and run.rounds[-1] == 100 and not run.diverged
    assert math.isclose(run.avg_grad_sq, run.grad_sq.mean())
    psgd = N.make_method("P-SGD", 0.5, batch=None)
    run = N.run_budget(psgd, p, 300, seed=1)       # exact gradients: gradient descent converges
    assert len(run.grad_sq) == 301 and run.grad_sq[-1] < 1e-6 * run.grad_sq[0]
    with pytest.raises(ValueError, match="less than one iteration"):
        N.run_budget(neo, p, 3, seed=1)


def test_divergence_is_reported():
    p = N.shifted_quadratics(2, d=4)
    run = N.run_budget(N.make_method("P-SGD", 5.0, batch=None), p, 200, seed=0)
    assert run.diverged and run.avg_grad_sq == math.inf


def test_method_factory():
    assert N.make_method("NEOLITHIC (uni)", 0.1, ("top", 1), rounds=3).params["bidirectional"] is False
    assert N.rounds_per_iteration(N.make_method("NEOLITHIC", 0.1, rounds=3)) == 3
    assert N.rounds_per_iteration(N.make_method("Double Squeeze", 0.1)) == 1
    assert N.method_queries("NEOLITHIC", 4) == 4 and N.method_queries("MEM-SGD", 4) == 1
    with pytest.raises(ValueError, match="minibatch oracles only"):
        N.make_method("Double Squeeze", 0.1, noise=1.0)
    with pytest.raises(ValueError, match="unknown method"):
        N.make_method("SGD", 0.1)
    with pytest.raises(ValueError, match="unknown compressor spec"):
        N.make_compressor(("sketch", 2))


def test_theory_step_and_fcc_rounds():
    # min(cap/L, q sqrt(Delta n / (L sigma^2 T)))
    assert math.isclose(N.theory_step(T=100, n=4, L=1.0, Delta=1.0, sigma2=16.0), 0.05)
    assert math.isclose(N.theory_step(T=100, n=4, L=1.0, Delta=1.0, sigma2=16.0, queries=4), 0.2)
    assert N.theory_step(T=1, n=4, L=2.0, Delta=1.0, sigma2=1.0) == 0.25
    assert N.fcc_rounds_for(0.25, 0.01) == math.ceil(4 * math.log(100)) == 19
    assert N.fcc_rounds_for(1.0, 0.5) == 1
    assert (1 - 0.25) ** N.fcc_rounds_for(0.25, 0.01) <= 0.01


def test_run_jobs_independent_of_workers():
    spec = N.problem_spec("quadratics", n_workers=2, d=4)
    jobs = [N.Job(spec, "MEM-SGD", 0.1, (("compressor_spec", ("rand", 1)), ("batch", None), ("noise", 1.0)), 40, s)
            for s in range(2)]
    a, b = N.run_jobs(jobs, workers=1), N.run_jobs(jobs, workers=2)
    assert all(np.array_equal(x.grad_sq, y.grad_sq) for x, y in zip(a, b))
    assert not np.array_equal(a[0].grad_sq, a[1].grad_sq)


# -- the transient measurement on curves with a known answer ------------------------------------------------
def test_transient_rounds_known_power_law():
    T = 2.0 ** np.arange(5, 15)
    T0, p, eps = 100.0, 0.5, 0.2                     # crossing at T0 eps^(-1/p) = 2500, inside the grid
    ratio = 1 + (T0 / T) ** p                      # the excess is exactly log-linear in log T
    assert math.isclose(N.transient_rounds(T, ratio, eps), T0 * eps ** (-1 / p), rel_tol=1e-12)
    assert N.transient_rounds(T, np.ones_like(T), eps) == T[0]          # always in the regime
    assert N.transient_rounds(T, np.full_like(T, 2.0), eps) == math.inf  # never
    # the regime must be *stayed in*: a late excursion above 1 + eps counts
    wiggle = ratio.copy()
    wiggle[-3] = 1.5
    assert N.transient_rounds(T, wiggle, eps) > T[-3]


def test_transient_rounds_validates():
    with pytest.raises(ValueError, match="increasing"):
        N.transient_rounds([4, 2], [1, 1], 0.1)
    with pytest.raises(ValueError, match="eps"):
        N.transient_rounds([1, 2], [1, 1], 0.0)


def test_fit_recovers_known_exponents():
    rows = [(n, delta, T) for n in (2, 4, 8) for delta in (0.5, 0.25) for T in (256, 1024, 4096)]
    n, delta, T = (np.array(v, float) for v in zip(*rows))
    a, b, p = 1.0, 2.0, 0.5                          # T* ~ n^a delta^-b: excess = (n^a delta^-b * 50 / T)^p
    excess = (n**a * delta**-b * 50 / T) ** p
    fit = N.fit_transient_exponents(n, delta, T, excess, min_excess=0.0)
    assert math.isclose(fit.n_exponent, a, abs_tol=1e-9) and math.isclose(fit.delta_exponent, b, abs_tol=1e-9)
    assert math.isclose(fit.p, p, abs_tol=1e-9) and fit.residual_std < 1e-9
    assert math.isclose(fit.transient(4, 0.25, 0.2), 4 * 16 * 50 * 0.2 ** (-1 / p), rel_tol=1e-9)
    # points below the noise floor are left out
    fit2 = N.fit_transient_exponents(n, delta, T, np.where(excess < 0.5, 1e-4, excess), min_excess=0.5)
    assert fit2.points == int((excess >= 0.5).sum())
    with pytest.raises(ValueError, match="usable points"):
        N.fit_transient_exponents([2, 4], [0.5, 0.5], [1, 2], [1, 1])


def test_transient_slopes_from_a_table():
    d = 16
    table = [dict(method="X", n=n, k=k, transient=30.0 * n * (d / k) ** 2) for n, k in ((2, 4), (4, 4), (8, 4), (4, 2), (4, 8))]
    table.append(dict(method="X", n=16, k=4, transient=math.inf))    # censored: left out
    s = N.transient_slopes(table, "X", [(2, 4), (4, 4), (8, 4), (16, 4)], [(4, 2), (4, 4), (4, 8)], d)
    assert math.isclose(s["n"], 1.0) and math.isclose(s["1/delta"], 2.0)


# -- the MLP substitute of the CIFAR-10 experiment ---------------------------------------------------------------
def test_mlp_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    N_, m, p, h, c = 2, 6, 5, 4, 3
    d = h * p + h + c * h + c
    prob = N.MLPProblem(rng.standard_normal((N_, m, p)), rng.integers(0, c, (N_, m)), h, c,
                        (rng.standard_normal((7, p)), rng.integers(0, c, 7)), 0.5 * rng.standard_normal(d))
    assert prob.d == d and prob.L > 0
    X = np.stack([prob.x0(NUMPY), prob.x0(NUMPY) + 0.1])
    G = prob.worker_grads(NUMPY, X)
    v = rng.standard_normal(d)
    for i in range(N_):
        def f(z):
            Z = X.copy()
            Z[i] = z
            return prob.worker_losses(NUMPY, Z)[i]
        fd = (f(X[i] + 1e-6 * v) - f(X[i] - 1e-6 * v)) / 2e-6
        assert math.isclose(fd, G[i] @ v, rel_tol=1e-5, abs_tol=1e-8)
    rows = prob.sample_batch(rng, 4, replace=False)
    assert rows.shape == (N_, 4) and all(len(set(r)) == 4 for r in rows)
    full = prob.stochastic_worker_grads(NUMPY, X, np.tile(np.arange(m), (N_, 1)))
    assert np.allclose(full, G)
    assert 0.0 <= prob.accuracy(X[0]) <= 1.0


def test_claimed_exponents_come_from_theory():
    assert N.claimed_transient_exponents() == {"NEOLITHIC": {"n": 1.0, "1/delta": 2.0},
                                               "MEM-SGD": {"n": 3.0, "1/delta": 4.0}}


def test_figures_registered():
    from reproductions.figures import all_figures

    ids = {f for f in all_figures() if f.startswith("neolithic-")}
    # the three CPU reproductions of reproductions.neolithic and the network substitute of reproductions.deep
    assert ids == {"neolithic-synthetic", "neolithic-transient", "neolithic-r-sweep", "neolithic-dl-substitute"}
