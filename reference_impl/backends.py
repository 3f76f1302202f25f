"""Array backends: one algorithm implementation runs on numpy float64, exact rationals and torch.

Algorithms never call numpy directly; they receive a backend ``xp`` and use only the operations
below. Worker quantities carry a worker axis ``(N, d)``; R independent runs advanced as one computation
(:mod:`reference_impl.batched`) add a leading run axis, ``(R, N, d)``, ``(R, d)``: run-agnostic code
indexes the worker axis as -2 and the coordinates as -1, so the same line serves both.

* :data:`NUMPY` - numpy float64.
* :data:`EXACT` - numpy object arrays of :class:`fractions.Fraction`. Every rational operation is
  exact; operations that are not rational (:meth:`Backend.sqrt`) raise :class:`NotRational`, so an
  algorithm that needs them says so instead of silently rounding.
* :func:`torch_backend` - torch float64 (or float32) tensors on a device (CPU here, GPU on the device machine).

Randomness always comes from an explicit ``numpy.random.Generator`` (drawn on the host, then moved
to the backend), so a run replays bit for bit on every backend. For R stacked runs, :class:`RunStreams`
holds their R generators behind the same methods: a draw of the per-run shape ``s`` returns ``(R, *s)``,
row r drawn from run r's generator, so each run sees exactly the draws of its separate run.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np


class NotRational(ArithmeticError):
    """Raised by the exact backend for an operation whose result is not rational (sqrt, log)."""


class Backend:
    """numpy float64 backend; the base of the others."""

    name = "numpy"
    exact = False

    # -- construction -------------------------------------------------------------------------
    def asarray(self, x: Any) -> Any:
        return np.asarray(x, dtype=np.float64)

    def zeros(self, shape: tuple[int, ...]) -> Any:
        return np.zeros(shape, dtype=np.float64)

    def scalar(self, x: Any) -> Any:
        """A scalar in the backend's number type (float, or Fraction for the exact backend)."""
        return float(x)

    def to_numpy(self, x: Any) -> np.ndarray:
        return np.asarray(x, dtype=np.float64)

    def from_numpy_random(self, values: np.ndarray) -> Any:
        """Random numbers drawn on the host as float64, converted to this backend."""
        return self.asarray(values)

    # -- arithmetic ---------------------------------------------------------------------------
    def matvec(self, A: Any, x: Any) -> Any:
        """Batched ``A @ x`` with A of shape (..., d, d) and x of shape (..., d)."""
        return (A @ x[..., None])[..., 0]

    def sqnorm(self, x: Any, axis: int = -1) -> Any:
        return (x * x).sum(axis=axis)

    def mean(self, x: Any, axis: int = 0) -> Any:
        return x.mean(axis=axis)

    def sum(self, x: Any, axis: int | None = None) -> Any:
        return x.sum() if axis is None else x.sum(axis=axis)

    def sqrt(self, x: Any) -> Any:
        return np.sqrt(x)

    def abs(self, x: Any) -> Any:
        return np.abs(x)

    def sign(self, x: Any) -> Any:
        return np.sign(x)

    def floor(self, x: Any) -> Any:
        return np.floor(x)

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        return np.where(cond, a, b)

    def maximum(self, a: Any, b: Any) -> Any:
        return np.maximum(a, b)

    def sigmoid(self, z: Any) -> Any:
        return 0.5 * (1.0 + np.tanh(0.5 * z))

    def log1pexp(self, z: Any) -> Any:
        """``log(1 + e^z)`` as ``log1p(e^-|z|) + max(z, 0)``: no overflow, within an ulp or two of
        ``logaddexp(0, z)`` and about twice as fast (numpy's exp is vectorised; the recorded F of 30
        stacked runs on a9a, issue 10)."""
        z = np.asarray(z, dtype=np.float64)
        return np.log1p(np.exp(-np.abs(z))) + np.maximum(z, 0.0)

    def copy(self, x: Any) -> Any:
        return x.copy()

    def stack(self, xs: list[Any], axis: int = 0) -> Any:
        return np.stack(xs, axis=axis)

    def __repr__(self) -> str:
        return f"<backend {self.name}>"


