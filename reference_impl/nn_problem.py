"""A neural network as a :class:`~reference_impl.problems.DistributedProblem`: every algorithm file trains it.

``f(x) = (1/N) sum_i f_i(x)``, where ``x`` (dimension ``d``) is the flattened parameter vector of a
``torch.nn`` module (:mod:`reference_impl.models`) and ``f_i`` the mean softmax cross-entropy over worker
i's images. The interface is the one the algorithms call, unchanged:

* :meth:`NeuralNetworkProblem.worker_grads` ``(xp, X)`` - ``X`` of shape (N, d), one point per worker
  (the same row repeated for a broadcast model); returns the (N, d) matrix of exact local gradients
  (each worker's whole data, in fixed chunks of ``chunk`` images);
* :meth:`NeuralNetworkProblem.stochastic_worker_grads` ``(xp, X, rows)`` - minibatch gradients from the
  rows ``rows`` (N, b) drawn by :meth:`NeuralNetworkProblem.sample_batch`;
* :meth:`NeuralNetworkProblem.worker_losses`, ``x0``, ``broadcast``/``grad``/``loss`` (inherited).

**One pass over all workers.** The per-worker gradients are computed in one vectorised call,
``torch.func.vmap(torch.func.grad(loss_i))`` over the worker axis of ``(X, images, labels)``, with the
module evaluated by ``torch.func.functional_call`` on the unflattened row ``X[i]`` - no Python loop over
workers. When every row of ``X`` is the same point (the algorithms of 004 broadcast one model), the
parameters are not batched (``in_dims=None``): the convolutions then run once on all ``N b`` images
with shared weights and only the weight gradients are split per worker.

**Precision.** The network is evaluated in ``dtype`` (float32 by default, as deep learning is run;
float64 for the exactness tests), and the gradients are returned in the backend's dtype (float64, or
float32 with ``torch_backend(device, "float32")``) on the backend's device. Arrays from the numpy backend (the runner's records) are
accepted and answered in numpy.

**What does not exist for a network, and what stands in for it.** The runner records ``loss - f*``,
``||x - x*||`` and ``||grad f(x)||``. A network has no known minimiser, smoothness or strong-convexity
constant, so: ``f_star = 0`` (the cross-entropy is >= 0, so the recorded "loss gap" is the training
loss itself); ``x_star = x0`` (a *reference point*, not a minimiser: the runner's ``dist`` column is
``||x_k - x_0||``, the distance travelled, and its divergence test compares against 1e100); ``L = inf``
(a ReLU network is not L-smooth; the algorithms' ``gamma >= 2/L`` warning then always fires, which is
honest: no step size is covered by a smoothness theorem); ``mu = 0`` (non-convex).
``||grad f(x)||`` is the full-gradient norm on the training data, the stationarity measure of the
non-convex theorems.

BatchNorm (ResNet-20): per worker, from the worker's own minibatch (see :mod:`reference_impl.models`).
"""
from __future__ import annotations

import functools
import math
from typing import Any, Sequence

import numpy as np
import torch
from torch.func import functional_call, grad, vmap

from reference_impl import models as M
from reference_impl.problems import DistributedProblem, _PaddedDataProblem
from reference_impl.validation import require, require_int_in_range

#: MNIST pixel statistics (mean and standard deviation of the 60000 training images, in [0, 1]), the
#: normalisation of the authors' MNIST loaders.
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
DTYPES = {"float32": torch.float32, "float64": torch.float64}


