"""Problems for the LENA work (003) that :mod:`reference_impl.problems` does not have.

* :class:`ScalarProblem` - ``f_m(x) = phi(x - a_m)`` on R^1 with a rational profile ``phi`` whose
  gradient is bounded (Proposition 1 assumes ``||grad f_m||^2 <= G^2`` everywhere, which excludes
  quadratics): ``"huber"`` (``phi = z^2/2`` for ``|z| <= 1``, ``|z| - 1/2`` otherwise; convex, L = 1,
  G = 1) or ``"rational"`` (``phi = z^2/(1+z^2)``; nonconvex, L = 2, G^2 = 27/64). Gradients and losses
  are rational, so LENA runs exactly on the exact backend. Optional additive gradient noise
  ``sigma * xi`` with ``xi`` uniform on ``{-1, +1}`` (Rademacher: E xi = 0, E xi^2 = 1, so Assumption 3
  holds with equality), drawn from the explicit generator through :meth:`ScalarProblem.sample_batch`.
* :class:`OneVsAllLogistic` - one-versus-all ridge logistic regression (10 classes): the model is the
  (d_in, C) weight matrix flattened to ``d = d_in C``; node m's loss is the mean over its rows of
  ``sum_c log(1 + exp(-y_c x^T w_c))`` with ``y_c = +1`` for its class and -1 otherwise, plus
  ``lam ||w||^2 / 2``. Vectorised over nodes: one batched contraction per gradient.
"""
from __future__ import annotations

import functools
from fractions import Fraction

import numpy as np

from reference_impl.problems import DistributedProblem
from reference_impl.validation import require_finite_rows, require_int_in_range, require_nonnegative_finite

PROFILES = {"huber": (Fraction(1), Fraction(1)), "rational": (Fraction(2), Fraction(27, 64))}


class ScalarProblem(DistributedProblem):
    """``f_m(x) = phi(x - a_m)``, x in R (d = 1), M = len(centers) nodes; see the module docstring."""

    def __init__(self, profile: str, centers, x0=0, sigma=0) -> None:
        if profile not in PROFILES:
            raise ValueError(f"profile must be one of {tuple(PROFILES)}, got {profile!r}")
        self.profile = profile
        self.a = [Fraction(c) for c in centers]
        if not self.a:
            raise ValueError("centers must be a non-empty list")
        self.N, self.d = len(self.a), 1
        self.L_exact, self.G2 = PROFILES[profile]
        self.L = float(self.L_exact)
        self.L_i = np.full(self.N, self.L)
        self.mu = 0.0
        self.x0_value = Fraction(x0)
        self.sigma = Fraction(sigma)
        if self.sigma < 0:
            raise ValueError(f"sigma must be >= 0, got {sigma}")
        self.sizes = np.full(self.N, 2)     # for the batch checks of the algorithms (batch <= 2)
        self.name = f"scalar-{profile}(M={self.N})"

    # profile and its derivative on scalars (exact for Fractions, float otherwise)
    def _phi(self, z):
        if self.profile == "huber":
            return z * z / 2 if abs(z) <= 1 else abs(z) - Fraction(1, 2)
        return z * z / (1 + z * z)

    def _dphi(self, z):
        if self.profile == "huber":
            return z if abs(z) <= 1 else (z - z + 1 if z > 0 else z - z - 1)
        return 2 * z / ((1 + z * z) ** 2)

    def _map(self, xp, X, fn):
        arr = xp.to_numpy(X) if not xp.exact else np.asarray(X, dtype=object)
        out = np.empty((self.N, 1), dtype=object if xp.exact else np.float64)
        for m in range(self.N):
            a = self.a[m] if xp.exact else float(self.a[m])
            out[m, 0] = fn(arr[m, 0] - a)
        return out if xp.exact else xp.asarray(out)

    def worker_grads(self, xp, X):
        return self._map(xp, X, self._dphi)

    def worker_losses(self, xp, X):
        G = self._map(xp, X, self._phi)
        return G[:, 0]

    def x0(self, xp):
        return xp.asarray(np.array([self.x0_value], dtype=object)) if xp.exact else xp.asarray([float(self.x0_value)])

    def sample_batch(self, rng: np.random.Generator, batch: int, replace: bool = True) -> np.ndarray:
        """Rademacher signs (N, batch) in {-1, +1}: the noise of :meth:`stochastic_worker_grads`."""
        return np.where(rng.random((self.N, int(batch))) < 0.5, -1, 1).astype(np.int64)

    def stochastic_worker_grads(self, xp, X, rows):
        G = self.worker_grads(xp, X)
        rows = np.asarray(rows)
        b = rows.shape[1]
        if xp.exact:
            return G + np.array([[self.sigma * Fraction(int(r.sum()), b)] for r in rows], dtype=object)
        return G + xp.asarray(float(self.sigma) * rows.mean(axis=1)[:, None])

    def F(self, x) -> Fraction:
        """F(x) = (1/M) sum_m phi(x - a_m), exactly for a Fraction x."""
        return sum((self._phi(x - a) for a in self.a), Fraction(0)) / self.N

    def gradF(self, x):
        return sum((self._dphi(x - a) for a in self.a), Fraction(0)) / self.N


def _top_gram_eig(X: np.ndarray) -> float:
    """lambda_max(X^T X / n), from the smaller of the two Gram matrices (same nonzero spectrum)."""
    n = X.shape[0]
    gram = X @ X.T if n < X.shape[1] else X.T @ X
    return float(np.linalg.eigvalsh(gram / n)[-1])


