"""Quantization with a prescribed error and a real lattice code (000, Section 2 and Lemma 2.1).

:class:`UniformQuantizer` is 000's ``Q(v, sigma)``: deterministic, ``||Q(v) - v|| <= sigma``. The
receiver knows a radius ``M`` with ``||v|| <= M`` (from the theorem being implemented); the message is
the rank of the rounded lattice point among all lattice points of the enlarged ball, see
:mod:`reference_impl.compressors.lattice_code`. Its length meets Lemma 2.1's bound
``ceil(1.05 d + d log2((1 + 2 eps) / eps))``, ``eps = sigma / M``
(``theory.iade.lemma21_upper``).

:class:`StochasticLatticeQuantizer` is the unbiased random quantizer of IADE-SGD (Algorithm 3):
stochastic rounding to a lattice, ``E[Q(v)] = v`` and ``||Q(v) - v||^2 <= eps_sq``.

The lattice spacing is ``h = 2 sigma / r_d`` with ``r_d = ceil(64 sqrt(d)) / 64``, a rational number
``>= sqrt(d)``, so that the deterministic quantizer is exact on the rational backend.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from reference_impl.compressors.base import Compressed, Compressor, check_batch
from reference_impl.compressors.lattice_code import code_bits, rank, unrank
from reference_impl.validation import is_real, require, require_positive_finite

# The squared lattice radius T and the squared norms of the lattice points are int64 (see _finish).
MAX_LATTICE_RADIUS_SQ = 2**62


def sqrt_d_upper(d: int) -> Fraction:
    """The rational ``ceil(64 sqrt(d)) / 64 >= sqrt(d)`` (exact integer arithmetic)."""
    if d < 1:
        raise ValueError(f"dimension d must be >= 1, got {d}")
    return Fraction(math.isqrt(4096 * d - 1) + 1, 64)


def _lattice_radius_sq(radius, sigma_like, h, error_name: str = "quantization error sigma") -> int | np.ndarray:
    """T = floor(((radius + sigma_like) / h)^2): the squared lattice radius every code point lies in.

    ``radius`` may be one number (every row) or one per row (an (N,) array).
    """
    if np.ndim(radius):
        return np.array([_lattice_radius_sq(r, sigma_like, h, error_name) for r in np.asarray(radius).ravel()])
    value = (radius + sigma_like) / h
    T = value * value
    require(T <= MAX_LATTICE_RADIUS_SQ,
            f"the ratio of the ball radius to the {error_name} must keep the lattice code's "
            f"T = ((radius + error) / h)^2 <= 2^62, got radius={float(radius):.6g}, error={float(sigma_like):.6g} "
            f"(T = {float(T):.3g})")
    return int(math.floor(T))


def _check_radius(radius, N: int) -> None:
    """The receiver's ball radius: a finite number >= 0, or one per row (an array of N numbers)."""
    r = np.array(np.nan)
    numeric = getattr(getattr(radius, "dtype", None), "kind", "f") not in "SUVb"   # not strings, bytes, bools
    if is_real(radius) or (numeric and hasattr(radius, "shape") and tuple(radius.shape) == (N,)):
        try:
            r = np.asarray(radius, dtype=float)
        except (TypeError, ValueError, OverflowError):
            pass
    require(r.dtype.kind == "f" and np.all(np.isfinite(r)) and np.all(r >= 0),
            f"ball radius must be a finite number >= 0 (or an array of one per row, shape ({N},)), got {radius!r}")


