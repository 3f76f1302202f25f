"""002 reproductions: the problems of the substitutes (gradients against finite differences), the worker
splits, the harness's records and provenance, the algorithm registry, Newton's F*, and the figure registry.
Small synthetic data only (the notebooks run the real MNIST and a9a)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from reference_impl.algorithms.compams_problems import NonconvexLogistic, SoftmaxRegression, TwoLayerMLP
from reference_impl.backends import NUMPY
from reference_impl.problems import LogisticProblem
from reproductions import compams as R


def _data(N=3, n=12, p=5, classes=3, seed=0):
    rng = np.random.default_rng(seed)
    Fs = [rng.standard_normal((n, p)) for _ in range(N)]
    return Fs, [rng.integers(0, classes, n) for _ in range(N)], [np.where(rng.random(n) < 0.5, -1.0, 1.0) for _ in range(N)]


@pytest.mark.parametrize("make", [lambda F, y, s: NonconvexLogistic(F, s, 0.3), lambda F, y, s: SoftmaxRegression(F, y, 3, 0.1),
                                  lambda F, y, s: TwoLayerMLP(F, y, hidden=4, n_classes=3)])
def test_problem_gradients_match_finite_differences(make):
    """Central differences with h = 1e-6: truncation ~h^2 * third derivative, rounding ~1e-16/h; 1e-7 absolute."""
    F, y, s = _data()
    prob = make(F, y, s)
    rng = np.random.default_rng(1)
    X = 0.5 * rng.standard_normal((prob.N, prob.d))
    G = prob.worker_grads(NUMPY, X)
    h = 1e-6
    for j in rng.choice(prob.d, size=min(prob.d, 12), replace=False):
        E = np.zeros_like(X)
        E[:, j] = h
        num = (prob.worker_losses(NUMPY, X + E) - prob.worker_losses(NUMPY, X - E)) / (2 * h)
        np.testing.assert_allclose(G[:, j], num, atol=1e-7)
    rows = prob.sample_batch(rng, 4)
    assert rows.shape == (prob.N, 4) and np.all(np.diff(rows, axis=1) > 0)       # distinct, sorted
    all_rows = np.tile(np.arange(12), (prob.N, 1))
    np.testing.assert_allclose(prob.stochastic_worker_grads(NUMPY, X, all_rows), G, rtol=1e-12, atol=1e-14)


def test_nonconvex_logistic_smoothness_constant_bounds_the_regulariser():
    F, _, s = _data()
    prob = NonconvexLogistic(F, s, lam=0.5)
    tops = [np.linalg.eigvalsh(f.T @ f / len(f))[-1] for f in F]
    assert prob.L == pytest.approx(max(tops) / 4 + 2 * 0.5)


def test_worker_splits():
    y = np.repeat(np.arange(10), 40)
    rng = np.random.default_rng(0)
    non = R.worker_split(y, "noniid", 20, rng)
    assert sorted(np.concatenate(non).tolist()) == list(range(400))
    assert max(len(np.unique(y[p])) for p in non) <= 2            # label-sorted: one or two digits per worker
    iid = R.worker_split(y, "iid", 20, rng)
    assert min(len(np.unique(y[p])) for p in iid) >= 5
    with pytest.raises(ValueError, match="split must be"):
        R.worker_split(y, "other", 20, rng)


def test_harness_records_and_provenance(tmp_path):
    F, y, _ = _data(N=20, n=10, p=6)
    prob = SoftmaxRegression(F, y, 3)
    algo = R.make_algorithm("COMP-AMS Top-k EF", prob, 0.1, batch=4, iterations=20)
    out = R.run_recorded(algo, prob, 20, seed=5, record_every=5, X_test=F[0], y_test=y[0], csv_path=tmp_path / "r.csv")
    assert out["k"].tolist() == [0, 5, 10, 15, 20]
    from reference_impl.compressors.sparsification import subset_code_bits

    k = max(1, round(0.1 * prob.d))
    per_step = 20 * (32 * k + subset_code_bits(prob.d, k))          # every worker uploads Top-k every step
    assert out["cum_uplink_bits"].tolist() == [0, 5 * per_step, 10 * per_step, 15 * per_step, 20 * per_step]
    assert 0 <= out["test_accuracy"].min() and out["test_accuracy"].max() <= 100
    meta = json.loads((tmp_path / "r.csv.json").read_text())
    assert meta["seed"] == 5 and meta["commit"] and meta["device"] and meta["wall_time_s"] > 0
    assert (tmp_path / "r.csv").read_text().splitlines()[0] == ",".join(R.COLUMNS)


def test_every_named_algorithm_builds():
    F, y, _ = _data(N=20, n=10, p=6)
    prob = TwoLayerMLP(F, y, hidden=3, n_classes=3)
    for name in R.ALGORITHMS:
        assert R.make_algorithm(name, prob, 0.01, batch=2, iterations=10).init(prob, NUMPY) is not None
    with pytest.raises(ValueError, match="unknown algorithm"):
        R.make_algorithm("Adam", prob, 0.01, batch=2, iterations=10)


def test_newton_fstar_matches_the_problem_optimum():
    F, _, s = _data(N=3, n=30, p=4)
    prob = LogisticProblem(F, s, 1e-2)
    x, f = R.newton_fstar(prob)
    assert np.linalg.norm(prob.grad(NUMPY, x)) <= 1e-12
    np.testing.assert_allclose(x, prob.x_star, atol=1e-10)   # both reach gradient norm 1e-12; strongly convex (mu = 1e-2)


def test_figures_registered():
    ids = {f.id for f in R.FIGURES}
    assert ids == {"compams-mnist", "compams-a9a", "compams-speedup"}
    assert all(f.paper == "compams" for f in R.FIGURES)


def test_problems_on_torch_match_numpy():
    """The torch path of the substitutes (GPU-ready full mode) gives numpy's gradients, losses and a COMP-AMS
    trajectory to 1e-12 (the two libraries may order sums differently: a few ulps per operation)."""
    pytest.importorskip("torch")
    from reference_impl.algorithms.compams import compams
    from reference_impl.backends import torch_backend
    from reference_impl.compressors.sign import BlockSign

    tb = torch_backend("cpu")
    F, y, s = _data(N=3, n=9, p=5)
    rng = np.random.default_rng(2)
    for prob in (NonconvexLogistic(F, s, 0.3), SoftmaxRegression(F, y, 3, 0.1), TwoLayerMLP(F, y, hidden=4, n_classes=3)):
        X = 0.5 * rng.standard_normal((prob.N, prob.d))
        np.testing.assert_allclose(prob.worker_grads(tb, tb.asarray(X)).numpy(), prob.worker_grads(NUMPY, X),
                                   rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(prob.worker_losses(tb, tb.asarray(X)).numpy(), prob.worker_losses(NUMPY, X),
                                   rtol=1e-12)
        algo = compams(0.01, BlockSign(getattr(prob, "blocks", None)), batch=4)
        ends = []
        for xp in (NUMPY, tb):
            state, r = algo.init(prob, xp), np.random.default_rng(3)
            for _ in range(15):
                state, _ = algo.step(state, prob, xp, r)
            ends.append(np.asarray(xp.to_numpy(state.x)))
        np.testing.assert_allclose(ends[1], ends[0], rtol=1e-12, atol=1e-14)
