"""Distributed test problems with exact gradients and their constants.

``f(x) = (1/N) sum_i f_i(x)``, each ``f_i`` held by worker ``i``. Worker quantities carry a leading
worker axis: :meth:`DistributedProblem.worker_grads` takes ``X`` of shape ``(N, d)`` (each worker's own
point; the same row repeated for a broadcast model) and returns ``(N, d)``.

Run axis: the worker arrays may carry leading run axes, ``X`` of shape ``(R, N, d)`` (R independent
runs advanced together, :mod:`reference_impl.batched`): :meth:`~DistributedProblem.broadcast`,
``worker_grads``, ``worker_losses`` and ``stochastic_worker_grads`` (with rows ``(R, N, b)``) of the
problems below (``run_axis = True``) compute each run's rows exactly as for that run alone, and
:meth:`~_PaddedDataProblem.sample_batch` draws from a :class:`~reference_impl.backends.RunStreams`.

Constants: ``L`` is the largest smoothness constant of the ``f_i`` (000's Assumption 1.4: every f_i is
L-smooth), ``L_i`` the per-worker ones, ``mu`` the strong-convexity constant of ``f``; ``x_star`` and
``f_star`` are computed to high accuracy (exactly for rational quadratics).

* :class:`QuadraticProblem` - ``f_i(x) = x^T A_i x / 2 - b_i^T x``; rational data run on the exact backend.
* :class:`LeastSquaresProblem` - ``f_i(x) = ||X_i x - y_i||^2 / (2 n_i) + lam ||x||^2 / 2``.
* :class:`LogisticProblem` - logistic regression (l2-regularised, or plain with ``lam=0``), labels in {-1, +1}.

Data of unequal worker sizes is padded to ``(N, n_max, d)`` with per-row weights (0 for padding), so
every gradient is one batched contraction, vectorised over workers. ``F`` and ``grad F`` at one point
use the stacked real rows instead (:attr:`~_PaddedDataProblem.design`, one or two mat-vecs, no
padding), and :meth:`~_PaddedDataProblem.losses` evaluates F at R points with one matrix product (the
recording of batched runs, :mod:`reference_impl.batched`). Minibatches without replacement cost
O(batch) per worker (:func:`distinct_rows`).

One optimum solver for the logistic problems of every work: :func:`row_space_newton` (damped Newton in
the data's row space; plain logistic regression with ``lam = 0`` on rank-deficient, quasi-separable
data included), behind :attr:`LogisticProblem.x_star` and :meth:`LogisticProblem.optimum`.

Data is checked when a problem is built: NaN/inf (or a non-number) in features, targets, labels or
matrices is refused with a ValueError naming the worker and the row
(:func:`~reference_impl.validation.require_finite_rows`), as are out-of-range constants.
"""
from __future__ import annotations

import functools
from fractions import Fraction
from typing import Any, Sequence

import numpy as np
import scipy.linalg
import scipy.special

from reference_impl.backends import Backend
from reference_impl.compiled import compiled
from reference_impl.validation import (parameter_context, require, require_finite_rows, require_int_in_range,
                                       require_nonnegative_finite, require_positive_finite, require_real)

# At most this many float64 entries (16 GiB) in one problem's dense data or one minibatch: beyond it a size
# is a typo (or a huge int), refused with a clear error instead of a MemoryError deep inside numpy.
MAX_ENTRIES = 2**31


class DistributedProblem:
    N: int
    d: int
    name: str = "problem"
    #: True when the worker methods accept leading run axes (R, N, d) (see the module docstring)
    run_axis: bool = False

    # Subclasses implement these on backend arrays.
    def worker_grads(self, xp: Backend, X) -> Any:
        raise NotImplementedError

    def worker_losses(self, xp: Backend, X) -> Any:
        raise NotImplementedError

    # Derived quantities -------------------------------------------------------------------------
    def broadcast(self, xp: Backend, x) -> Any:
        """The (N, d) batch with every worker at the same point x (d,); (R, N, d) for R points (R, d)."""
        return xp.stack([x] * self.N, axis=-2) if xp.exact else (x[..., None, :] * xp.asarray(np.ones((self.N, 1))))

    def grad(self, xp: Backend, x) -> Any:
        return xp.mean(self.worker_grads(xp, self.broadcast(xp, x)), axis=0)

    def loss(self, xp: Backend, x) -> Any:
        return xp.mean(self.worker_losses(xp, self.broadcast(xp, x)), axis=0)

    @property
    def kappa(self) -> float:
        return float(self.L) / float(self.mu)

    def x0(self, xp: Backend) -> Any:
        return xp.zeros((self.d,))

    def check_point(self, x) -> None:
        shape = tuple(x.shape)
        if shape not in ((self.d,), (self.N, self.d)):
            raise ValueError(f"point of shape {shape} does not match the problem: expected ({self.d},) "
                             f"or ({self.N}, {self.d})")