class ExactBackend(Backend):
    """Exact rational arithmetic on numpy object arrays of Fractions."""

    name = "exact"
    exact = True

    def asarray(self, x: Any) -> Any:
        arr = np.asarray(x, dtype=object)
        out = np.empty(arr.shape, dtype=object)
        flat_in, flat_out = arr.reshape(-1), out.reshape(-1)
        for i, v in enumerate(flat_in):
            flat_out[i] = _to_fraction(v)
        return out

    def zeros(self, shape: tuple[int, ...]) -> Any:
        out = np.empty(shape, dtype=object)
        out.fill(Fraction(0))
        return out

    def scalar(self, x: Any) -> Any:
        return _to_fraction(x)

    def to_numpy(self, x: Any) -> np.ndarray:
        return np.asarray(x, dtype=object).astype(np.float64)

    def from_numpy_random(self, values: np.ndarray) -> Any:
        # float64 values are dyadic rationals: the conversion is exact.
        return self.asarray(values)

    def mean(self, x: Any, axis: int = 0) -> Any:
        return x.sum(axis=axis) / Fraction(x.shape[axis])

    def sqrt(self, x: Any) -> Any:
        raise NotRational("sqrt is not rational; this operation cannot run on the exact backend")

    def sign(self, x: Any) -> Any:
        return _vectorize(lambda v: Fraction((v > 0) - (v < 0)), x)

    def floor(self, x: Any) -> Any:
        return _vectorize(lambda v: Fraction(math.floor(v)), x)

    def sigmoid(self, z: Any) -> Any:
        raise NotRational("the logistic function is not rational; use the numpy or torch backend")

    def log1pexp(self, z: Any) -> Any:
        raise NotRational("log(1+exp) is not rational; use the numpy or torch backend")


class TorchBackend(Backend):
    """torch tensors on ``device`` (``"cpu"`` or ``"cuda"``), float64 or (``dtype="float32"``) float32.

    float32 halves memory and bandwidth and is what a GPU computes fastest; the random draws stay float64
    on the host (then rounded), so a float32 run follows its float64 twin up to rounding. Its name
    (``torch-cpu-float32``) keeps the problems' per-backend data caches apart.
    """

    exact = False
    DTYPES = ("float64", "float32")

    def __init__(self, device: str = "cpu", dtype: str = "float64") -> None:
        import torch

        if dtype not in self.DTYPES:
            raise ValueError(f"dtype must be one of {self.DTYPES}, got {dtype!r}")
        self.torch = torch
        self.device = torch.device(device)
        self.dtype = getattr(torch, dtype)
        self.name = f"torch-{self.device.type}" + ("" if dtype == "float64" else f"-{dtype}")

    def asarray(self, x: Any) -> Any:
        t = self.torch
        if isinstance(x, t.Tensor):
            return x.to(device=self.device, dtype=self.dtype)
        return t.as_tensor(np.asarray(x, dtype=np.float64), device=self.device).to(self.dtype)

    def zeros(self, shape: tuple[int, ...]) -> Any:
        return self.torch.zeros(shape, dtype=self.dtype, device=self.device)

    def to_numpy(self, x: Any) -> np.ndarray:
        if isinstance(x, self.torch.Tensor):
            return x.detach().cpu().numpy()
        return np.asarray(x, dtype=np.float64)

    def sqnorm(self, x: Any, axis: int = -1) -> Any:
        return (x * x).sum(dim=axis)

    def mean(self, x: Any, axis: int = 0) -> Any:
        return x.mean(dim=axis)

    def sum(self, x: Any, axis: int | None = None) -> Any:
        return x.sum() if axis is None else x.sum(dim=axis)

    def sqrt(self, x: Any) -> Any:
        return self.torch.sqrt(x) if isinstance(x, self.torch.Tensor) else math.sqrt(x)

    def abs(self, x: Any) -> Any:
        return self.torch.abs(x)

    def sign(self, x: Any) -> Any:
        return self.torch.sign(x)

    def floor(self, x: Any) -> Any:
        return self.torch.floor(x)

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        return self.torch.where(self.asarray(cond).bool() if not isinstance(cond, self.torch.Tensor) else cond,
                                self.asarray(a), self.asarray(b))

    def maximum(self, a: Any, b: Any) -> Any:
        return self.torch.maximum(self.asarray(a), self.asarray(b))

    def sigmoid(self, z: Any) -> Any:
        return self.torch.sigmoid(z)

    def log1pexp(self, z: Any) -> Any:
        return self.torch.nn.functional.softplus(z)

    def copy(self, x: Any) -> Any:
        return x.clone()

    def stack(self, xs: list[Any], axis: int = 0) -> Any:
        return self.torch.stack(xs, dim=axis)