def _class_labels(y, n: int, classes: int, worker: int) -> np.ndarray:
    """Labels of one worker as integers in 0..classes-1 (ValueError naming the worker and the row)."""
    try:
        arr = np.asarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"worker {worker}: labels must be integers in [0, {classes - 1}], got {y!r:.60}") from None
    if arr.shape != (n,):
        raise ValueError(f"worker {worker}: labels must have shape ({n},) like its features, got {arr.shape}")
    bad = np.flatnonzero(~np.isfinite(arr) | (arr != np.round(arr)) | (arr < 0) | (arr > classes - 1))
    if bad.size:
        raise ValueError(f"worker {worker}: labels must be integers in [0, {classes - 1}], got {arr[bad[0]]} "
                         f"in row {bad[0]}")
    return arr.astype(int)


class OneVsAllLogistic(DistributedProblem):
    """One-versus-all ridge logistic regression over ``C`` classes (see the module docstring).

    ``features`` (list of (n_m, d_in) arrays), ``labels`` (list of (n_m,) integer arrays in 0..C-1).
    ``L_i`` is ``lambda_max(X_m^T X_m / n_m) / 4 + lam`` (every class block has the same curvature bound).
    """

    def __init__(self, features, labels, lam: float, classes: int = 10, name: str = "one-vs-all logistic") -> None:
        if not isinstance(features, (list, tuple)) or not isinstance(labels, (list, tuple)) \
                or len(features) != len(labels) or not features:
            raise ValueError("features and labels must be non-empty lists (one array per worker) of equal length")
        require_nonnegative_finite("lam", lam)
        if isinstance(lam, (bool, np.bool_)):
            raise ValueError(f"lam must be a finite real number >= 0, got {lam!r}")
        classes = require_int_in_range("classes", classes, 2, 10**4)
        features = [require_finite_rows("features", f, worker=m) for m, f in enumerate(features)]
        for m, f in enumerate(features):
            if f.ndim != 2 or f.shape[0] == 0 or f.shape[1] != features[0].shape[1] or f.shape[1] == 0:
                raise ValueError(f"worker {m}: features must be a non-empty 2-D array with "
                                 f"{features[0].shape[1:] or 'the same number of'} columns, got shape {f.shape}")
        labels = [_class_labels(y, f.shape[0], classes, m) for m, (f, y) in enumerate(zip(features, labels))]
        self.N, self.din, self.C, self.lam, self.name = len(features), features[0].shape[1], int(classes), float(lam), name
        self.d = self.din * self.C
        self.sizes = np.array([f.shape[0] for f in features])
        n_max = int(self.sizes.max())
        self.Xp = np.zeros((self.N, n_max, self.din))
        self.Y = np.zeros((self.N, n_max, self.C))
        self.wts = np.zeros((self.N, n_max))
        for m, (f, y) in enumerate(zip(features, labels)):
            n = f.shape[0]
            self.Xp[m, :n] = f
            self.Y[m, :n] = np.where(np.arange(self.C)[None, :] == np.asarray(y)[:, None], 1.0, -1.0)
            self.wts[m, :n] = 1.0 / n
        tops = np.array([_top_gram_eig(self.Xp[m, :n]) for m, n in enumerate(self.sizes)])
        self.L_i = tops / 4 + self.lam
        self.L = float(self.L_i.max())
        self.mu = self.lam
        self._cache = {}

    def _data(self, xp):
        if xp.name not in self._cache:
            self._cache[xp.name] = (xp.asarray(self.Xp), xp.asarray(self.Y), xp.asarray(self.wts))
        return self._cache[xp.name]

    def _grads(self, xp, X, Xd, Y, w):
        Wm = X.reshape(self.N, self.din, self.C)
        margins = Y * (Xd @ Wm)                                   # (N, n, C)
        coef = -w[..., None] * Y * xp.sigmoid(-margins)            # (N, n, C)
        G = Xd.transpose(0, 2, 1) @ coef if not hasattr(Xd, "mT") else Xd.mT @ coef
        return G.reshape(self.N, self.d) + self.lam * X

    def worker_grads(self, xp, X):
        Xd, Y, w = self._data(xp)
        return self._grads(xp, X, Xd, Y, w)

    def worker_losses(self, xp, X):
        Xd, Y, w = self._data(xp)
        margins = Y * (Xd @ X.reshape(self.N, self.din, self.C))
        return (w[..., None] * xp.log1pexp(-margins)).sum(axis=(1, 2)) + self.lam * xp.sqnorm(X) / 2

    def sample_batch(self, rng: np.random.Generator, batch: int, replace: bool = False) -> np.ndarray:
        if batch > int(self.sizes.min()):
            raise ValueError(f"batch must be in [1, {int(self.sizes.min())}], got {batch}")
        keys = rng.random(self.wts.shape)
        keys[self.wts == 0] = 2.0
        return np.sort(np.argpartition(keys, batch - 1, axis=1)[:, :batch], axis=1).astype(np.int64)

    def stochastic_worker_grads(self, xp, X, rows):
        Xd, Y, _ = self._data(xp)
        idx = np.arange(self.N)[:, None]
        b = rows.shape[1]
        w = xp.asarray(np.full(rows.shape, 1.0 / b))
        return self._grads(xp, X, Xd[idx, rows], Y[idx, rows], w)

    def predict(self, x: np.ndarray, features: np.ndarray) -> np.ndarray:
        """Class scores ``features @ W`` and their argmax (in the features' dtype: float32 test images are 4x
        cheaper, and a rounding difference can only flip an exact tie)."""
        W = np.asarray(x).reshape(self.din, self.C).astype(features.dtype)
        return np.argmax(features @ W, axis=1)

    @functools.cached_property
    def x_star(self) -> np.ndarray:
        raise NotImplementedError("OneVsAllLogistic has no cached optimum; reproductions estimate F* by a long run")
