"""QSGD: s-level stochastic quantization with Elias coding (Alistarh et al. 2017, Section 3).

For a row ``x`` (l2 norm, one bucket = the whole vector) and ``s`` levels::

    xi_j = floor(s |x_j| / ||x|| + U_j),   U_j ~ Uniform[0, 1)   (i.e. floor(.) + Bernoulli(frac))
    C(x)_j = ||x|| sign(x_j) xi_j / s,      C(0) = 0

so ``E[C(x)] = x`` and ``E||C(x) - x||^2 <= omega ||x||^2`` with ``omega = min(d/s^2, sqrt(d)/s)``
(Lemma 3.1; :mod:`theory.compressors`). ``U`` comes from the explicit generator ``rng``.

The message (:meth:`QSGD.encode`), in the spirit of the paper's Elias coding (Section 3.2), is::

    32 bits      ||x|| as an IEEE float32 (big-endian)
    gamma(m + 1) m = number of nonzero levels
    per nonzero, in increasing position j:
      gamma(j - j_prev)   gap to the previous nonzero position (j_prev = -1 at the start)
      1 bit               sign (1 = negative)
      gamma(xi_j)         the level

:meth:`QSGD.__call__` charges exactly ``len(encode(...))`` bits, computed for all rows in one compiled
pass (:func:`message_bits`). The decoded values use the
full-precision norm (the norm is charged 32 bits); :meth:`QSGD.decode` returns the values a receiver
reconstructs from the bits, i.e. with the float32-rounded norm.

Run axis: ``X`` may carry leading run axes, ``(R, N, d)`` with a
:class:`~reference_impl.backends.RunStreams` as ``rng`` (R runs advanced together,
:mod:`reference_impl.batched`): ``U`` is drawn with the per-run shape ``(N, d)`` from each run's stream,
so run r's messages, values and bits are those of its own run (``run_axis = True``).

Backends: the l2 norm is not rational in general. On the exact backend the norm is taken exactly when
``||x||^2`` is the square of a rational (e.g. ``x = (3/5, -4/5)``) and :class:`~reference_impl.backends.NotRational` is raised
otherwise.
"""
from __future__ import annotations

import itertools
import math
import struct
from fractions import Fraction

import numpy as np

from reference_impl.backends import NotRational
from reference_impl.compiled import compiled
from reference_impl.compressors.base import Compressed, Compressor, check_batch
from reference_impl.compressors.elias import elias_gamma_decode, elias_gamma_encode
from reference_impl.validation import require_int_in_range
from theory.compressors import qsgd_omega_value

NORM_BITS = 32
# At most 2^31 - 1 levels: the level draw floor(s |x_j| / ||x|| + U) keeps >= 21 bits of U's fraction in
# float64, and the levels fit the int64 arrays the Elias lengths are computed on.
MAX_LEVELS = 2**31 - 1


class QSGD(Compressor):
    """QSGD with ``levels`` = s >= 1 quantization levels, l2 norm, no buckets (unbiased)."""

    kind = "unbiased"
    biased = False
    run_axis = True

    def __init__(self, levels: int) -> None:
        self.levels = require_int_in_range("QSGD levels", levels, 1, MAX_LEVELS)
        self.name = f"qsgd(s={self.levels})"

    def constant(self, d: int) -> float:
        """omega = min(d/s^2, sqrt(d)/s) as a float (from :mod:`theory.compressors`)."""
        return qsgd_omega_value(d, self.levels, numeric=True)

    def constant_exact(self, d: int):
        """omega as an exact sympy number."""
        return qsgd_omega_value(d, self.levels)

    # -- quantization ---------------------------------------------------------------------------
    def quantize(self, xp, X, rng: np.random.Generator):
        """``(norms (N,), levels xi (N, d) >= 0)`` as backend arrays; draws ``U`` of shape (N, d) (per run,
        with leading run axes)."""
        N, d = tuple(X.shape[-2:]) if len(X.shape) > 2 else check_batch(xp, X)    # (R, N, d): a run axis
        norms = row_norms(xp, X)
        safe = xp.where(norms > 0, norms, xp.scalar(1))
        U = xp.from_numpy_random(rng.random((N, d)))
        xi = xp.floor(xp.scalar(self.levels) * xp.abs(X) / safe[..., None] + U)
        return norms, xi

    def __call__(self, xp, X, rng: np.random.Generator | None = None, **kwargs) -> Compressed:
        if rng is None:
            raise ValueError("QSGD is random: pass an explicit numpy Generator rng")
        norms, xi = self.quantize(xp, X, rng)
        values = norms[..., None] * xp.sign(X) * xi / xp.scalar(self.levels)
        bits = message_bits(_host_levels(xp, xi))
        return Compressed(values=values, bits=bits, overflow=np.zeros(bits.shape, dtype=bool))

    def outcomes(self, xp, x):
        """The distribution of ``C(x)`` given the norm, for one row x (d,) (the hook of
        :mod:`reference_impl.contracts_enumeration`): level ``xi_j = l_j + 1`` with probability
        ``r_j - l_j`` and ``l_j = floor(r_j)`` otherwise, ``r_j = s |x_j| / ||x||``; value
        ``||x|| sign(x_j) xi_j / s`` (the same operations as ``__call__``). ``C(0) = 0``. Exact when
        ``||x||`` is rational, else NotRational on the exact backend."""
        d = int(x.shape[0])
        s = xp.scalar(self.levels)
        norm = row_norms(xp, x[None, :])[0]
        if norm == 0:
            return [(xp.scalar(1), xp.zeros((d,)))]
        r = s * xp.abs(x) / norm
        low = xp.floor(r)
        frac = r - low
        one = xp.scalar(1)
        choices = [[(one - frac[j], low[j]), (frac[j], low[j] + one)] if frac[j] > 0 else [(one, low[j])]
                   for j in range(d)]
        sign = xp.sign(x)

        def gen():
            for combo in itertools.product(*choices):
                prob = one
                for p, _ in combo:
                    prob = prob * p
                xi = xp.asarray(np.array([level for _, level in combo], dtype=object if xp.exact else np.float64))
                yield prob, norm * sign * xi / s
        return gen()

    # -- the real encoder / decoder, one row at a time --------------------------------------------
    def encode(self, signed_levels, norm) -> str:
        """The bit string of one row: ``signed_levels`` = sign(x_j) xi_j (ints), ``norm`` = ||x||."""
        q = [int(v) for v in np.asarray(signed_levels).ravel()]
        nonzero = [j for j, v in enumerate(q) if v != 0]
        out = [_float32_bits(float(norm)), elias_gamma_encode(len(nonzero) + 1)]
        prev = -1
        for j in nonzero:
            out += [elias_gamma_encode(j - prev), "1" if q[j] < 0 else "0", elias_gamma_encode(abs(q[j]))]
            prev = j
        return "".join(out)

    def decode_message(self, bits: str, d: int) -> tuple[float, np.ndarray]:
        """``(float32 norm, signed levels (d,) int64)`` from one row's bit string."""
        norm = struct.unpack(">f", int(bits[:NORM_BITS], 2).to_bytes(4, "big"))[0]
        count, pos = elias_gamma_decode(bits, NORM_BITS)
        q = np.zeros(d, dtype=np.int64)
        j = -1
        for _ in range(count - 1):
            gap, pos = elias_gamma_decode(bits, pos)
            negative = bits[pos] == "1"
            level, pos = elias_gamma_decode(bits, pos + 1)
            j += gap
            if j >= d:
                raise ValueError(f"QSGD message addresses position {j} in dimension {d}")
            q[j] = -level if negative else level
        if pos != len(bits):
            raise ValueError(f"{len(bits) - pos} trailing bits after the QSGD message")
        return float(norm), q

    def decode(self, bits: str, d: int) -> np.ndarray:
        """The row a receiver reconstructs: ``norm32 * q / s`` (float64)."""
        norm, q = self.decode_message(bits, d)
        return norm * q / self.levels

    def signed_levels(self, xp, X, xi) -> np.ndarray:
        """Host int64 ``sign(x_j) xi_j`` (N, d), the integers :meth:`encode` takes."""
        return _host_levels(xp, xp.sign(X) * xi)