class UniformQuantizer(Compressor):
    """000's deterministic ``Q(v, sigma)`` on a ball of known radius, with a real lattice code."""

    kind = "absolute-error"
    biased = True
    name = "uniform-lattice"

    def spacing(self, xp, d: int, sigma):
        return xp.scalar(2) * sigma / xp.scalar(sqrt_d_upper(d))

    def __call__(self, xp, X, rng=None, *, sigma, radius) -> Compressed:
        """Quantize every row of ``X`` with error <= ``sigma``; ``radius`` is the receiver's ball radius."""
        N, d = check_batch(xp, X)
        require_positive_finite("quantization error sigma", sigma)
        _check_radius(radius, N)
        h = self.spacing(xp, d, sigma)
        T = _lattice_radius_sq(radius, sigma, h)
        Z = xp.floor(X / h + xp.scalar(Fraction(1, 2)))
        return _finish(xp, Z, h, d, T)

    # -- the real encoder / decoder, one row at a time -------------------------------------------
    def encode(self, v, *, sigma, radius) -> tuple[int, int]:
        """(message integer, code length in bits) for one vector (numpy/Fraction array)."""
        v = np.asarray(v, dtype=object if isinstance(np.asarray(v).flat[0], Fraction) else float)
        d = v.shape[0]
        h = 2 * sigma / (sqrt_d_upper(d) if isinstance(sigma, Fraction) else float(sqrt_d_upper(d)))
        z = [int(math.floor(x / h + Fraction(1, 2) if isinstance(x, Fraction) else x / h + 0.5)) for x in v]
        T = _lattice_radius_sq(radius, sigma, h)
        return rank(z, T), code_bits(d, T)

    def decode(self, message: int, d: int, *, sigma, radius):
        h = 2 * sigma / (sqrt_d_upper(d) if isinstance(sigma, Fraction) else float(sqrt_d_upper(d)))
        T = _lattice_radius_sq(radius, sigma, h)
        return [zi * h for zi in unrank(message, d, T)]


class StochasticLatticeQuantizer(Compressor):
    """Unbiased stochastic rounding to a lattice with ``||Q(v) - v||^2 <= eps_sq`` (IADE-SGD)."""

    kind = "absolute-error"
    biased = False
    name = "stochastic-lattice"

    def __call__(self, xp, X, rng: np.random.Generator, *, eps_sq, radius) -> Compressed:
        N, d = check_batch(xp, X)
        require_positive_finite("squared error bound eps_sq", eps_sq)
        _check_radius(radius, N)
        # per-coordinate error < h, so ||err||^2 < d h^2 <= eps_sq
        h = xp.sqrt(xp.scalar(eps_sq)) / xp.scalar(sqrt_d_upper(d))
        require(float(h) > 0, f"squared error bound eps_sq must be a finite number > 0 whose square root "
                              f"does not underflow, got {eps_sq!r}")
        T = _lattice_radius_sq(radius, math.sqrt(float(eps_sq)), float(h), "squared error bound eps_sq")
        low = xp.floor(X / h)
        frac = X / h - low
        U = xp.from_numpy_random(rng.random((N, d)))
        Z = low + xp.where(U < frac, xp.scalar(1), xp.scalar(0))
        return _finish(xp, Z, h, d, T)


RADIUS_ANNOUNCE_BITS = 32  # an overflowing row announces the larger radius it needed as a float32


def _finish(xp, Z, h, d: int, T) -> Compressed:
    """Decoded values, bit lengths and overflow flags for integer lattice coordinates ``Z``.

    ``T``: the receiver's squared lattice radius, one int or one per row.
    """
    sq = xp.sqnorm(Z)
    sq_host = [int(v) for v in sq] if xp.exact else xp.to_numpy(sq)
    largest = max((float(v) for v in sq_host), default=0.0)
    require(largest <= MAX_LATTICE_RADIUS_SQ,
            f"the vectors must be within 2^31 lattice spacings of 0 for this quantization error sigma "
            f"(||z||^2 = {largest:.3g} > 2^62): the error sigma is too small for vectors this large")
    norms_sq = np.array(sq_host, dtype=np.int64) if xp.exact else np.rint(sq_host).astype(np.int64)
    T_rows = np.broadcast_to(np.asarray(T, dtype=np.int64), norms_sq.shape)
    overflow = norms_sq > T_rows
    bits = np.array([code_bits(d, int(t)) for t in T_rows], dtype=np.int64) if np.ndim(T) else \
        np.full(len(norms_sq), code_bits(d, int(T)), dtype=np.int64)
    for i in np.flatnonzero(overflow):
        bits[i] = code_bits(d, int(norms_sq[i])) + RADIUS_ANNOUNCE_BITS
    return Compressed(values=Z * h, bits=bits, overflow=overflow)