class QuadraticProblem(DistributedProblem):
    """``f_i(x) = x^T A_i x / 2 - b_i^T x`` with symmetric ``A_i`` (N, d, d), ``b_i`` (N, d).

    With rational entries (ints/Fractions) every quantity is exact on the exact backend; ``x_star`` is
    then an exact rational vector (solved with sympy). ``mu``/``L`` may be given exactly when known by
    construction (e.g. a diagonal spectrum); otherwise they are computed with eigvalsh (floats).
    """

    name = "quadratic"
    run_axis = True

    def __init__(self, A, b, *, mu=None, L=None, name: str | None = None) -> None:
        A_obj, b_obj = _object_array("A", A), _object_array("b", b)
        if A_obj.ndim != 3 or A_obj.shape[1] != A_obj.shape[2] or 0 in A_obj.shape:
            raise ValueError(f"A must have shape (N, d, d) with N, d >= 1, got {A_obj.shape}")
        if b_obj.shape != A_obj.shape[:2]:
            raise ValueError(f"b must have shape (N, d) = {A_obj.shape[:2]}, got {b_obj.shape}")
        require_positive_finite("mu", mu, allow_none=True)
        require_positive_finite("L", L, allow_none=True)
        self.N, self.d = A_obj.shape[0], A_obj.shape[1]
        self._A_exact = _exact_entries("A", A_obj)
        self._b_exact = _exact_entries("b", b_obj)
        self.A = self._A_exact.astype(np.float64)
        self.b = self._b_exact.astype(np.float64)
        if not np.allclose(self.A, np.transpose(self.A, (0, 2, 1))):
            raise ValueError("A: every A_i must be symmetric")
        eig_i = np.linalg.eigvalsh(self.A)
        self.L_i = eig_i[:, -1]
        mean_eig = np.linalg.eigvalsh(self.A.mean(axis=0))
        self.mu = mu if mu is not None else float(mean_eig[0])
        self.L = L if L is not None else float(self.L_i.max())
        if float(self.mu) <= 0:
            raise ValueError(f"A: the average Hessian (1/N) sum_i A_i must be positive definite (mu > 0), "
                             f"got mu={self.mu}")
        if name:
            self.name = name
        self._cache: dict[str, Any] = {}

    def _data(self, xp):
        key = xp.name
        if key not in self._cache:
            if xp.exact:
                self._cache[key] = (self._A_exact, self._b_exact)
            else:
                self._cache[key] = (xp.asarray(self.A), xp.asarray(self.b))
        return self._cache[key]

    def worker_grads(self, xp, X):
        A, b = self._data(xp)
        return xp.matvec(A, X) - b

    def worker_losses(self, xp, X):
        A, b = self._data(xp)
        return (X * xp.matvec(A, X)).sum(axis=-1) / xp.scalar(2) - (b * X).sum(axis=-1)

    @functools.cached_property
    def x_star_exact(self) -> np.ndarray:
        """The exact rational minimiser (sympy linear solve on the average data)."""
        import sympy

        A_mean = sympy.Matrix(self._A_exact.sum(axis=0).tolist()) / self.N
        b_mean = sympy.Matrix(self._b_exact.sum(axis=0).tolist()) / self.N
        sol = A_mean.LUsolve(b_mean)
        return np.array([Fraction(int(sympy.fraction(v)[0]), int(sympy.fraction(v)[1])) for v in sol],
                        dtype=object)

    @functools.cached_property
    def x_star(self) -> np.ndarray:
        return np.linalg.solve(self.A.mean(axis=0), self.b.mean(axis=0))

    @functools.cached_property
    def f_star(self) -> float:
        return float(self.loss(_numpy(), self.x_star))