def message_bits(levels: np.ndarray) -> np.ndarray:
    """Bit length of each row's message for integer levels (N, d) (sign ignored); (R, N) for levels
    (R, N, d).

    ``32 + gamma(m+1) + sum over nonzeros of (gamma(gap) + 1 + gamma(|level|))``, ``gamma(n) = 2
    floor(log2 n) + 1``: one compiled pass over the levels (:func:`_message_bits_rows`; integers, exact),
    checked against the real encoder's ``len(encode(...))`` in the tests.
    """
    levels = np.ascontiguousarray(levels, dtype=np.int64)
    lead, d = levels.shape[:-1], levels.shape[-1]
    out = np.empty(int(np.prod(lead)), dtype=np.int64)
    return _message_bits_rows(levels.reshape(-1, d), NORM_BITS, out).reshape(lead)


@compiled
def _message_bits_rows(levels, norm_bits, out):
    """:func:`message_bits` of each row of the (M, d) int64 levels, into ``out`` (M,)."""
    M, d = levels.shape
    for r in range(M):
        total, count, prev = norm_bits, 0, -1
        for j in range(d):
            level = abs(levels[r, j])
            if level != 0:
                gap, e_gap, e_level = j - prev, 0, 0
                while gap > 1:                   # floor(log2 gap)
                    gap >>= 1
                    e_gap += 1
                while level > 1:                 # floor(log2 |level|)
                    level >>= 1
                    e_level += 1
                total += (2 * e_gap + 1) + 1 + (2 * e_level + 1)
                count, prev = count + 1, j
        n, e = count + 1, 0
        while n > 1:
            n >>= 1
            e += 1
        out[r] = total + 2 * e + 1
    return out


def row_norms(xp, X):
    """l2 norm of each row; on the exact backend only when it is rational (else NotRational)."""
    sq = xp.sqnorm(X)
    if not xp.exact:
        return xp.sqrt(sq)
    flat = np.asarray(sq, dtype=object).reshape(-1)
    return xp.asarray(np.array([_exact_sqrt(v) for v in flat], dtype=object).reshape(np.shape(sq)))


def _exact_sqrt(q: Fraction) -> Fraction:
    q = Fraction(q)
    num, den = math.isqrt(q.numerator), math.isqrt(q.denominator)
    if num * num != q.numerator or den * den != q.denominator:
        raise NotRational(f"QSGD needs ||x|| = sqrt({q}), which is irrational; "
                          "use the numpy or torch backend (or a vector with a rational norm)")
    return Fraction(num, den)


def _host_levels(xp, xi) -> np.ndarray:
    if xp.exact:
        return np.vectorize(int, otypes=[np.int64])(np.asarray(xi, dtype=object))
    return np.rint(xp.to_numpy(xi)).astype(np.int64)


def _float32_bits(x: float) -> str:
    return format(int.from_bytes(struct.pack(">f", x), "big"), "032b")