class NeuralNetworkProblem(DistributedProblem):
    """A ``torch.nn`` module trained on per-worker images: the (N, d) gradients of the flattened parameters.

    Args:
        model: the name of a model of :data:`reference_impl.models.MODELS`.
        images: (N, n, C, H, W) float array, worker i's n images (every worker holds the same number).
        labels: (N, n) integer class labels in [0, classes).
        test: optional (images (m, C, H, W), labels (m,)) for :meth:`accuracy`.
        init_seed: seed of torch's generator when the module's parameters are initialised (``x0``).
        device: ``"cpu"`` or ``"cuda"`` (where the data and the network live).
        dtype: ``"float32"`` (default) or ``"float64"``: the precision of the network's evaluation.
        chunk: images per worker evaluated at once by the exact gradients and losses.
    """

    def __init__(self, model: str, images, labels, *, test=None, init_seed: int = 0, device: str = "cpu",
                 dtype: str = "float32", chunk: int = 256, name: str | None = None) -> None:
        require(dtype in DTYPES, f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
        self.chunk = require_int_in_range("chunk", chunk, 1)
        self.device, self.dtype = torch.device(device), DTYPES[dtype]
        images = np.asarray(images)
        labels = np.asarray(labels)
        require(images.ndim == 5 and images.shape[0] >= 1 and images.shape[1] >= 1,
                f"images must have shape (N, n, C, H, W) with N, n >= 1, got {images.shape}")
        require(labels.shape == images.shape[:2], f"labels must have shape (N, n) = {images.shape[:2]}, got {labels.shape}")
        require(np.all(np.isfinite(images)), "images must be finite")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(init_seed))
            self.module = M.build(model).to(device=self.device, dtype=self.dtype)
        self.model_name = model
        self.classes = self.module(torch.zeros((1,) + images.shape[2:], dtype=self.dtype, device=self.device)).shape[1]
        require(labels.min() >= 0 and labels.max() < self.classes,
                f"labels must lie in [0, {self.classes - 1}], got [{labels.min()}, {labels.max()}]")
        self.N, n = images.shape[:2]
        self.images = torch.as_tensor(images, dtype=self.dtype, device=self.device)
        self.labels = torch.as_tensor(labels, dtype=torch.int64, device=self.device)
        self.test = None if test is None else (torch.as_tensor(np.asarray(test[0]), dtype=self.dtype, device=self.device),
                                               torch.as_tensor(np.asarray(test[1]), dtype=torch.int64, device=self.device))
        self._names = [k for k, _ in self.module.named_parameters()]
        self._shapes = [p.shape for _, p in self.module.named_parameters()]
        self._sizes = [p.numel() for _, p in self.module.named_parameters()]
        self.d = int(sum(self._sizes))
        self._x0 = torch.cat([p.detach().reshape(-1) for p in self.module.parameters()])
        # what sample_batch (shared with the data problems) reads: rows per worker, weights of real rows
        self.sizes = np.full(self.N, n)
        self.w = np.full((self.N, n), 1.0 / n)
        self.L, self.mu, self.f_star = math.inf, 0.0, 0.0
        self.name = name or f"{model}(N={self.N}, n={n}, {dtype})"
        self._grad_fn = grad(self._loss_one)

    # -- parameters --------------------------------------------------------------------------------------
    def _params(self, theta) -> dict[str, Any]:
        """The module's parameters as views of one flat vector ``theta`` (d,)."""
        return {k: v.view(s) for k, v, s in zip(self._names, torch.split(theta, self._sizes), self._shapes)}

    @property
    def layer_sizes(self) -> list[int]:
        """The sizes of the parameter tensors, in the order of ``x`` (the blocks of layer-wise compression)."""
        return list(self._sizes)

    def x0(self, xp):
        return _out(xp, self._x0)

    @property
    def x_star(self) -> np.ndarray:
        """Not a minimiser: the reference point ``x0`` (see the module docstring)."""
        return self._x0.double().cpu().numpy()

    # -- the per-worker loss, its gradient, vectorised over workers -----------------------------------------
    def _loss_one(self, theta, xb, yb):
        logits = functional_call(self.module, self._params(theta), (xb,))
        return torch.nn.functional.cross_entropy(logits, yb)

    def _points(self, X):
        """``(theta, in_dim)``: the model-precision points, and None when all N rows are one point."""
        T = torch.as_tensor(X).to(device=self.device, dtype=self.dtype)
        if T.ndim == 1:
            return T, None
        require(tuple(T.shape) == (self.N, self.d), f"X must have shape ({self.N}, {self.d}), got {tuple(T.shape)}")
        if self.N == 1 or bool((T == T[:1]).all()):
            return T[0], None
        return T, 0

    def _grads(self, X, xb, yb):
        theta, dim = self._points(X)
        return vmap(self._grad_fn, in_dims=(dim, 0, 0))(theta, xb, yb)

    def _losses(self, X, xb, yb):
        theta, dim = self._points(X)
        with torch.no_grad():
            return vmap(self._loss_one, in_dims=(dim, 0, 0))(theta, xb, yb)

    def _chunked(self, fn, X):
        """``fn`` over each worker's whole data in chunks of ``chunk`` images, weighted by chunk size."""
        n = self.images.shape[1]
        total = None
        for s in range(0, n, self.chunk):
            part = fn(X, self.images[:, s:s + self.chunk], self.labels[:, s:s + self.chunk])
            part = part * (min(self.chunk, n - s) / n)
            total = part if total is None else total + part
        return total

    def worker_grads(self, xp, X):
        return _out(xp, self._chunked(self._grads, X))

    def worker_losses(self, xp, X):
        return _out(xp, self._chunked(self._losses, X))

    def stochastic_worker_grads(self, xp, X, rows: np.ndarray):
        """Minibatch gradients: worker i averages over its images ``rows[i]`` (N, b)."""
        idx = torch.as_tensor(np.asarray(rows, dtype=np.int64), device=self.device)
        w = torch.arange(self.N, device=self.device)[:, None]
        return _out(xp, self._grads(X, self.images[w, idx], self.labels[w, idx]))

    def sample_batch(self, rng: np.random.Generator, batch: int, replace: bool = True) -> np.ndarray:
        """Row indices (N, batch) per worker, drawn as by the data problems (the same rule, shared)."""
        return _PaddedDataProblem.sample_batch(self, rng, batch, replace)

    # -- evaluation ----------------------------------------------------------------------------------------
    def predictions(self, x, images) -> torch.Tensor:
        """Class predictions of the model ``x`` (d,) on ``images`` (m, C, H, W), in chunks of 1000."""
        theta = torch.as_tensor(np.asarray(x) if not torch.is_tensor(x) else x).to(device=self.device, dtype=self.dtype)
        params = self._params(theta)
        with torch.no_grad():
            return torch.cat([functional_call(self.module, params, (images[s:s + 1000],)).argmax(dim=1)
                              for s in range(0, images.shape[0], 1000)])

    def accuracy(self, x, which: str = "test") -> float:
        """Fraction of correctly classified images: ``"test"`` (the test set) or ``"train"`` (all workers)."""
        require(which in ("test", "train"), f"which must be 'test' or 'train', got {which!r}")
        if which == "test":
            require(self.test is not None, f"{self.name} has no test set")
            images, labels = self.test
        else:
            images, labels = self.images.reshape((-1,) + self.images.shape[2:]), self.labels.reshape(-1)
        return float((self.predictions(x, images) == labels).double().mean())


