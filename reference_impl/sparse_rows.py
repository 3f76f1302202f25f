"""Logistic minibatch gradients and F on standardised sparse rows at O(nonzeros) cost (issue 10).

004's convex table standardises the LIBSVM features column by column and prepends a bias
(:func:`~reference_impl.data.standardize_with_bias`): a row is ``f = [1, s * (p - m)]``, with ``p`` the
raw sparse row (a9a: 11 to 14 nonzeros of 123), ``m`` the column means and ``s`` the inverse population
deviations (0 on constant columns). The dense ``f`` has no zeros: a dense minibatch gradient gathers
``b x d`` floats per worker and round from data that does not fit in the cache (a9a padded: 64 MB), and
that gather was half of the table's time. Through the raw rows only the nonzeros are touched::

    z_j = f_j . x = (x_0 - m . u) + sum_k p_jk u[c_jk],            u = s * x[1:]
    sum_j w_j f_j = [sum_j w_j,  s * (sum_j w_j p_j - m sum_j w_j)]

The minibatch gradient is two compiled loops (:func:`~reference_impl.compiled.compiled`: numba, IEEE
arithmetic in a fixed order) over (run, worker, sampled row, nonzero), the row products ``z`` and the
weighted row sums, with the logistic slopes computed between them by numpy (the backend's sigmoid, as
on the dense path). The real rows are one CSR matrix ``P`` in worker order (the smallest index types,
so that the scattered rows a round samples stay in the cache); ``F`` at R points is one sparse product
``P @ U^T``.

Exactness: the same function as the dense rows up to rounding (the dense standardisation rounds in
other places). :class:`StandardizedSparseRows` checks every real row against the problem's dense
features at construction (``TOLERANCE``), and ``tests/test_sparse_rows.py`` compares gradients and F
with the dense path. Run axis: the loop treats each (run, worker) on its own, so a run's values in an
``(R, N, b)`` stack are bit for bit those of the run alone.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from reference_impl.compiled import compiled
from reference_impl.validation import require

# The dense and the factored standardised rows differ by rounding only: a few ulps of the largest entry
# (one-hot columns of rare categories reach |f| ~ 180 on a9a); 1e-12 relative leaves room for ~1e4 ulps
# and still catches any real mismatch (a wrong row, column or mean is O(1)).
TOLERANCE = 1e-12


@compiled
def _row_products(X, rows, indptr, indices, data, binary, n_workers, starts, s, m, z):
    """``z[mm, j] = f . X[mm]`` for the sampled row ``rows[mm, j]`` of worker ``mm % n_workers``."""
    M, d = X.shape
    u = np.empty(d - 1)
    for mm in range(M):
        i = mm % n_workers
        offset = X[mm, 0]
        for c in range(d - 1):
            u[c] = s[c] * X[mm, c + 1]
            offset -= u[c] * m[c]
        for j in range(rows.shape[1]):
            r = starts[i] + rows[mm, j]
            acc = 0.0
            if binary:
                for e in range(indptr[r], indptr[r + 1]):
                    acc += u[indices[e]]
            else:
                for e in range(indptr[r], indptr[r + 1]):
                    acc += data[e] * u[indices[e]]
            z[mm, j] = offset + acc
    return z


@compiled
def _weighted_row_sums(W, rows, indptr, indices, data, binary, n_workers, starts, s, m, out):
    """``out[mm] = sum_j W[mm, j] f_j`` over the sampled rows ``rows[mm, :]`` of worker ``mm % n_workers``."""
    M, d = out.shape
    v = np.empty(d - 1)
    for mm in range(M):
        i = mm % n_workers
        v[:] = 0.0
        total = 0.0
        for j in range(rows.shape[1]):
            r = starts[i] + rows[mm, j]
            w = W[mm, j]
            total += w
            if binary:
                for e in range(indptr[r], indptr[r + 1]):
                    v[indices[e]] += w
            else:
                for e in range(indptr[r], indptr[r + 1]):
                    v[indices[e]] += w * data[e]
        out[mm, 0] = total
        for c in range(d - 1):
            out[mm, c + 1] = s[c] * (v[c] - m[c] * total)
    return out


class StandardizedSparseRows:
    """The workers' rows ``[1, s * (p - m)]`` of a standardised sparse matrix.

    ``X_sparse`` (n, d - 1): the raw rows (scipy sparse); ``worker_indices``: the rows of each worker, in
    the order of the problem's padded data; ``dense_features`` (N, n_max, d) and ``sizes`` (N,): the
    problem's padded dense rows, which every real row is checked against (ValueError on a mismatch).
    ``m`` and ``s`` are the column means and inverse population deviations over all n rows, as
    :func:`~reference_impl.data.standardize_with_bias` computes them.
    """

    def __init__(self, X_sparse, worker_indices: Sequence[np.ndarray], dense_features: np.ndarray,
                 sizes: np.ndarray) -> None:
        import scipy.sparse as sp

        X = sp.csr_matrix(X_sparse, dtype=np.float64)
        X.sum_duplicates()
        N, _, d = dense_features.shape
        require(d == X.shape[1] + 1, f"dense_features have d = {d} columns; the sparse rows need d - 1 = "
                                     f"{d - 1}, got {X.shape[1]}")
        require(len(worker_indices) == N, f"worker_indices must hold N = {N} index arrays, got {len(worker_indices)}")
        dense_X = X.toarray()
        mean = dense_X.mean(axis=0)
        var = ((dense_X - mean) ** 2).mean(axis=0)
        constant = np.ptp(dense_X, axis=0) == 0
        self.m, self.s = mean, np.where(constant, 0.0, 1.0 / np.sqrt(np.where(constant, 1.0, var)))
        self.N, self.d = N, d
        for i, rows in enumerate(worker_indices):
            rows = np.asarray(rows, dtype=np.int64)
            require(rows.size == int(sizes[i]), f"worker {i}: {rows.size} row indices for {int(sizes[i])} rows")
            rebuilt = np.concatenate([np.ones((rows.size, 1)), self.s * (dense_X[rows] - self.m)], axis=1)
            error = np.abs(rebuilt - dense_features[i, : rows.size]).max(initial=0.0)
            scale = max(1.0, float(np.abs(dense_features[i, : rows.size]).max(initial=0.0)))
            require(error <= TOLERANCE * scale,
                    f"worker {i}: the sparse rows do not rebuild the dense features (max error {error:.3g} > "
                    f"{TOLERANCE:g} x {scale:.3g}): wrong rows, order or standardisation")
        #: the real rows in worker order (worker i's row r is row starts[i] + r), CSR, sorted columns
        self.P = X[np.concatenate([np.asarray(r, dtype=np.int64) for r in worker_indices])].tocsr()
        self.P.sort_indices()
        self._starts = np.concatenate([[0], np.cumsum(np.asarray(sizes, dtype=np.int64))[:-1]])
        # the smallest index types: the rows sampled in a round are scattered over the data, and what
        # they touch (a9a: 0.2 MB of row pointers and 0.4 MB of one-byte columns) then stays in the cache
        self._indptr = self.P.indptr.astype(np.int32 if self.P.nnz < 2**31 else np.int64)
        self._indices = self.P.indices.astype(np.min_scalar_type(max(d - 2, 0)))
        self._data = self.P.data.astype(np.float64)
        self.binary = bool(np.all(self._data == 1.0))              # binary data: no multiplications

    def _args(self):
        return self._indptr, self._indices, self._data, self.binary, self.N, self._starts, self.s, self.m

    def row_products(self, X: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """``f_j . x_i`` of the sampled rows ``rows`` (..., N, b) of each worker i at its point ``X``
        (..., N, d): (..., N, b)."""
        M, b = int(np.prod(X.shape[:-1])), rows.shape[-1]
        z = np.empty((M, b))
        _row_products(np.ascontiguousarray(X, dtype=np.float64).reshape(M, self.d),
                      np.ascontiguousarray(rows, dtype=np.int64).reshape(M, b), *self._args(), z)
        return z.reshape(rows.shape)

    def weighted_row_sums(self, W: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """``sum_j W_j f_j`` over the sampled rows ``rows`` (..., N, b) of each worker, weights ``W`` of
        the same shape: (..., N, d)."""
        M, b = int(np.prod(rows.shape[:-1])), rows.shape[-1]
        out = np.empty((M, self.d))
        _weighted_row_sums(np.ascontiguousarray(W, dtype=np.float64).reshape(M, b),
                      np.ascontiguousarray(rows, dtype=np.int64).reshape(M, b), *self._args(), out)
        return out.reshape(rows.shape[:-1] + (self.d,))

    def margins(self, W: np.ndarray) -> np.ndarray:
        """``f_j . w`` of every real row (worker order) at the R points ``W`` (R, d): (n, R). Each point's
        column is computed as for that point alone (the sparse product adds each row's terms in CSR
        order for every column)."""
        U = W[:, 1:] * self.s                                      # (R, d - 1)
        offset = W[:, 0] - (U * self.m).sum(axis=1)                # per point: the same for any R
        return np.asarray(self.P @ U.T) + offset[None, :]