class RunStreams:
    """The random streams of R runs advanced together: one ``numpy.random.Generator`` per run.

    Code written for one run asks for the shape of *one run's* draw (``rng.random((N, d))``, which is
    what it asks a single Generator for); here every generator draws that shape in turn and the draws
    are stacked to ``(R, N, d)``. So row r is exactly what run r's own generator gives, in the same
    order as in its separate run (``tests/test_batched.py`` checks whole trajectories bit for bit).
    Data-dependent draws (a different count per run) go through :meth:`random_ragged`.
    """

    def __init__(self, generators) -> None:
        self.generators = list(generators)
        if not self.generators or not all(isinstance(g, np.random.Generator) for g in self.generators):
            raise ValueError("RunStreams needs a non-empty list of numpy.random.Generator (one per run)")

    @property
    def runs(self) -> int:
        return len(self.generators)

    def random(self, size=None) -> np.ndarray:
        shape = () if size is None else tuple(int(n) for n in np.atleast_1d(size)) if np.ndim(size) else (int(size),)
        if not shape:
            return np.stack([g.random(size) for g in self.generators])
        out = np.empty((len(self.generators),) + shape)
        for g, row in zip(self.generators, out):     # each generator fills its own row: its draw of that shape
            g.random(out=row)
        return out

    def integers(self, low, high=None, size=None, **kwargs) -> np.ndarray:
        return np.stack([g.integers(low, high, size, **kwargs) for g in self.generators])

    def standard_normal(self, size=None) -> np.ndarray:
        return np.stack([g.standard_normal(size) for g in self.generators])

    def random_ragged(self, counts) -> np.ndarray:
        """``counts[r]`` uniforms from run r's generator, concatenated in run order (a run with count 0
        draws nothing: its generator is not advanced)."""
        return np.concatenate([g.random(int(c)) for g, c in zip(self.generators, counts)])

    def select(self, keep) -> "RunStreams":
        """The streams of the runs ``keep`` (indices), in that order: the same generator objects."""
        return RunStreams([self.generators[int(i)] for i in keep])

    def __repr__(self) -> str:
        return f"<RunStreams of {self.runs} runs>"


#: The numpy float64 backend.
NUMPY = Backend()
#: The exact rational backend (numpy object arrays of Fractions).
EXACT = ExactBackend()


def torch_backend(device: str = "cpu", dtype: str = "float64") -> TorchBackend:
    return TorchBackend(device, dtype)


def get_backend(name: str) -> Backend:
    """``"numpy"``, ``"exact"``, ``"torch"`` / ``"torch-cpu"`` or ``"torch-cuda"``."""
    if name == "numpy":
        return NUMPY
    if name == "exact":
        return EXACT
    if name in ("torch", "torch-cpu"):
        return torch_backend("cpu")
    if name == "torch-cuda":
        return torch_backend("cuda")
    if name in ("torch-float32", "torch-cpu-float32"):
        return torch_backend("cpu", "float32")
    if name == "torch-cuda-float32":
        return torch_backend("cuda", "float32")
    raise ValueError(f"backend must be one of numpy, exact, torch-cpu, torch-cuda, torch-cpu-float32, "
                     f"torch-cuda-float32; got {name!r}")


def _to_fraction(v: Any) -> Fraction:
    if isinstance(v, Fraction):
        return v
    if isinstance(v, (int, np.integer)):
        return Fraction(int(v))
    if isinstance(v, (float, np.floating)):
        if not math.isfinite(v):
            raise ValueError(f"cannot represent {v} exactly")
        return Fraction(float(v))
    return Fraction(v)


def _vectorize(fn, x: Any) -> Any:
    arr = np.asarray(x, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    for idx, v in np.ndenumerate(arr):
        out[idx] = fn(v)
    return out
