"""Minibatch gradients and F through standardised sparse rows (issue 10, reference_impl.sparse_rows).

The sparse path computes the same function as the dense standardised rows, with other roundings: the
dense rows are standardised in three passes, the sparse ones apply ``s * (p - m)`` on the fly, and the
sums run in another order. Tolerances: gradients 1e-12 relative to their largest entry and F 1e-13
relative (each entry rounds at ~1e-16 of the largest standardised entry, |f| <= ~200 on these data, and
a gradient sums b such terms with cancellation; measured 1e-15 on a9a and 4e-13 on phishing / w8a).
What must be exact is the run axis: a run's gradients in an (R, N, b) stack equal those of the run
alone, bit for bit (the compiled loop treats every (run, worker) on its own).
"""
import numpy as np
import pytest
import scipy.sparse as sp

from reference_impl.backends import NUMPY, RunStreams
from reference_impl.data import standardize_with_bias
from reference_impl.problems import LogisticProblem
from reproductions import mcm

GRAD_RTOL, F_RTOL = 1e-12, 1e-13


def sparse_problem(seed=0, n=180, d=9, binary=False):
    """A logistic problem on standardised sparse rows: a constant column, an all-zero row, values other
    than 1 (unless binary), unequal worker sizes (padding)."""
    rng = np.random.default_rng(seed)
    X = sp.random(n, d, density=0.3, random_state=seed, format="csr")
    if binary:
        X.data[:] = 1.0
    X = X.tolil()
    X[:, 3] = 0.0                                       # a constant column: s = 0 there
    X[5, :] = 0.0                                       # a row without nonzeros
    X = X.tocsr()
    X.eliminate_zeros()
    y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    order = rng.permutation(n)
    idx = np.split(order, [40, 95, 140])                 # workers of 40, 55, 45 and 40 rows
    F = standardize_with_bias(X)
    problem = LogisticProblem([F[i] for i in idx], [y[i] for i in idx], 0.0, name="sparse-test")
    return problem, X, idx


def both_paths(problem, fn):
    """``fn(problem)`` through the sparse rows and through the dense rows."""
    sparse = problem.sparse_rows
    through_sparse = fn(problem)
    problem.sparse_rows = None
    try:
        through_dense = fn(problem)
    finally:
        problem.sparse_rows = sparse
    return through_sparse, through_dense


def grads_and_F(problem, X, rows, W):
    return both_paths(problem, lambda p: (p.stochastic_worker_grads(NUMPY, X, rows), p.losses(W),
                                          np.array([float(p.loss(NUMPY, w)) for w in W])))


@pytest.mark.parametrize("binary", [False, True])
def test_sparse_gradients_and_F_equal_the_dense_rows(binary):
    problem, Xs, idx = sparse_problem(binary=binary)
    problem.use_sparse_rows(Xs, idx)
    assert problem.sparse_rows.binary == binary
    rng = np.random.default_rng(3)
    rows = problem.sample_batch(rng, 7, replace=False)
    X = rng.standard_normal((problem.N, problem.d))
    W = rng.standard_normal((5, problem.d))
    (G_sparse, F_sparse, F_each), (G_dense, F_dense, _) = grads_and_F(problem, X, rows, W)
    assert np.abs(G_sparse - G_dense).max() <= GRAD_RTOL * np.abs(G_dense).max()
    assert np.allclose(F_sparse, F_dense, rtol=F_RTOL, atol=0)
    # F at several points is F at each point alone, bit for bit (what batched runs record)
    assert np.array_equal(F_sparse, F_each)
    assert np.array_equal(problem.losses(W[2:4]), F_sparse[2:4])


def test_a_run_in_a_stack_gets_its_own_gradients_bit_for_bit():
    problem, Xs, idx = sparse_problem(seed=1)
    problem.use_sparse_rows(Xs, idx)
    R = 4
    streams = RunStreams([np.random.default_rng(r) for r in range(R)])
    rows = problem.sample_batch(streams, 6, replace=False)
    X = np.random.default_rng(9).standard_normal((R, problem.N, problem.d))
    stacked = problem.stochastic_worker_grads(NUMPY, X, rows)
    for r in range(R):
        assert np.array_equal(stacked[r], problem.stochastic_worker_grads(NUMPY, X[r], rows[r]))


def test_rows_that_do_not_rebuild_the_dense_features_are_refused():
    problem, Xs, idx = sparse_problem(seed=2)
    shuffled = [idx[0][::-1]] + idx[1:]                  # worker 0's rows in the wrong order
    with pytest.raises(ValueError, match="worker 0: the sparse rows do not rebuild the dense features"):
        problem.use_sparse_rows(Xs, shuffled)
    swapped = [idx[1], idx[0]] + idx[2:]                 # another worker's rows
    with pytest.raises(ValueError, match="worker 0: .* row indices for"):
        problem.use_sparse_rows(Xs, swapped)
    with pytest.raises(ValueError, match="worker_indices must hold N = 4"):
        problem.use_sparse_rows(Xs, idx[:3])
    assert problem.sparse_rows is None


@pytest.mark.parametrize("dataset", ["a9a", "phishing", "w8a"])
def test_the_convex_table_uses_the_sparse_rows_of_its_data(dataset):
    """004's convex setting: binary a9a / w8a (w8a has rows without nonzeros), non-binary phishing."""
    st = mcm.convex_setting(dataset)
    problem = st.problem
    assert problem.sparse_rows is not None
    rng = np.random.default_rng(0)
    rows = problem.sample_batch(rng, st.batch, replace=False)
    X = 0.1 * rng.standard_normal((problem.N, problem.d))
    (G_sparse, F_sparse, F_each), (G_dense, F_dense, _) = grads_and_F(problem, X, rows, X[:3])
    assert np.abs(G_sparse - G_dense).max() <= GRAD_RTOL * np.abs(G_dense).max()
    assert np.allclose(F_sparse, F_dense, rtol=F_RTOL, atol=0)
    assert np.array_equal(F_sparse, F_each)