def _out(xp, T):
    """A model-precision tensor as the backend's array: torch in the backend's dtype on its device, or numpy
    float64."""
    if hasattr(xp, "torch"):
        return xp.asarray(T.detach())
    return T.detach().to(dtype=torch.float64).cpu().numpy()


# -- MNIST, split over workers ------------------------------------------------------------------------------
SPLITS = ("iid", "heterogeneous")


@functools.lru_cache(maxsize=4)
def _mnist(split: str):
    from reference_impl.data import load_mnist

    images, labels = load_mnist(split)
    x = (images.astype(np.float32) / 255.0 - MNIST_MEAN) / MNIST_STD
    return x[:, None, :, :], labels.astype(np.int64)


def mnist_problem(model: str = "mnist-cnn", n_workers: int = 20, rows_per_worker: int = 100, *,
                  split: str = "iid", test_rows: int = 2000, seed_name: str = "mnist", init_seed: int = 0,
                  device: str = "cpu", dtype: str = "float32", chunk: int = 256) -> NeuralNetworkProblem:
    """MNIST (normalised with the training set's mean and std) over ``n_workers`` workers.

    ``rows_per_worker`` training images per worker (at most ``60000 // n_workers``): ``split="iid"``
    draws them uniformly without replacement (:func:`reference_impl.data.iid_worker_indices` on a random
    subset, the generator seeded from ``seed_name``); ``"heterogeneous"`` sorts the same subset by label
    and cuts it in consecutive pieces, so each worker sees one or two digits (the usual pathological
    non-i.i.d. split). ``test_rows`` images of the test set (a random subset, or all 10000).
    """
    from reference_impl.data import iid_worker_indices
    from reference_impl.runner import seed_from_names

    n_workers = require_int_in_range("n_workers", n_workers, 1, 60000)
    rows_per_worker = require_int_in_range("rows_per_worker", rows_per_worker, 1, 60000 // n_workers)
    test_rows = require_int_in_range("test_rows", test_rows, 1, 10000)
    require(split in SPLITS, f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    Xtr, ytr = _mnist("train")
    Xte, yte = _mnist("test")
    rng = np.random.default_rng(seed_from_names(seed_name, n_workers, rows_per_worker))
    subset = rng.choice(Xtr.shape[0], size=n_workers * rows_per_worker, replace=False)
    if split == "iid":
        parts = [subset[p] for p in iid_worker_indices(subset.size, n_workers, rng)]
    else:
        ordered = subset[np.argsort(ytr[subset], kind="stable")]
        parts = np.split(ordered, n_workers)
    idx = np.stack(parts)
    test_idx = np.arange(10000) if test_rows == 10000 else np.sort(rng.choice(10000, size=test_rows, replace=False))
    return NeuralNetworkProblem(model, Xtr[idx], ytr[idx], test=(Xte[test_idx], yte[test_idx]), init_seed=init_seed,
                                device=device, dtype=dtype, chunk=chunk,
                                name=f"mnist-{model}(N={n_workers}, n={rows_per_worker}, {split}, {dtype})")


def worker_split_labels(problem: NeuralNetworkProblem) -> Sequence[np.ndarray]:
    """The distinct labels each worker holds (to show how heterogeneous a split is)."""
    return [np.unique(problem.labels[i].cpu().numpy()) for i in range(problem.N)]