def make_quadratic(d: int, N: int, kappa: float, rng: np.random.Generator, *, L: float = 1.0,
                   heterogeneity: float = 1.0) -> QuadraticProblem:
    """Quadratic with condition number exactly ``kappa``: every worker has Hessian ``R diag(lam) R^T``
    (log-spaced spectrum from ``L/kappa`` to ``L``, random rotation R), worker-specific linear terms
    ``b_i = A (x_true + heterogeneity * delta_i)`` with the ``delta_i`` summing to zero."""
    d = require_int_in_range("dimension d", d, 2)
    N = require_int_in_range("number of workers N", N, 1)
    require(N * d * d <= MAX_ENTRIES, f"the N Hessians (N d^2 = {N * d * d} entries) must fit in memory: "
                                      f"N d^2 must be <= {MAX_ENTRIES}, got d={d}, N={N}")
    require_real("condition number kappa", kappa, low=1)
    require_positive_finite("L", L)
    require_nonnegative_finite("heterogeneity", heterogeneity)
    require(isinstance(rng, np.random.Generator),
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {rng!r}")
    require(float(L) / float(kappa) > 0,
            f"L / kappa (the smallest eigenvalue) must be > 0 in float64, got L={L}, kappa={kappa}")
    lam = np.geomspace(float(L) / float(kappa), float(L), d)
    R, _ = np.linalg.qr(rng.standard_normal((d, d)))
    A = (R * lam) @ R.T
    A = (A + A.T) / 2
    x_true = rng.standard_normal(d)
    delta = rng.standard_normal((N, d))
    delta -= delta.mean(axis=0)
    b = (A @ (x_true + heterogeneity * delta).T).T
    with parameter_context(f"make_quadratic(d={d}, N={N}, kappa={kappa}, L={L}, heterogeneity={heterogeneity})"):
        return QuadraticProblem(np.broadcast_to(A, (N, d, d)).copy(), b, mu=L / kappa, L=L,
                                name=f"quadratic(d={d}, N={N}, kappa={float(kappa):g})")


def _object_array(name: str, value) -> np.ndarray:
    try:
        return np.asarray(value, dtype=object)
    except ValueError as err:                    # a ragged nested list
        raise ValueError(f"{name} must be a rectangular array of numbers ({err})") from None


def _exact_entries(what: str, values: np.ndarray) -> np.ndarray:
    """The entries of a per-worker array (N, ...) as Fractions; NaN/inf or a non-number is refused,
    naming the worker and the row."""
    try:
        as_float = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        as_float = None
    if as_float is not None:
        for i in range(as_float.shape[0]):
            require_finite_rows(what, as_float[i], worker=i)
    out = np.empty(values.shape, dtype=object)
    for idx in np.ndindex(values.shape):
        try:
            out[idx] = Fraction(values[idx])
            float(out[idx])                         # the float64 copy must exist too
        except (TypeError, ValueError, OverflowError, ZeroDivisionError):
            where = f"row {idx[1]}" + (f", column {idx[2]}" if len(idx) > 2 else "")
            raise ValueError(f"worker {idx[0]}: {what} must hold finite real numbers, got {values[idx]!r} "
                             f"in {where}") from None
    return out


def padded_worker_data(features: Sequence[np.ndarray], targets: Sequence[np.ndarray], target_name: str = "targets",
                       dim_name: str = "d") -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validate one (n_i, d) feature array and one (n_i,) target array per worker and pad them.

    Returns ``(F, t, w, sizes)``: ``F`` of shape (N, n_max, d), ``t`` and the row weights ``w`` (1/n_i on
    real rows, 0 on padding) of shape (N, n_max), and the row counts. Refuses, with a ValueError naming
    the worker (and the row for NaN/inf): lists of different lengths, non-numbers, non-finite values,
    mismatched shapes, empty workers, and padded data beyond ``MAX_ENTRIES`` entries.
    """
    tn, dn = target_name, dim_name
    require(_is_worker_list(features) and _is_worker_list(targets) and len(features) == len(targets)
            and len(features) > 0,
            f"features and {tn} must be non-empty lists of equal length (one array per worker), "
            f"got {type(features).__name__} / {type(targets).__name__}")
    features = [require_finite_rows("features", F, worker=i) for i, F in enumerate(features)]
    targets = [require_finite_rows(tn, t, worker=i) for i, t in enumerate(targets)]
    if features[0].ndim != 2 or features[0].shape[1] < 1:
        raise ValueError(f"worker 0: features must be a 2-D array (n_0, {dn}) with {dn} >= 1, got shape "
                         f"{features[0].shape}")
    d = features[0].shape[1]
    for i, (F, t) in enumerate(zip(features, targets)):
        if F.ndim != 2 or F.shape[1] != d or t.shape != (F.shape[0],) or F.shape[0] == 0:
            raise ValueError(f"worker {i}: features {F.shape} / {tn} {t.shape} must match (n_i, {d}) / "
                             f"(n_i,) with n_i >= 1")
    n_max = max(F.shape[0] for F in features)
    require(len(features) * n_max * d <= MAX_ENTRIES,
            f"the padded features (N x n_max x {dn} = {len(features)} x {n_max} x {d}) must fit in memory: "
            f"at most {MAX_ENTRIES} entries")
    N = len(features)
    F_pad, t_pad, w = np.zeros((N, n_max, d)), np.zeros((N, n_max)), np.zeros((N, n_max))
    for i, (F, t) in enumerate(zip(features, targets)):
        F_pad[i, : len(t)], t_pad[i, : len(t)], w[i, : len(t)] = F, t, 1.0 / len(t)
    return F_pad, t_pad, w, np.array([F.shape[0] for F in features])


class _PaddedDataProblem(DistributedProblem):
    """Shared machinery: worker data padded to (N, n_max, d) with per-row weights 1/n_i (0 on padding)."""

    run_axis = True
    #: the same rows kept sparse for the minibatch gradients (:meth:`use_sparse_rows`), or None
    sparse_rows = None

    def __init__(self, features: Sequence[np.ndarray], targets: Sequence[np.ndarray], lam: float,
                 name: str, target_name: str = "targets") -> None:
        self.F, self.t, self.w, self.sizes = padded_worker_data(features, targets, target_name)
        require_nonnegative_finite("regularisation lam", lam)
        self.N, self.d, self.lam, self.name = self.F.shape[0], self.F.shape[2], float(lam), name
        self._cache: dict[str, Any] = {}

    def _data(self, xp):
        if xp.name not in self._cache:
            self._cache[xp.name] = (xp.asarray(self.F), xp.asarray(self.t), xp.asarray(self.w))
        return self._cache[xp.name]

    def _gather(self, xp, rows: np.ndarray):
        """The sampled rows ``rows`` (N, b) (or (R, N, b)) of every worker's features and targets, gathered
        through one flat index into the padded (N n_max, d) data (one fancy index on one axis: faster than
        indexing two axes, the same values)."""
        F, t, _ = self._data(xp)
        key = ("flat", xp.name)
        if key not in self._cache:
            self._cache[key] = (F.reshape(-1, self.d), t.reshape(-1))
        F2, t2 = self._cache[key]
        flat = self._flat_rows(rows)
        return F2[flat], t2[flat]

    def _flat_rows(self, rows: np.ndarray) -> np.ndarray:
        """Worker i's row ``rows[..., i, j]`` as an index into the flattened (N n_max) padded rows."""
        return np.arange(self.N)[:, None] * self.F.shape[1] + rows

    def use_sparse_rows(self, X_sparse, worker_indices) -> None:
        """Compute the minibatch gradients on the numpy backend from the raw sparse rows ``X_sparse`` of
        :func:`~reference_impl.data.standardize_with_bias` data (``worker_indices``: each worker's rows,
        in the order of the padded data): O(nonzeros) per row instead of O(d), the same function up to
        rounding (:class:`~reference_impl.sparse_rows.StandardizedSparseRows`, which checks every row);
        :meth:`losses` then evaluates F through the sparse rows too."""
        from reference_impl.sparse_rows import StandardizedSparseRows

        self.sparse_rows = StandardizedSparseRows(X_sparse, worker_indices, self.F, self.sizes)

    def _gram_top_eigs(self) -> np.ndarray:
        """Largest eigenvalue of each worker's ``F_i^T F_i / n_i``."""
        return np.array([np.linalg.eigvalsh(Fi.T @ Fi * wi[0])[-1]
                         for Fi, wi in zip(self.F, self.w)])

    def sample_batch(self, rng: np.random.Generator, batch: int, replace: bool = True) -> np.ndarray:
        """Row indices (N, batch) drawn uniformly from each worker's own rows; (R, N, batch) from the R
        streams of a :class:`~reference_impl.backends.RunStreams` (each run's rows as in its own run).

        ``replace=True``: independent draws, with replacement. ``replace=False``: each worker draws
        ``batch`` distinct rows of its own (a uniformly random subset, returned sorted), vectorised over
        workers at O(batch) cost (:func:`distinct_rows`); ``batch`` must then be at most the smallest
        worker size.
        """
        require_int_in_range("batch", batch, 1, max(1, MAX_ENTRIES // (self.N * self.d)),
                             spec=f"an integer in [1, {max(1, MAX_ENTRIES // (self.N * self.d))}] (the N x batch x d "
                                  "minibatch must fit in memory)")
        if replace:
            return (rng.random((self.N, batch)) * self.sizes[:, None]).astype(np.int64)
        n_min = int(self.sizes.min())
        if batch > n_min:
            raise ValueError(f"batch={batch} without replacement must be in [1, {n_min}] "
                             f"(the smallest worker holds {n_min} rows)")
        return distinct_rows(rng, self.sizes, batch)

    # -- F on the real rows (one matrix-vector product) --------------------------------------------
    @functools.cached_property
    def design(self) -> "RowDesign":
        """All real rows stacked (padding dropped), with the weight ``1/(N n_i)`` of each row."""
        return RowDesign.of_padded(self.F, self.t, self.sizes)

    def _rows(self, xp):
        key = ("rows", xp.name)
        if key not in self._cache:
            D = self.design
            self._cache[key] = (xp.asarray(D.A), xp.asarray(D.y), xp.asarray(D.wts))
        return self._cache[key]

    def loss(self, xp, x):
        """F(x) from the stacked real rows (one mat-vec); exact backend and (N, d) inputs: the worker path;
        numpy with :meth:`use_sparse_rows`: :meth:`losses` at the one point."""
        if xp.exact or len(tuple(x.shape)) != 1:
            return super().loss(xp, x)
        if self.sparse_rows is not None and xp.name == "numpy":
            return self.losses(np.asarray(x)[None, :])[0]
        A, t, wts = self._rows(xp)
        return (wts * self._row_losses(xp, A @ x, t)).sum() + self.lam * xp.sqnorm(x) / 2

    def grad(self, xp, x):
        """grad F(x) from the stacked real rows (two mat-vecs); exact backend: the worker path."""
        if xp.exact or len(tuple(x.shape)) != 1:
            return super().grad(xp, x)
        A, t, wts = self._rows(xp)
        return A.T @ (wts * self._row_slopes(xp, A @ x, t)) + self.lam * x

    def losses(self, X: np.ndarray) -> np.ndarray:
        """F at each row of ``X`` (R, d), numpy float64: one matrix-matrix product for R points (the
        recording of R batched runs). Equal to :meth:`loss` up to the rounding of the BLAS kernel; with
        :meth:`use_sparse_rows`, through the sparse rows and bit for bit :meth:`loss` at each point (every
        point's value is summed on its own, pairwise), so it does not depend on how many points share
        the call: batched and separate runs, in one process or several, record the same F."""
        X = np.asarray(X, dtype=np.float64)
        D = self.design
        if self.sparse_rows is None:
            return D.wts @ self._row_losses(_numpy(), D.A @ X.T, D.y[:, None]) + self.lam * (X * X).sum(axis=1) / 2
        weighted = D.wts[:, None] * self._row_losses(_numpy(), self.sparse_rows.margins(X), D.y[:, None])
        return np.ascontiguousarray(weighted.T).sum(axis=1) + self.lam * (X * X).sum(axis=1) / 2


def per_run(xp, fn, z):
    """``fn(z)`` for an elementwise ``fn``, applied to each run's trailing (N, n) block separately when z
    has a run axis on torch's CPU backend: torch's vectorised sigmoid rounds an element differently by
    its position in the tensor (SIMD body or scalar tail, measured), and each run of a stack must get
    exactly the values of its own run. numpy's kernels (and one run's (N, n) arrays) go straight to fn."""
    if len(tuple(z.shape)) <= 2 or getattr(getattr(xp, "device", None), "type", None) != "cpu":
        return fn(z)
    blocks = z.reshape(-1, *z.shape[-2:])
    return xp.stack([fn(b) for b in blocks]).reshape(z.shape)


def distinct_rows(rng: np.random.Generator, sizes: np.ndarray, batch: int) -> np.ndarray:
    """For each worker i, ``batch`` distinct indices in ``[0, sizes[i])``, uniformly (sorted per row).

    O(batch) work per worker: draw ``batch`` indices with replacement, then redraw the duplicates (with
    replacement, among all indices) until none is left. Every step treats the indices symmetrically, so
    the resulting set is a uniformly random ``batch``-subset (tested by exact inclusion probabilities and
    a chi-squared test over all subsets). Expected redraws per round: about ``batch^2 / (2 n_i)``; when
    ``batch`` exceeds a quarter of a worker's rows (where redrawing would take many rounds) the subset is
    the ``batch`` smallest of ``n_max`` uniform keys per worker (padding keys last), also uniform.
    With a :class:`~reference_impl.backends.RunStreams` of R runs: (R, N, batch), each run's rows exactly
    those of its own generator (a run without duplicates left draws nothing more).
    """
    sizes = np.asarray(sizes, dtype=np.int64)
    N = sizes.size
    if 4 * batch > int(sizes.min()):
        keys = rng.random((N, int(sizes.max())))
        keys[..., np.arange(keys.shape[-1])[None, :] >= sizes[:, None]] = 2.0      # padding rows never drawn
        return np.sort(np.argpartition(keys, batch - 1, axis=-1)[..., :batch], axis=-1).astype(np.int64)
    rows = (rng.random((N, batch)) * sizes[:, None]).astype(np.int64)
    flat = rows.reshape(-1, batch)                  # (R N, batch) view: worker of row q is q % N
    counts = np.zeros(rows.size // (N * batch), dtype=np.int64)
    while True:
        flat.sort(axis=-1)
        if _count_duplicates(flat, N, counts) == 0:               # each run's entries equal to their left one
            return rows
        if rows.ndim == 2:
            redraw = rng.random(int(counts[0]))
        else:                                       # R runs: each run redraws its own duplicates
            redraw = rng.random_ragged(counts)
        _redraw_duplicates(flat, sizes, redraw)     # in row-major order, as rows[dup] = ... would


@compiled
def _count_duplicates(rows, n_workers, counts):
    """``counts[run]``: the entries of the sorted ``rows`` (M, b) equal to their left neighbour, in the
    rows of each run (rows q with ``q // n_workers == run``); returns their total."""
    total = 0
    counts[:] = 0
    for q in range(rows.shape[0]):
        for j in range(1, rows.shape[1]):
            if rows[q, j] == rows[q, j - 1]:
                counts[q // n_workers] += 1
                total += 1
    return total


@compiled
def _redraw_duplicates(rows, sizes, redraw):
    """Replace each entry equal to its left neighbour (row-major order) by ``floor(u * n_i)`` with the next
    uniform ``u`` of ``redraw`` (worker ``i = q % N`` of row q): what ``rows[dup] = (redraw *
    sizes[who]).astype(int64)`` gives, the comparisons made on the rows before any replacement."""
    n_workers, t = sizes.shape[0], 0
    for q in range(rows.shape[0]):
        previous = rows[q, 0]
        for j in range(1, rows.shape[1]):
            current = rows[q, j]
            if current == previous:
                rows[q, j] = np.int64(redraw[t] * sizes[q % n_workers])
                t += 1
            previous = current


class LeastSquaresProblem(_PaddedDataProblem):
    """``f_i(x) = ||F_i x - t_i||^2 / (2 n_i) + lam ||x||^2 / 2``."""

    def __init__(self, features, targets, lam: float = 0.0, name: str = "least-squares") -> None:
        super().__init__(features, targets, lam, name)
        self.L_i = self._gram_top_eigs() + self.lam
        self.L = float(self.L_i.max())
        F_all = np.concatenate([Fi[: n] for Fi, n in zip(self.F, self.sizes)])
        H = sum(Fi.T @ Fi * wi[0] for Fi, wi in zip(self.F, self.w)) / self.N + self.lam * np.eye(self.d)
        self.mu = float(np.linalg.eigvalsh(H)[0])
        self._H = H
        self._F_all = F_all

    def worker_grads(self, xp, X):
        F, t, w = self._data(xp)
        r = (F @ X[..., None])[..., 0] - t                     # (N, n) (or (R, N, n))
        return (F * (w * r)[..., None]).sum(axis=-2) + self.lam * X

    def worker_losses(self, xp, X):
        F, t, w = self._data(xp)
        r = (F @ X[..., None])[..., 0] - t
        return (w * r * r).sum(axis=-1) / 2 + self.lam * xp.sqnorm(X) / 2

    def stochastic_worker_grads(self, xp, X, rows: np.ndarray):
        """Unbiased gradient estimates from the sampled rows ``rows`` (N, b) of each worker (X (N, d));
        with a run axis X (R, N, d) and rows (R, N, b)."""
        Fb, tb = self._gather(xp, rows)                           # (N, b, d), (N, b)
        r = (Fb @ X[..., None])[..., 0] - tb
        return (r[..., None, :] @ Fb)[..., 0, :] / rows.shape[-1] + self.lam * X   # batched mat-vecs, no temporary

    @staticmethod
    def _row_losses(xp, z, t):
        return (z - t) ** 2 / 2

    @staticmethod
    def _row_slopes(xp, z, t):
        return z - t

    @functools.cached_property
    def x_star(self) -> np.ndarray:
        rhs = sum(Fi.T @ (ti * wi) for Fi, ti, wi in zip(self.F, self.t, self.w)) / self.N
        return scipy.linalg.solve(self._H, rhs, assume_a="pos")

    @functools.cached_property
    def f_star(self) -> float:
        return float(self.loss(_numpy(), self.x_star))


class LogisticProblem(_PaddedDataProblem):
    """``f_i(x) = (1/n_i) sum_j log(1 + exp(-y_j a_j^T x)) + lam ||x||^2 / 2``, labels in {-1, +1}.

    ``L_i = lambda_max(A_i^T A_i) / (4 n_i) + lam`` (spectral norm), ``mu = lam``; the optimum by
    Newton's method to gradient norm 1e-12 (cached).

    ``lam = 0`` (plain logistic regression, as in 004's convex experiments) is allowed: then
    ``mu = 0`` (f is convex, not strongly convex) and a minimiser exists only when the data are not
    linearly separable; Newton's method then still finds it (an error says so when it does not).
    :meth:`stochastic_worker_grads` gives minibatch gradients like :class:`LeastSquaresProblem`'s.
    """

    def __init__(self, features, labels, lam: float, name: str = "logistic") -> None:
        for i, y in enumerate(labels if _is_worker_list(labels) else []):
            y = np.asarray(y, dtype=object).ravel()
            ok = np.isin(y, (-1.0, 1.0))
            if not np.all(ok):
                row = int(np.flatnonzero(~ok)[0])
                raise ValueError(f"worker {i}: logistic labels must be -1 or +1, got {y[row]!r} in row {row}")
        require_nonnegative_finite("regularisation lam", lam)
        super().__init__(features, labels, lam, name, target_name="labels")
        self.L_i = self._gram_top_eigs() / 4 + self.lam
        self.L = float(self.L_i.max())
        self.mu = self.lam

    def worker_grads(self, xp, X):
        F, y, w = self._data(xp)
        margins = y * (F @ X[..., None])[..., 0]
        coef = -w * y * per_run(xp, xp.sigmoid, -margins)
        return (F * coef[..., None]).sum(axis=-2) + self.lam * X

    def worker_losses(self, xp, X):
        F, y, w = self._data(xp)
        margins = y * (F @ X[..., None])[..., 0]
        return (w * xp.log1pexp(-margins)).sum(axis=-1) + self.lam * xp.sqnorm(X) / 2

    def stochastic_worker_grads(self, xp, X, rows: np.ndarray):
        """Unbiased gradient estimates from the sampled rows ``rows`` (N, b) of each worker (X (N, d));
        with a run axis X (R, N, d) and rows (R, N, b). On numpy with
        :meth:`~reference_impl.problems._PaddedDataProblem.use_sparse_rows`, through the sparse rows
        (O(nonzeros))."""
        if self.sparse_rows is not None and xp.name == "numpy":
            yb = self.t.reshape(-1)[self._flat_rows(rows)]
            z = self.sparse_rows.row_products(X, rows)
            coef = -yb * xp.sigmoid(-yb * z)
            return self.sparse_rows.weighted_row_sums(coef, rows) / rows.shape[-1] + self.lam * X
        Fb, yb = self._gather(xp, rows)                           # (N, b, d), (N, b)
        margins = yb * (Fb @ X[..., None])[..., 0]
        coef = -yb * per_run(xp, xp.sigmoid, -margins)
        return (coef[..., None, :] @ Fb)[..., 0, :] / rows.shape[-1] + self.lam * X  # batched mat-vecs, no temporary

    @staticmethod
    def _row_losses(xp, z, y):
        return xp.log1pexp(-y * z)

    @staticmethod
    def _row_slopes(xp, z, y):
        return -y * xp.sigmoid(-y * z)

    def optimum(self, tol: float = 1e-12, max_iter: int = 200, design: "RowDesign | None" = None) -> dict:
        """The optimum by damped Newton's method in the data's row space (:func:`row_space_newton`).

        Works for ``lam >= 0``, also for plain logistic regression (``lam = 0``) on rank-deficient or
        quasi-separable data, where the plain Newton iteration meets a singular Hessian. ``design``: a
        factored design of the same rows (:meth:`RowDesign.standardized`) for cheaper Hessians.
        """
        return row_space_newton(self, tol, max_iter, design)

    @functools.cached_property
    def x_star(self) -> np.ndarray:
        return self.optimum()["x"]

    @functools.cached_property
    def f_star(self) -> float:
        return float(self.loss(_numpy(), self.x_star))


# =============================================================================================
# The optimum of a logistic problem: one solver for every work
# =============================================================================================
class RowDesign:
    """The data of ``F = (1/N) sum_i f_i`` as one design: rows ``a_j``, labels/targets ``y_j``, row
    weights ``wts_j = 1/(N n_i)``; applied densely (``A``) or factored as ``A = P T`` with a sparse
    ``P`` (the raw LIBSVM rows with a column of ones) and the dense standardisation map ``T``, which
    makes a Hessian ``T^T (P^T D P) T`` cheap for sparse data."""

    def __init__(self, y, wts, A=None, P=None, T=None) -> None:
        self.y, self.wts, self.A, self.P, self.T = y, wts, A, P, T

    @classmethod
    def of_padded(cls, F, t, sizes) -> "RowDesign":
        """The real rows of padded per-worker data (N, n_max, d), in worker order."""
        N = len(sizes)
        A = np.concatenate([F[i, :n] for i, n in enumerate(sizes)])
        y = np.concatenate([t[i, :n] for i, n in enumerate(sizes)])
        w = np.concatenate([np.full(int(n), 1.0 / (N * int(n))) for n in sizes])
        return cls(y, w, A=A)

    @classmethod
    def standardized(cls, X_sparse, y, worker_indices) -> "RowDesign":
        """The design of :func:`~reference_impl.data.standardize_with_bias` data, factored through the
        sparse X: ``[1, (X - 1 m^T) S^{-1}] = [1, X] T`` with ``T = [[1, -m^T S^{-1}], [0, S^{-1}]]``
        (constant columns: ``S^{-1} = 0``), m and S the column means and population deviations; rows
        in the order of ``worker_indices`` (one index array per worker)."""
        import scipy.sparse as sp

        X = sp.csr_matrix(X_sparse, dtype=np.float64)
        n, d = X.shape
        mean = np.asarray(X.mean(axis=0)).ravel()
        var = np.asarray(X.multiply(X).mean(axis=0)).ravel() - mean**2
        const = (X.max(axis=0).toarray().ravel() == X.min(axis=0).toarray().ravel())
        inv = np.where(const, 0.0, 1.0 / np.sqrt(np.maximum(var, 1e-300)))
        T = np.zeros((d + 1, d + 1))
        T[0, 0] = 1.0
        T[0, 1:] = -mean * inv
        T[1:, 1:] = np.diag(inv)
        order = np.concatenate(worker_indices)
        P = sp.hstack([sp.csr_matrix(np.ones((n, 1))), X]).tocsr()[order]
        N = len(worker_indices)
        w = np.concatenate([np.full(len(i), 1.0 / (N * len(i))) for i in worker_indices])
        return cls(np.asarray(y, float)[order], w, P=P, T=T)

    def matvec(self, x):
        return self.A @ x if self.A is not None else self.P @ (self.T @ x)

    def rmatvec(self, r):
        return self.A.T @ r if self.A is not None else self.T.T @ (self.P.T @ r)

    def gram(self, c):
        """``sum_j c_j a_j a_j^T``."""
        if self.A is not None:
            return (self.A * c[:, None]).T @ self.A
        M = (self.P.T @ self.P.multiply(c[:, None]).tocsr()).toarray()
        return self.T.T @ M @ self.T

    def logistic_value_grad(self, x, lam: float = 0.0):
        """``F(x)``, ``grad F(x)`` and the sigmoids ``s_j = sigma(-y_j a_j^T x)`` of the logistic loss."""
        z = self.y * self.matvec(x)
        loss = float(self.wts @ np.logaddexp(0.0, -z)) + lam * float(x @ x) / 2
        s = scipy.special.expit(-z)
        return loss, self.rmatvec(-self.wts * self.y * s) + lam * x, s


def row_space_newton(problem: "LogisticProblem", tol: float = 1e-12, max_iter: int = 200,
                     design: RowDesign | None = None) -> dict:
    """The logistic optimum by damped Newton's method, to ``||grad F|| <= tol`` (BLAS on one thread).

    Two things make the plain Newton iteration fail on real data with ``lam = 0``. (1) Exact
    collinearities (standardised one-hot groups against the bias column, all-zero constant columns)
    make the Hessian singular everywhere: we work in the row space of the data (eigenvectors of the Gram
    matrix above ``1e-8`` of its largest eigenvalue; on a9a, phishing and w8a the exact collinearities
    sit below ``3e-13`` and the data's genuine directions above ``4e-4``), where the gradient lies
    (with ``lam > 0`` too: from ``x = 0`` every iterate stays there). (2) Along (quasi-)separable
    directions F keeps decreasing and its infimum is not attained (the Hessian's smallest eigenvalue
    there decays like the gradient); Newton's iterates still approach F*, and we stop at gradient norm
    ``tol``. A backtracking line search (Armijo on F, or a halved gradient norm once F's decrease is
    below its rounding; never an increase of F) keeps the steps safe; curvatures below the eigen-solver's
    resolution are clamped there. If no step decreases F any more (the double-precision floor) the
    method stops, accepting a gradient norm up to ``10 tol``, else raises RuntimeError (also after
    ``max_iter`` steps, e.g. on linearly separable data, where no minimiser exists).

    Values and gradients use the problem's own rows (:attr:`~_PaddedDataProblem.design`); the Hessians
    may come from ``design``, a factored design of the same rows in the same order. Returns ``x``,
    ``f_star`` (= F(x) by the problem's own loss), ``grad_norm`` (of ``problem.grad``), ``iterations``,
    ``row_rank``, ``min_curvature`` (the Hessian's smallest eigenvalue in the row space at the end: ~0
    when the infimum is not attained) and ``x_norm``.
    """
    from threadpoolctl import threadpool_limits

    require(isinstance(problem, LogisticProblem), f"problem must be a LogisticProblem, got {type(problem).__name__}")
    require_positive_finite("tol", tol)
    max_iter = require_int_in_range("max_iter", max_iter, 1)
    require(design is None or isinstance(design, RowDesign),
            f"design must be None or a RowDesign of the problem's rows, got {type(design).__name__}")
    with threadpool_limits(limits=1):
        return _row_space_newton(problem, float(tol), max_iter, design)


def _row_space_newton(problem, tol, max_iter, design) -> dict:
    dense, lam_reg = problem.design, float(problem.lam)
    curv = dense if design is None else design           # Hessians (and the row space) from here
    if curv.wts.shape != dense.wts.shape or not np.array_equal(curv.y, dense.y):
        raise ValueError("design must hold the problem's rows in the problem's order")
    lam, U = np.linalg.eigh(curv.gram(np.ones_like(curv.wts)))
    V = U[:, lam > 1e-8 * lam[-1]]                       # (d, r) basis of the row space
    x = np.zeros(problem.d)
    f, g, s = dense.logistic_value_grad(x, lam_reg)
    lam_min = float("nan")
    it = 0
    while np.linalg.norm(g) > tol:
        if it == max_iter:
            raise RuntimeError(f"Newton's method did not reach ||grad F|| <= {tol} in {max_iter} steps "
                               f"(last {np.linalg.norm(g):.3g})"
                               + ("; with lam=0: are the data linearly separable?" if lam_reg == 0 else ""))
        it += 1
        H = V.T @ curv.gram(curv.wts * s * (1 - s)) @ V + lam_reg * np.eye(V.shape[1])
        mu, W = np.linalg.eigh(H)
        lam_min = float(mu[0])
        # curvatures below the eigen-solver's resolution (eps * largest) are not trusted: clamped there
        step = V @ (W @ ((W.T @ (V.T @ g)) / np.maximum(mu, 4e-16 * mu[-1])))
        t, accepted = 1.0, False
        while t >= 1e-10:
            f_new, g_new, s_new = dense.logistic_value_grad(x - t * step, lam_reg)
            if f_new <= f - 1e-4 * t * float(g @ step) or (
                    f_new <= f + 4e-16 * abs(f) and np.linalg.norm(g_new) < 0.5 * np.linalg.norm(g)):
                accepted = True
                break
            t /= 2
        if not accepted:      # no decrease left at double precision: the gradient floor is reached
            if np.linalg.norm(g) <= 10 * tol:
                break
            raise RuntimeError(f"Newton's method stalled at ||grad F|| = {np.linalg.norm(g):.3g} > 10 tol "
                               f"(tol = {tol})")
        x, f, g, s = x - t * step, f_new, g_new, s_new
    grad_norm = float(np.linalg.norm(problem.grad(_numpy(), x)))
    return dict(x=x, f_star=float(problem.loss(_numpy(), x)), grad_norm=grad_norm, iterations=it,
                row_rank=int(V.shape[1]), min_curvature=lam_min, x_norm=float(np.linalg.norm(x)))


def _is_worker_list(value) -> bool:
    """A list/tuple (or an array) of per-worker arrays; not a string, not a scalar."""
    return isinstance(value, (list, tuple, np.ndarray)) and not (isinstance(value, np.ndarray) and value.ndim < 1)


def split_rows(X: np.ndarray, y: np.ndarray, worker_indices: Sequence[np.ndarray]):
    """Per-worker (features, targets) lists from row-index arrays."""
    return [X[idx] for idx in worker_indices], [y[idx] for idx in worker_indices]


def _numpy():
    from reference_impl.backends import NUMPY

    return NUMPY
