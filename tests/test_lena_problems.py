"""The problems of 003: one-versus-all logistic gradients, the scalar problems of the claim checks."""
from fractions import Fraction as Fr

import numpy as np
import pytest

from reference_impl.algorithms.lena_problems import OneVsAllLogistic, ScalarProblem
from reference_impl.backends import EXACT, NUMPY
from reproductions.lena import bits_to_reach, upload_frequency


def small_ova(seed=0):
    rng = np.random.default_rng(seed)
    feats = [rng.random((n, 5)) for n in (4, 6, 5)]
    labels = [np.full(4, 0), np.full(6, 1), np.array([2, 2, 0, 1, 2])]
    return OneVsAllLogistic(feats, labels, lam=0.1, classes=3)


def test_one_vs_all_gradient_matches_finite_differences():
    prob = small_ova()
    rng = np.random.default_rng(1)
    X = rng.standard_normal((prob.N, prob.d))
    G = prob.worker_grads(NUMPY, X)
    h = 1e-6
    for j in (0, 7, prob.d - 1):
        E = np.zeros_like(X)
        E[:, j] = h
        fd = (prob.worker_losses(NUMPY, X + E) - prob.worker_losses(NUMPY, X - E)) / (2 * h)
        np.testing.assert_allclose(G[:, j], fd, rtol=1e-6, atol=1e-8)    # central differences: O(h^2) error


def test_minibatch_of_all_rows_is_the_full_gradient():
    prob = small_ova()
    X = np.random.default_rng(2).standard_normal((prob.N, prob.d))
    rows = np.array([np.arange(4)] * prob.N)           # node sizes 4, 6, 5: all rows of node 0 only
    Gs = prob.stochastic_worker_grads(NUMPY, X, rows)
    np.testing.assert_allclose(Gs[0], prob.worker_grads(NUMPY, X)[0], rtol=1e-13, atol=1e-15)
    assert prob.predict(np.zeros(prob.d), np.ones((3, 5))).shape == (3,)
    with pytest.raises(ValueError, match="batch"):
        prob.sample_batch(np.random.default_rng(0), 5)


def test_scalar_problems_are_exact_and_bounded():
    hub = ScalarProblem("huber", [Fr(1), Fr(-1)])
    assert hub.gradF(Fr(0)) == 0 and hub.F(Fr(3)) == (Fr(2) - Fr(1, 2) + Fr(4) - Fr(1, 2)) / 2
    X = EXACT.asarray(np.array([[Fr(5)], [Fr(1, 3)]], dtype=object))
    G = hub.worker_grads(EXACT, X)
    assert G[0, 0] == 1 and G[1, 0] == 1          # clip(x - a): 5 - 1 = 4 and 1/3 + 1 = 4/3, both clipped to 1
    rat = ScalarProblem("rational", [Fr(0)])
    assert rat.gradF(Fr(1)) == Fr(2, 4)
    noisy = ScalarProblem("huber", [Fr(0)], sigma=Fr(1, 2))
    rows = noisy.sample_batch(np.random.default_rng(0), 4)
    assert set(np.unique(rows)) <= {-1, 1}
    with pytest.raises(ValueError, match="profile"):
        ScalarProblem("cubic", [0])


def test_bits_to_reach_and_frequency():
    res = dict(k=np.array([2, 4]), acc=np.array([0.5, 0.9]), bits=np.array([[1, 0], [0, 0], [2, 2], [0, 1]]))
    assert bits_to_reach(res, 0.8) == 6 and bits_to_reach(res, 0.95) == float("inf")
    np.testing.assert_allclose(upload_frequency(res, 2), [0.25, 0.75])
