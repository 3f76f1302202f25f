"""Test problems of 002's reproductions: smooth nonconvex and multiclass problems (numpy float64).

The draft's experiments are deep networks (CNNs on MNIST and CIFAR-10), which belong to issue 12. These
are the small CPU-sized substitutes (they live here, beside the 002 algorithms, because
``reference_impl/problems.py`` belongs to another work; they follow its interface):

* :class:`NonconvexLogistic` - binary logistic regression plus the nonconvex regulariser
  ``lam sum_j theta_j^2 / (1 + theta_j^2)`` (a standard smooth nonconvex test problem, e.g. Wang, Ji, Zhou,
  Liang, Tarokh 2019 "SpiderBoost"): smooth, nonconvex, with minibatch stochastic gradients.
* :class:`SoftmaxRegression` - multinomial logistic regression (``c`` classes, weights and biases
  flattened, ``d = c (p + 1)``), convex.
* :class:`TwoLayerMLP` - ``softmax(W2 tanh(W1 x + b1) + b2)`` with cross-entropy: smooth, nonconvex.

All take per-worker data (lists, one array per worker, as :class:`reference_impl.problems.LeastSquaresProblem`),
pad them to ``(N, n_max, p)`` and compute every worker's gradient in one batched contraction. They run on
the numpy float64 backend and on torch (CPU or GPU; the same formulas through a small table of operations,
tested against numpy). ``x_star``/``f_star`` are not
minimisers: the nonconvex problems have none in closed form, so the 002 harness
(:mod:`reproductions.compams`) records losses and gradient norms, not gaps.

Bad input is refused when a problem is built, with a ValueError naming the parameter and its range (the
helpers of :mod:`reference_impl.validation`): NaN/inf or non-numbers in the data (naming the worker and the
row), mismatched shapes, labels that are not -1/+1 (:class:`NonconvexLogistic`) or not class indices
``0, ..., n_classes - 1`` (numpy would wrap a -1 silently, torch's gather fails), and counts, seeds or
``lam`` outside their ranges.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from reference_impl.problems import MAX_ENTRIES, DistributedProblem, padded_worker_data
from reference_impl.validation import (require, require_int_in_range,
                                       require_nonnegative_finite)


class _NumpyOps:
    """The array operations of the problems on numpy (the reference path)."""

    tanh, exp, log, einsum = staticmethod(np.tanh), staticmethod(np.exp), staticmethod(np.log), staticmethod(np.einsum)

    @staticmethod
    def logaddexp0(z):
        return np.logaddexp(0.0, z)

    @staticmethod
    def swap(A):
        return A.transpose(0, 2, 1)

    @staticmethod
    def cat(xs):
        return np.concatenate(xs, axis=1)

    @staticmethod
    def amax(A):
        return A.max(axis=2, keepdims=True)

    @staticmethod
    def sum_last(A):
        return A.sum(axis=2, keepdims=True)

    @staticmethod
    def labels(t):
        return t.astype(np.int64)

    @staticmethod
    def take_label(A, lab):
        return np.take_along_axis(A, lab[..., None], axis=2)[..., 0]

    @staticmethod
    def minus_one_at_label(G, lab):
        np.put_along_axis(G, lab[..., None], np.take_along_axis(G, lab[..., None], axis=2) - 1.0, axis=2)
        return G


class _TorchOps:
    """The same operations on torch tensors (CPU or GPU: the backend's device)."""

    def __init__(self, torch):
        self.torch = torch
        self.tanh, self.exp, self.log, self.einsum = torch.tanh, torch.exp, torch.log, torch.einsum

    def logaddexp0(self, z):
        return self.torch.nn.functional.softplus(z)

    def swap(self, A):
        return A.transpose(1, 2)

    def cat(self, xs):
        return self.torch.cat(xs, dim=1)

    def amax(self, A):
        return A.amax(dim=2, keepdim=True)

    def sum_last(self, A):
        return A.sum(dim=2, keepdim=True)

    def labels(self, t):
        return t.long()

    def take_label(self, A, lab):
        return self.torch.gather(A, 2, lab[..., None])[..., 0]

    def minus_one_at_label(self, G, lab):
        return G.scatter_add(2, lab[..., None], -self.torch.ones_like(G[..., :1]))


class _Data(DistributedProblem):
    def __init__(self, features: Sequence[np.ndarray], targets: Sequence[np.ndarray], name: str,
                 target_name: str = "labels") -> None:
        self.F, self.t, self.w, self.sizes = padded_worker_data(features, targets, target_name, dim_name="p")
        self.N, self.p, self.name = self.F.shape[0], self.F.shape[2], name
        self.mu = 0.0

    def _check_classes(self, n_classes: int) -> None:
        """Every label is a class index 0, ..., n_classes - 1 (numpy would wrap a -1 silently, torch fails)."""
        for i, n in enumerate(self.sizes):
            y = self.t[i, :n]
            ok = (y == np.floor(y)) & (y >= 0) & (y < n_classes)
            if not np.all(ok):
                row = int(np.flatnonzero(~ok)[0])
                raise ValueError(f"worker {i}: labels must be class indices 0, ..., {n_classes - 1} (n_classes="
                                 f"{n_classes}), got {y[row]!r} in row {row}")

    def _check_size(self, width: int, what: str) -> None:
        """The (N, n_max, width) activations and the d-vector must fit in memory."""
        n_max = self.F.shape[1]
        require(self.N * n_max * width <= MAX_ENTRIES and self.d * max(self.N, 1) <= MAX_ENTRIES,
                f"{what} must fit in memory: N x n_max x {width} = {self.N} x {n_max} x {width} and d = {self.d} "
                f"(per worker) must stay within {MAX_ENTRIES} entries")

    def _check(self, xp):
        """The data and operations for backend ``xp``: numpy, or torch (tensors cached per device)."""
        if xp.name == "numpy":
            return _NumpyOps, self.F, self.t, self.w
        if getattr(xp, "torch", None) is None:
            raise ValueError(f"{type(self).__name__} runs on the numpy and torch backends, got {xp.name}")
        cache = self.__dict__.setdefault("_torch_cache", {})
        if xp.name not in cache:
            cache[xp.name] = (_TorchOps(xp.torch), xp.asarray(self.F), xp.asarray(self.t), xp.asarray(self.w))
        return cache[xp.name]

    def sample_batch(self, rng: np.random.Generator, batch: int, replace: bool = False) -> np.ndarray:
        """``batch`` distinct rows per worker (uniform), vectorised; as LeastSquaresProblem.sample_batch."""
        n_min = int(self.sizes.min())
        if not 1 <= batch <= n_min:
            raise ValueError(f"batch={batch} must be in [1, {n_min}] (the smallest worker holds {n_min} rows)")
        keys = rng.random(self.w.shape)
        keys[self.w == 0] = 2.0
        return np.sort(np.argpartition(keys, batch - 1, axis=1)[:, :batch], axis=1).astype(np.int64)

    def _rows(self, xp, rows):
        ops, F, t, _ = self._check(xp)
        idx = np.arange(self.N)[:, None]
        b = rows.shape[1]
        if ops is _NumpyOps:
            return ops, F[idx, rows], t[idx, rows], np.full(rows.shape, 1.0 / b)
        ti, tr = (xp.torch.as_tensor(a, device=xp.device) for a in (idx, rows))
        return ops, F[ti, tr], t[ti, tr], xp.asarray(np.full(rows.shape, 1.0 / b))

    def worker_grads(self, xp, X):
        ops, F, t, w = self._check(xp)
        return self._grad(ops, X, F, t, w)

    def stochastic_worker_grads(self, xp, X, rows):
        ops, F, t, w = self._rows(xp, rows)
        return self._grad(ops, X, F, t, w)

    def worker_losses(self, xp, X):
        ops, F, t, w = self._check(xp)
        return self._loss(ops, X, F, t, w)

    @property
    def x_star(self):
        """Not a minimiser (none known): the origin, so that generic tools can run."""
        return np.zeros(self.d)

    @property
    def f_star(self):
        return 0.0


class NonconvexLogistic(_Data):
    """``f_i(theta) = (1/n_i) sum_j log(1 + exp(-y_j a_j^T theta)) + lam sum_j theta_j^2 / (1 + theta_j^2)``.

    Labels in {-1, +1}. Smoothness: the logistic part is ``lambda_max(A_i^T A_i)/(4 n_i)``-smooth and the
    regulariser's second derivative ``2 lam (1 - 3 t^2)/(1 + t^2)^3`` lies in ``[-lam/2, 2 lam]``, so
    ``L_i = lambda_max/(4 n_i) + 2 lam``.
    """

    def __init__(self, features, labels, lam: float = 0.1, name: str = "nonconvex-logistic") -> None:
        require_nonnegative_finite("regularisation lam", lam)
        super().__init__(features, labels, name)
        for i, n in enumerate(self.sizes):
            ok = np.isin(self.t[i, :n], (-1.0, 1.0))
            if not np.all(ok):
                row = int(np.flatnonzero(~ok)[0])
                raise ValueError(f"worker {i}: labels must be -1 or +1, got {self.t[i, row]!r} in row {row}")
        self.d, self.lam = self.p, float(lam)
        tops = [np.linalg.eigvalsh(Fi[:n].T @ Fi[:n] / n)[-1] for Fi, n in zip(self.F, self.sizes)]
        self.L_i = np.array(tops) / 4 + 2 * self.lam
        self.L = float(self.L_i.max())

    def _grad(self, ops, X, F, y, w):
        margins = y * ops.einsum("nbp,np->nb", F, X)
        coef = -w * y * 0.5 * (1 - ops.tanh(0.5 * margins))      # -w y sigmoid(-margin)
        return ops.einsum("nb,nbp->np", coef, F) + self.lam * 2 * X / (1 + X * X) ** 2

    def _loss(self, ops, X, F, y, w):
        margins = y * ops.einsum("nbp,np->nb", F, X)
        return (w * ops.logaddexp0(-margins)).sum(1) + self.lam * (X * X / (1 + X * X)).sum(1)


def _softmax_xent(ops, logits, labels, w):
    """Cross-entropy weights ``w`` (N, b) and its gradient w.r.t. the logits (N, b, c)."""
    z = logits - ops.amax(logits)
    P = ops.exp(z)
    P = P / ops.sum_last(P)
    lab = ops.labels(labels)
    logp = z - ops.log(ops.sum_last(ops.exp(z)))
    loss = -(w * ops.take_label(logp, lab)).sum(1)
    G = ops.minus_one_at_label(P, lab)
    return loss, G * w[..., None]


class SoftmaxRegression(_Data):
    """Multinomial logistic regression, ``theta = (W (c x p), b (c))`` flattened, plus ``lam ||theta||^2 / 2``."""

    def __init__(self, features, labels, n_classes: int = 10, lam: float = 0.0, name: str = "softmax") -> None:
        n_classes = require_int_in_range("n_classes", n_classes, 1)
        require_nonnegative_finite("regularisation lam", lam)
        super().__init__(features, labels, name)
        self.c, self.lam = n_classes, float(lam)
        self.d = self.c * (self.p + 1)
        self._check_size(self.c, "the logits (n_classes)")
        self._check_classes(self.c)
        self.blocks = (self.c * self.p, self.c)          # one Block-Sign block per layer (weights, biases)
        tops = [np.linalg.eigvalsh(np.c_[Fi[:n], np.ones(n)].T @ np.c_[Fi[:n], np.ones(n)] / n)[-1]
                for Fi, n in zip(self.F, self.sizes)]
        self.L = float(max(tops)) / 2 + self.lam       # the softmax Hessian is <= (1/2) I (per sample)

    def _split(self, X):
        N = X.shape[0]
        return X[:, :self.c * self.p].reshape(N, self.c, self.p), X[:, self.c * self.p:]

    def logits(self, X, F, ops=_NumpyOps):
        W, b = self._split(X)
        return F @ ops.swap(W) + b[:, None, :]

    def _grad(self, ops, X, F, y, w):
        _, G = _softmax_xent(ops, self.logits(X, F, ops), y, w)
        gW = (ops.swap(G) @ F).reshape(X.shape[0], -1)
        return ops.cat([gW, G.sum(1)]) + self.lam * X

    def _loss(self, ops, X, F, y, w):
        loss, _ = _softmax_xent(ops, self.logits(X, F, ops), y, w)
        return loss + self.lam * (X * X).sum(1) / 2

    def predict(self, theta, F):
        """Predicted classes of the rows ``F`` (numpy) at ``theta`` (numpy)."""
        return self.logits(np.asarray(theta)[None], np.asarray(F)[None])[0].argmax(axis=1)


class TwoLayerMLP(_Data):
    """``softmax(W2 tanh(W1 x + b1) + b2)`` with cross-entropy; ``theta = (W1, b1, W2, b2)`` flattened.

    ``x0`` is a small random initialisation (scaled like Glorot's uniform rule) drawn from the seed
    ``init_seed``, so that every algorithm starts from the same point.
    """

    def __init__(self, features, labels, hidden: int = 32, n_classes: int = 10, init_seed: int = 0,
                 name: str = "mlp") -> None:
        hidden = require_int_in_range("hidden", hidden, 1, spec="an integer >= 1 (hidden units)")
        n_classes = require_int_in_range("n_classes", n_classes, 1)
        init_seed = require_int_in_range("init_seed", init_seed, 0, spec="an integer >= 0 (a numpy seed)")
        super().__init__(features, labels, name)
        self.h, self.c = hidden, n_classes
        self.blocks = (self.h * self.p, self.h, self.c * self.h, self.c)
        self.d = sum(self.blocks)
        self._check_size(max(self.h, self.c), "the activations (hidden, n_classes)")
        self._check_classes(self.c)
        rng = np.random.default_rng(init_seed)
        a1, a2 = np.sqrt(6 / (self.p + self.h)), np.sqrt(6 / (self.h + self.c))
        self._x0 = np.concatenate([rng.uniform(-a1, a1, self.h * self.p), np.zeros(self.h),
                                   rng.uniform(-a2, a2, self.c * self.h), np.zeros(self.c)])
        self.L = float("nan")   # no useful global smoothness constant is computed for the network

    def x0(self, xp):
        self._check(xp)
        return xp.asarray(self._x0.copy())

    def _split(self, X):
        N, o = X.shape[0], np.cumsum((0,) + self.blocks)
        return (X[:, o[0]:o[1]].reshape(N, self.h, self.p), X[:, o[1]:o[2]],
                X[:, o[2]:o[3]].reshape(N, self.c, self.h), X[:, o[3]:o[4]])

    def _forward(self, X, F, ops=_NumpyOps):
        W1, b1, W2, b2 = self._split(X)
        H = ops.tanh(F @ ops.swap(W1) + b1[:, None, :])
        return H, H @ ops.swap(W2) + b2[:, None, :]

    def _grad(self, ops, X, F, y, w):
        W1, _, W2, _ = self._split(X)
        H, logits = self._forward(X, F, ops)
        _, G = _softmax_xent(ops, logits, y, w)
        gW2 = ops.swap(G) @ H
        D = (G @ W2) * (1 - H * H)
        gW1 = ops.swap(D) @ F
        N = X.shape[0]
        return ops.cat([gW1.reshape(N, -1), D.sum(1), gW2.reshape(N, -1), G.sum(1)])

    def _loss(self, ops, X, F, y, w):
        _, logits = self._forward(X, F, ops)
        loss, _ = _softmax_xent(ops, logits, y, w)
        return loss

    def predict(self, theta, F):
        return self._forward(np.asarray(theta)[None], np.asarray(F)[None])[1][0].argmax(axis=1)
