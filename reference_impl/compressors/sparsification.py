"""Sparsifiers and a random sketch: identity, rand-k, top-k, Wangni et al.'s sparsification, sketching.

The compressors of 001 (slides "Compressor class U_omega: examples" and "Compressor class C_delta"),
each with its class and constant from :mod:`theory.compressors`:

* :class:`Identity` - no compression (omega = 0, or delta = 1).
* :class:`RandK` - k coordinates chosen uniformly at random; scaled by ``d/k`` it is unbiased with
  ``omega = d/k - 1``, unscaled it is contractive with ``delta = k/d`` (Stich, Cordonnier, Jaggi 2018).
* :class:`TopK` - the k coordinates of largest magnitude (contractive, ``delta = k/d``).
* :class:`WangniSparsifier` - keep ``x_j`` with probability ``p_j`` and rescale by ``1/p_j`` (Wangni,
  Wang, Liu, Zhang 2018, "Gradient sparsification for communication-efficient distributed
  optimization"), with the optimal ``p`` for a variance budget (``omega = epsilon``) or for an
  expected density (``omega = 1/rho - 1``).
* :class:`RandomSketch` - ``C(x) = S (S^T S)^+ S^T x`` with a Gaussian ``d x k`` matrix ``S`` (Stich
  2020): the projection onto a random k-dimensional subspace, contractive with ``delta = k/d``.

Bit accounting (every real number travels as an IEEE float32, :data:`FLOAT_BITS` = 32 bits; the
decoded values keep full precision, as in :mod:`reference_impl.compressors.qsgd`):

* identity: ``32 d``;
* top-k and rand-k: ``32 k`` for the values plus ``ceil(log2 C(d, k))`` for the set of indices,
  written as its rank in the combinatorial number system (enumerative coding,
  :func:`subset_rank`). ``RandK(..., shared_randomness=True)`` charges no index bits: the receiver
  replays the index draw from a shared seed;
* Wangni: ``32`` (the common magnitude ``1/lambda``) ``+ gamma(m+1) + ceil(log2 C(d, m))`` (m kept
  indices) ``+`` per kept coordinate ``1 + 32`` (``p_j = 1``: the value) or ``1 + 1`` (``p_j < 1``:
  its value is ``sign(x_j)/lambda``, one sign bit), the hybrid idea of the paper's Section 4;
* sketch: ``32 k`` (the k coordinates of ``x`` in the sketched subspace; ``S`` is drawn from a
  shared seed and costs nothing).

Identity, top-k, rand-k and Wangni encode for real (``encode`` / ``decode`` round-trip); the
vectorised bit counts of ``__call__`` equal the encoders' lengths (tested).

Randomness: every draw comes from the explicit ``numpy.random.Generator`` ``rng``, one array of shape
``(N, d)`` (``(N, d, k)`` for the sketch) per call, so a run replays bit for bit on every backend.
Everything runs vectorised over the worker axis; rand-k and top-k also over a leading run axis
(``run_axis``: (R, N, d) batches with a :class:`~reference_impl.backends.RunStreams`, issue 10). Identity, rand-k, top-k, Wangni and the sketch all
run exactly on :data:`~reference_impl.backends.EXACT` (the sketch solves ``(S^T S) y = S^T x`` with
Fractions, one row at a time: the exact backend is for small instances).
"""
from __future__ import annotations

import functools
import math
import struct
from fractions import Fraction

import numpy as np

from reference_impl.compressors.base import Compressed, Compressor, check_batch
from reference_impl.compressors.elias import elias_gamma_decode, elias_gamma_encode, elias_gamma_length
from reference_impl.validation import (require_bool, require_choice, require_int_in_range, require_nonnegative_finite,
                                       require_probability)
from theory.compressors import constant_value

#: Bits of one transmitted real number (IEEE float32).
FLOAT_BITS = 32


# -- enumerative coding of index sets --------------------------------------------------------------
@functools.lru_cache(maxsize=4096)
def subset_code_bits(d: int, m: int) -> int:
    """``ceil(log2 C(d, m))``: bits of the rank of an m-subset of ``{0, ..., d-1}`` (0 when C = 1).

    Exact. ``log2 C(d, m)`` from ``lgamma`` settles the ceiling unless it lies within a safe margin
    of an integer (rounding error of lgamma is ~1e-16 relative); then, and for small C, the exact
    integer ``C(d, m)`` decides (computing it for d ~ 1e6 would take seconds).
    """
    if min(m, d - m) <= 64:
        return (math.comb(d, m) - 1).bit_length()
    lg = math.lgamma(d + 1)
    value = (lg - math.lgamma(m + 1) - math.lgamma(d - m + 1)) / math.log(2)
    if abs(value - round(value)) > 1e-10 * lg + 1e-7:
        return math.ceil(value)
    return (math.comb(d, m) - 1).bit_length()


def subset_rank(indices) -> int:
    """Rank of a set of indices in the combinatorial number system: ``sum_i C(c_i, i+1)``, c sorted.

    A bijection from the m-subsets of ``{0, ..., d-1}`` onto ``{0, ..., C(d, m) - 1}``.
    """
    return sum(math.comb(int(c), i + 1) for i, c in enumerate(sorted(int(c) for c in indices)))


def subset_unrank(rank: int, m: int, d: int) -> list[int]:
    """The sorted m-subset of ``{0, ..., d-1}`` with the given rank (inverse of :func:`subset_rank`)."""
    if not 0 <= rank < math.comb(d, m):
        raise ValueError(f"subset rank must be in [0, C({d}, {m})), got {rank}")
    out, c = [], d - 1
    for i in range(m, 0, -1):
        while math.comb(c, i) > rank:
            c -= 1
        out.append(c)
        rank -= math.comb(c, i)
        c -= 1
    return out[::-1]


def _float32_bits(x: float) -> str:
    return format(int.from_bytes(struct.pack(">f", float(x)), "big"), "032b")


def _float32_value(bits: str) -> float:
    return struct.unpack(">f", int(bits, 2).to_bytes(4, "big"))[0]


def encode_sparse(d: int, indices, values, *, with_indices: bool = True) -> str:
    """Rank of the index set (``ceil(log2 C(d, k))`` bits), then the values as float32 by index."""
    order = np.argsort(np.asarray(indices, dtype=np.int64), kind="stable")
    idx = [int(np.asarray(indices)[j]) for j in order]
    vals = [float(np.asarray(values, dtype=object)[j]) for j in order]
    head = ""
    if with_indices and subset_code_bits(d, len(idx)):
        head = format(subset_rank(idx), f"0{subset_code_bits(d, len(idx))}b")
    return head + "".join(_float32_bits(v) for v in vals)


def decode_sparse(bits: str, d: int, k: int, indices=None) -> np.ndarray:
    """The float64 row of length d that :func:`encode_sparse` wrote (``indices`` given: not coded)."""
    pos = 0
    if indices is None:
        width = subset_code_bits(d, k)
        indices = subset_unrank(int(bits[:width], 2) if width else 0, k, d)
        pos = width
    if len(bits) != pos + FLOAT_BITS * k:
        raise ValueError(f"sparse message has {len(bits)} bits, expected {pos + FLOAT_BITS * k}")
    out = np.zeros(d)
    for j, i in enumerate(sorted(int(i) for i in indices)):
        out[i] = _float32_value(bits[pos + FLOAT_BITS * j: pos + FLOAT_BITS * (j + 1)])
    return out


# -- backend helpers ---------------------------------------------------------------------------------
def _is_torch(xp) -> bool:
    return getattr(xp, "torch", None) is not None


def _to_backend_mask(xp, mask: np.ndarray):
    """A host boolean mask as the backend's condition type (numpy bool, or a torch bool tensor)."""
    return xp.torch.as_tensor(mask, device=xp.device) if _is_torch(xp) else mask


def _host_mask(xp, mask) -> np.ndarray:
    if _is_torch(xp):
        return mask.detach().cpu().numpy().astype(bool)
    return np.asarray(mask).astype(bool)


def _check_k(k) -> int:
    return require_int_in_range("k", k, 1, spec="an integer with 1 <= k <= d")


def batch_shape(xp, X) -> tuple[int, int]:
    """``(N, d)`` of a worker batch (N, d), or of one run's batch when ``X`` carries a run axis (R, N, d)
    (R runs advanced together with a :class:`~reference_impl.backends.RunStreams`, issue 10)."""
    shape = tuple(X.shape)
    return shape[-2:] if len(shape) == 3 else check_batch(xp, X)


def _check_k_le_d(k: int, d: int) -> None:
    if k > d:
        raise ValueError(f"k must be an integer with 1 <= k <= d, got k={k} > d={d}")


def _require_rng(rng, who: str) -> np.random.Generator:
    if rng is None:
        raise ValueError(f"{who} is random: pass an explicit numpy Generator rng")
    return rng


def _as_float(value) -> float:
    return float(value)


def _bool(xp, cond):
    """A comparison result as a boolean array (object arrays of the exact backend hold bools)."""
    return cond if _is_torch(xp) else np.asarray(cond).astype(bool)


def _param(xp, value):
    """A user parameter (int, Fraction, ``"1/2"``, sympy number or float) as a backend scalar."""
    return xp.scalar(value if isinstance(value, float) else Fraction(str(value)))


# -- identity ------------------------------------------------------------------------------------------
class Identity(Compressor):
    """No compression: ``C(x) = x``; unbiased with omega = 0, or contractive with delta = 1 (001).

    ``kind`` chooses the class it is used as (e.g. ``"contractive"`` inside
    :class:`~reference_impl.compressors.fcc.FCC`). Bits: ``32 d`` per row.
    """

    biased = False
    name = "identity"

    def __init__(self, kind: str = "unbiased") -> None:
        self.kind = require_choice("Identity kind", kind, ("unbiased", "contractive"))

    def constant_exact(self, d: int):
        """omega = 0 or delta = 1 (sympy), from :mod:`theory.compressors`."""
        return constant_value("identity_omega" if self.kind == "unbiased" else "identity_delta")

    def constant(self, d: int) -> float:
        return _as_float(self.constant_exact(d))

    def __call__(self, xp, X, rng=None, **kwargs) -> Compressed:
        N, d = check_batch(xp, X)
        return Compressed(values=xp.copy(X), bits=np.full(N, FLOAT_BITS * d, dtype=np.int64),
                          overflow=np.zeros(N, dtype=bool))

    def encode(self, row) -> str:
        """The ``32 d`` bits of one row (float32 values)."""
        return "".join(_float32_bits(v) for v in np.asarray(row, dtype=object))

    def decode(self, bits: str, d: int) -> np.ndarray:
        return decode_sparse(bits, d, d, indices=range(d))


# -- rand-k --------------------------------------------------------------------------------------------
class RandK(Compressor):
    """k coordinates chosen uniformly at random (Stich, Cordonnier, Jaggi 2018; 001 Example I).

    ``scaled=True``: ``C(x) = (d/k) 1_S x``, unbiased with ``omega = d/k - 1`` (tight).
    ``scaled=False``: ``C(x) = 1_S x``, contractive with ``delta = k/d`` (equality in expectation).

    The subset S of each row is the k smallest entries of a row of ``rng.random((N, d))``
    (:meth:`select`). Bits: ``32 k + ceil(log2 C(d, k))``; with ``shared_randomness=True`` the receiver
    replays S from a shared seed and the indices cost 0 bits.

    Run axis (``run_axis = True``): ``X`` may be (R, N, d) with a
    :class:`~reference_impl.backends.RunStreams` as ``rng``; each run draws its own ``(N, d)`` uniforms,
    so run r's subsets, values and bits are those of its separate run.
    """

    run_axis = True

    def __init__(self, k: int, scaled: bool = True, shared_randomness: bool = False) -> None:
        self.k = _check_k(k)
        self.scaled = require_bool("scaled", scaled)
        self.shared_randomness = require_bool("shared_randomness", shared_randomness)
        self.kind = "unbiased" if self.scaled else "contractive"
        self.biased = not self.scaled
        self.name = f"rand-{self.k}" + ("" if self.scaled else " (unscaled)")

    def constant_exact(self, d: int):
        """omega = d/k - 1 (scaled) or delta = k/d (unscaled), from :mod:`theory.compressors`."""
        name = "randk_omega" if self.scaled else "randk_delta"
        return constant_value(name, d=d, k=self.k)

    def constant(self, d: int) -> float:
        return _as_float(self.constant_exact(d))

    def select(self, rng: np.random.Generator, N: int, d: int) -> np.ndarray:
        """Host boolean mask (N, d) with k True per row: the k smallest of ``rng.random((N, d))``; (R, N, d)
        from the R streams of a :class:`~reference_impl.backends.RunStreams` (each run's own draw)."""
        _check_k_le_d(self.k, d)
        U = rng.random((N, d))
        idx = np.argpartition(U, self.k - 1, axis=-1)[..., :self.k].reshape(-1, self.k)
        mask = np.zeros((idx.shape[0], d), dtype=bool)
        mask[np.arange(idx.shape[0])[:, None], idx] = True          # row by row, as put_along_axis (cheaper)
        return mask.reshape(U.shape)

    def apply(self, xp, X, mask: np.ndarray):
        """``scale * x`` on the mask, 0 elsewhere (``scale = d/k`` when scaled, else 1)."""
        _, d = batch_shape(xp, X)
        Y = X * xp.scalar(Fraction(d, self.k)) if self.scaled else X
        return xp.where(_to_backend_mask(xp, mask), Y, xp.scalar(0))

    def index_bits(self, d: int) -> int:
        return 0 if self.shared_randomness else subset_code_bits(d, self.k)

    def outcomes(self, xp, x):
        """The finite support of ``C(x)`` for one row ``x`` (d,): every k-subset S of ``{0, ..., d-1}``,
        with probability ``1/C(d, k)`` (a Fraction), and the value :meth:`apply` gives on S. The optional
        support hook read by :mod:`reference_impl.contracts_enumeration` (exact expectations); its
        probabilities are checked against :meth:`select`'s draws there."""
        import itertools

        d = int(x.shape[0])
        _check_k_le_d(self.k, d)
        p = Fraction(1, math.comb(d, self.k))
        for S in itertools.combinations(range(d), self.k):
            mask = np.zeros((1, d), dtype=bool)
            mask[0, list(S)] = True
            yield p, self.apply(xp, x[None, :], mask)[0]

    def __call__(self, xp, X, rng: np.random.Generator | None = None, **kwargs) -> Compressed:
        N, d = batch_shape(xp, X)
        mask = self.select(_require_rng(rng, "RandK"), N, d)
        bits = np.full(mask.shape[:-1], FLOAT_BITS * self.k + self.index_bits(d), dtype=np.int64)
        return Compressed(values=self.apply(xp, X, mask), bits=bits, overflow=np.zeros(bits.shape, dtype=bool))

    def encode(self, values_row, mask_row) -> str:
        """One row's message: index-set rank (unless shared), then the k kept values as float32."""
        mask_row = np.asarray(mask_row, dtype=bool)
        idx = np.flatnonzero(mask_row)
        return encode_sparse(len(mask_row), idx, np.asarray(values_row, dtype=object)[idx],
                             with_indices=not self.shared_randomness)

    def decode(self, bits: str, d: int, mask_row=None) -> np.ndarray:
        """The row a receiver reconstructs (``mask_row`` is needed with shared randomness)."""
        if self.shared_randomness:
            if mask_row is None:
                raise ValueError("RandK with shared randomness decodes with the replayed mask_row")
            return decode_sparse(bits, d, self.k, indices=np.flatnonzero(mask_row))
        return decode_sparse(bits, d, self.k)


# -- top-k ---------------------------------------------------------------------------------------------
def kth_largest(A: np.ndarray, k: int, stride: int = 16) -> np.ndarray:
    """The k-th largest entry of every row of ``A`` (..., d), shape (..., 1): exactly
    ``np.partition(A, d - k, axis=-1)[..., d - k]`` (NaN counts as the largest, as there), at less cost
    when k is small against d.

    Each row is partitioned on a subsample (every ``stride``-th entry) for a lower bound ``t0`` of the
    threshold; the candidates (entries not below ``t0``: those ``>= t0`` and NaN) are a top part of the row's
    sorted order, so when there are at least k of them their k-th largest is the row's. A row with fewer
    candidates is partitioned whole, and so is every row of an object array, of a short row, or when k
    is more than about a sixth of d (then the subsample saves nothing).
    """
    d = A.shape[-1]
    m = -(-d // stride)                                          # subsample size
    rank = math.ceil(1.5 * k / stride) + 4                       # about 1.5 k candidates expected per row
    if A.dtype == object or d < 64 * stride or 3 * rank > m:
        return np.partition(A, d - k, axis=-1)[..., d - k:d - k + 1]
    rows = A.reshape(-1, d)
    sub = rows[:, ::stride]
    t0 = np.partition(sub, m - rank, axis=-1)[:, m - rank:m - rank + 1]
    mask = ~(rows < t0)
    counts = mask.sum(axis=1)
    cand = rows[mask]                                           # the candidates, row after row
    ends = np.cumsum(counts)
    out = np.empty(rows.shape[0], dtype=A.dtype)
    for i, (c, end) in enumerate(zip(counts.tolist(), ends.tolist())):
        if c >= k:
            out[i] = np.partition(cand[end - c:end], c - k)[c - k]
        else:
            out[i] = np.partition(rows[i], d - k)[d - k]
    return out.reshape(A.shape[:-1] + (1,))


class TopK(Compressor):
    """The k coordinates of largest magnitude (001 Example I; contractive, ``delta = k/d``).

    Ties are broken towards the lower index, identically on every backend. Bits:
    ``32 k + ceil(log2 C(d, k))`` (values, then the index set's rank; :func:`encode_sparse`).
    Deterministic, so run-agnostic (``run_axis = True``): an (R, N, d) input selects per row.
    """

    kind = "contractive"
    biased = True
    run_axis = True

    def __init__(self, k: int) -> None:
        self.k = _check_k(k)
        self.name = f"top-{self.k}"

    def constant_exact(self, d: int):
        """delta = k/d, from :mod:`theory.compressors`."""
        return constant_value("topk_delta", d=d, k=self.k)

    def constant(self, d: int) -> float:
        return _as_float(self.constant_exact(d))

    def select(self, xp, X):
        """Backend boolean mask (N, d) (or (R, N, d)): the k largest ``|x_j|`` of each row, ties to the
        lower index. The k-th largest magnitude of each row is the threshold (:func:`kth_largest`, on the
        host also for torch's CPU tensors; ``torch.topk`` on a GPU); every entry above it is kept, and of
        the entries equal to it the first ``k - #above`` ones (when exactly k entries reach the threshold
        they are the mask, and the tie count is skipped)."""
        _, d = batch_shape(xp, X)
        _check_k_le_d(self.k, d)
        A = xp.abs(X)
        if _is_torch(xp) and A.device.type == "cpu":               # the same value, found on the host
            thr = xp.torch.from_numpy(kth_largest(A.detach().numpy(), self.k))
        elif _is_torch(xp):
            thr = xp.torch.topk(A, self.k, dim=-1).values[..., -1:]
        else:
            A = np.asarray(A)
            thr = kth_largest(A, self.k)
        at_least = _bool(xp, A >= thr)
        if bool((at_least.sum(axis=-1) == self.k).all()):          # no tie cut at the threshold (almost always)
            return at_least
        greater, equal = _bool(xp, A > thr), _bool(xp, A == thr)
        need = self.k - greater.sum(axis=-1, keepdims=True)
        return greater | (equal & (equal.cumsum(axis=-1) <= need))

    def __call__(self, xp, X, rng=None, **kwargs) -> Compressed:
        N, d = batch_shape(xp, X)
        mask = self.select(xp, X)
        bits = np.full(tuple(X.shape[:-1]), FLOAT_BITS * self.k + subset_code_bits(d, self.k), dtype=np.int64)
        return Compressed(values=xp.where(mask, X, xp.scalar(0)), bits=bits, overflow=np.zeros(bits.shape, dtype=bool))

    def encode(self, values_row, mask_row) -> str:
        mask_row = np.asarray(mask_row, dtype=bool)
        idx = np.flatnonzero(mask_row)
        return encode_sparse(len(mask_row), idx, np.asarray(values_row, dtype=object)[idx])

    def decode(self, bits: str, d: int) -> np.ndarray:
        return decode_sparse(bits, d, self.k)


# -- Wangni et al. 2018 --------------------------------------------------------------------------------
class WangniSparsifier(Compressor):
    """Unbiased random sparsification of Wangni, Wang, Liu, Zhang (2018) with optimal probabilities.

    ``C(x)_j = x_j Z_j / p_j`` with independent ``Z_j ~ Bernoulli(p_j)`` (kept when ``U_j < p_j``,
    ``U = rng.random((N, d))``). The probabilities solve the paper's convex problem exactly; the
    Lagrange conditions give ``p_j = min(lambda |x_j|, 1)``:

    * ``epsilon`` given (variance budget): minimise ``sum_j p_j`` subject to
      ``sum_j x_j^2 / p_j <= (1 + epsilon) ||x||^2``. With ``a`` the magnitudes sorted decreasingly
      and ``T1_i = sum_{l >= i} a_l``, ``T2_i = sum_{l >= i} a_l^2``, take the first i with
      ``a_i T1_i <= epsilon ||x||^2 + T2_i``; then ``lambda = T1_i / (epsilon ||x||^2 + T2_i)``
      (the paper's closed form). Unbiased with ``omega = epsilon`` (the constraint is active).
    * ``density`` rho given: minimise the variance subject to ``sum_j p_j = rho d``: the first i with
      ``(rho d - i) a_i <= T1_i`` gives ``lambda = (rho d - i) / T1_i`` (when fewer than rho d
      coordinates are nonzero, every nonzero one is kept). Unbiased with ``omega = 1/rho - 1``.

    The paper's Algorithm 3 approximates the same ``p`` greedily in linear time; here the exact
    solution costs one sort per row. All of it is rational, so it runs exactly on the exact backend.
    Bits: see :mod:`reference_impl.compressors.sparsification` and :meth:`encode`.
    """

    kind = "unbiased"
    biased = False

    def __init__(self, epsilon=None, density=None) -> None:
        if (epsilon is None) == (density is None):
            raise ValueError("WangniSparsifier needs exactly one of epsilon (variance budget, >= 0) "
                             "or density (expected fraction of kept coordinates, in (0, 1])")
        if epsilon is not None:
            require_nonnegative_finite("WangniSparsifier epsilon", epsilon, spec="a number >= 0 (finite)")
        else:
            require_probability("WangniSparsifier density", density, low_open=True, spec="a number in (0, 1]")
        self.epsilon, self.density = epsilon, density
        self.name = f"wangni(epsilon={epsilon})" if epsilon is not None else f"wangni(density={density})"

    def constant_exact(self, d: int):
        """omega = epsilon, or 1/rho - 1, from :mod:`theory.compressors`."""
        if self.epsilon is not None:
            return constant_value("wangni_omega", epsilon=self.epsilon)
        return constant_value("wangni_density_omega", rho=self.density)

    def constant(self, d: int) -> float:
        return _as_float(self.constant_exact(d))

    def probabilities(self, xp, X):
        """``(p (N, d), lambda (N,))`` as backend arrays; ``lambda = 0`` for a zero row."""
        N, d = check_batch(xp, X)
        torch = xp.torch if _is_torch(xp) else None
        A = xp.abs(X)
        if torch is not None:
            a = torch.sort(A, dim=1, descending=True).values
            T1, T2 = a.flip(1).cumsum(1).flip(1), (a * a).flip(1).cumsum(1).flip(1)
        else:
            A = np.asarray(A)
            a = np.sort(A, axis=1)[:, ::-1]
            T1, T2 = np.cumsum(a[:, ::-1], axis=1)[:, ::-1], np.cumsum((a * a)[:, ::-1], axis=1)[:, ::-1]
        ramp = xp.asarray(np.arange(d))                 # i = 0..d-1 (exact on every backend)
        if self.epsilon is not None:
            rhs = _param(xp, self.epsilon) * T2[:, :1] + T2   # epsilon ||x||^2 + T2_i
            cond = a * T1 <= rhs
            num, den = T1, rhs
        else:
            num = _param(xp, self.density) * xp.scalar(d) - ramp   # rho d - i
            cond = num * a <= T1
            den = T1
        cond = _bool(xp, cond)
        first = (cond.int().argmax(dim=1) if torch is not None else cond.argmax(axis=1))[:, None]
        take = (lambda M: M.expand(N, d).gather(1, first)[:, 0]) if torch is not None else \
            (lambda M: np.take_along_axis(np.broadcast_to(M, (N, d)), first, axis=1)[:, 0])
        n_i, d_i = take(num), take(den)
        positive = _bool(xp, d_i > xp.scalar(0))
        lam = xp.where(positive, n_i / xp.where(positive, d_i, xp.scalar(1)), xp.scalar(0))
        p = lam[:, None] * A
        p = torch.clamp(p, max=1.0) if torch is not None else np.minimum(p, xp.scalar(1))
        if self.density is not None:
            # tail of zeros (T1_i = 0): keep every nonzero coordinate with probability 1
            one_if_nonzero = xp.where(_bool(xp, A > xp.scalar(0)), xp.scalar(1), xp.scalar(0))
            p = xp.where(positive[:, None], p, one_if_nonzero)
        return p, lam

    def sample(self, xp, X, rng: np.random.Generator):
        """``(values, keep, full, scale)``: the compressed rows (backend) and, on the host, the kept
        coordinates, those with ``p_j = 1`` (sent in full), and ``1/lambda`` (0 for a zero row)."""
        N, d = check_batch(xp, X)
        p, lam = self.probabilities(xp, X)
        U = xp.from_numpy_random(_require_rng(rng, "WangniSparsifier").random((N, d)))
        keep = _bool(xp, U < p)
        safe = xp.where(_bool(xp, p > xp.scalar(0)), p, xp.scalar(1))
        values = xp.where(keep, X / safe, xp.scalar(0))
        lam_host = np.asarray(xp.to_numpy(lam), dtype=np.float64)
        scale = np.divide(1.0, lam_host, out=np.zeros(N), where=lam_host > 0)
        return values, _host_mask(xp, keep), _host_mask(xp, p == xp.scalar(1)) & _host_mask(xp, keep), scale

    def outcomes(self, xp, x):
        """The finite support of ``C(x)`` for one row ``x`` (d,): every keep pattern of the coordinates with
        ``0 < p_j < 1`` (those with ``p_j = 1`` are always kept, ``p_j = 0`` never), with probability
        ``prod_j p_j or (1 - p_j)`` (Fractions on the exact backend) and value ``x_j / p_j`` on the kept
        coordinates. The optional support hook of :mod:`reference_impl.contracts_enumeration`."""
        import itertools

        p = self.probabilities(xp, x[None, :])[0][0]
        positive = _host_mask(xp, p > xp.scalar(0))
        full = x / xp.where(positive, p, xp.scalar(1))
        always = _host_mask(xp, p == xp.scalar(1))
        random_j = [j for j in range(len(positive)) if positive[j] and not always[j]]
        one = xp.scalar(1)
        for pattern in itertools.product((True, False), repeat=len(random_j)):
            keep, prob = always.copy(), one
            for j, kept in zip(random_j, pattern):
                keep[j] = kept
                prob = prob * (p[j] if kept else one - p[j])
            yield prob, xp.where(_to_backend_mask(xp, keep), full, xp.scalar(0))

    def __call__(self, xp, X, rng: np.random.Generator | None = None, **kwargs) -> Compressed:
        N, d = check_batch(xp, X)
        values, keep, full, _ = self.sample(xp, X, rng)
        m = keep.sum(axis=1)
        index_bits = np.array([subset_code_bits(d, int(v)) for v in m], dtype=np.int64)
        bits = (FLOAT_BITS + elias_gamma_length(m + 1) + index_bits
                + np.where(keep, 1 + np.where(full, FLOAT_BITS, 1), 0).sum(axis=1))
        return Compressed(values=values, bits=bits.astype(np.int64), overflow=np.zeros(N, dtype=bool))

    def encode(self, values_row, keep_row, full_row, scale: float) -> str:
        """One row: float32 ``1/lambda``, gamma(m+1), the kept set's rank, then per kept coordinate
        (increasing index) ``1`` + float32 value if ``p_j = 1``, else ``0`` + sign bit (1 = negative)."""
        keep_row, full_row = np.asarray(keep_row, dtype=bool), np.asarray(full_row, dtype=bool)
        d, idx = len(keep_row), np.flatnonzero(keep_row)
        out = [_float32_bits(scale), elias_gamma_encode(len(idx) + 1)]
        if subset_code_bits(d, len(idx)):
            out.append(format(subset_rank(idx), f"0{subset_code_bits(d, len(idx))}b"))
        for j in idx:
            v = values_row[j]
            out.append("1" + _float32_bits(v) if full_row[j] else "0" + ("1" if v < 0 else "0"))
        return "".join(out)

    def decode(self, bits: str, d: int) -> np.ndarray:
        """The float64 row a receiver reconstructs from :meth:`encode`'s bits."""
        scale = _float32_value(bits[:FLOAT_BITS])
        m1, pos = elias_gamma_decode(bits, FLOAT_BITS)
        m, width = m1 - 1, subset_code_bits(d, m1 - 1)
        idx = subset_unrank(int(bits[pos:pos + width], 2) if width else 0, m, d)
        pos += width
        out = np.zeros(d)
        for j in idx:
            if bits[pos] == "1":
                out[j], pos = _float32_value(bits[pos + 1:pos + 1 + FLOAT_BITS]), pos + 1 + FLOAT_BITS
            else:
                out[j], pos = (-scale if bits[pos + 1] == "1" else scale), pos + 2
        if pos != len(bits):
            raise ValueError(f"{len(bits) - pos} trailing bits after the Wangni message")
        return out


# -- random sketch -------------------------------------------------------------------------------------
class RandomSketch(Compressor):
    """``C(x) = S (S^T S)^+ S^T x`` with ``S`` a ``d x k`` standard Gaussian matrix (Stich 2020; 001).

    The orthogonal projection onto ``range(S)``, a uniformly random k-dimensional subspace:
    ``E||C(x) - x||^2 = (1 - k/d) ||x||^2``, contractive with ``delta = k/d`` (biased:
    ``E[C(x)] = (k/d) x``). ``S`` comes from ``rng.standard_normal((N, d, k))``; the receiver replays
    it from a shared seed, so a row costs ``32 k`` bits (its k coordinates in the subspace).
    Float backends project with a batched QR; the exact backend solves ``(S^T S) y = S^T x`` with
    Fractions (the float64 Gaussian draws are exact rationals), row by row.
    """

    kind = "contractive"
    biased = True

    def __init__(self, k: int) -> None:
        self.k = _check_k(k)
        self.name = f"sketch-{self.k}"

    def constant_exact(self, d: int):
        """delta = k/d, from :mod:`theory.compressors`."""
        return constant_value("sketch_delta", d=d, k=self.k)

    def constant(self, d: int) -> float:
        return _as_float(self.constant_exact(d))

    def __call__(self, xp, X, rng: np.random.Generator | None = None, **kwargs) -> Compressed:
        N, d = check_batch(xp, X)
        _check_k_le_d(self.k, d)
        G = _require_rng(rng, "RandomSketch").standard_normal((N, d, self.k))
        if xp.exact:
            values = xp.stack([_project_exact(xp.asarray(G[n]), X[n]) for n in range(N)]) if N else xp.zeros((0, d))
        elif _is_torch(xp):
            Q = xp.torch.linalg.qr(xp.from_numpy_random(G)).Q
            values = (Q @ (Q.transpose(1, 2) @ X[:, :, None]))[:, :, 0]
        else:
            Q = np.linalg.qr(G)[0]
            values = np.einsum("ndk,nk->nd", Q, np.einsum("ndk,nd->nk", Q, X))
        bits = np.full(N, FLOAT_BITS * self.k, dtype=np.int64)
        return Compressed(values=values, bits=bits, overflow=np.zeros(N, dtype=bool))


def _project_exact(S, x):
    """``S y`` with ``(S^T S) y = S^T x``, by Gauss-Jordan elimination over Fractions."""
    d, k = S.shape
    A = [[sum((S[i, a] * S[i, b] for i in range(d)), Fraction(0)) for b in range(k)]
         + [sum((S[i, a] * x[i] for i in range(d)), Fraction(0))] for a in range(k)]
    for col in range(k):
        pivot = next((r for r in range(col, k) if A[r][col] != 0), None)
        if pivot is None:
            raise ArithmeticError("the sketch matrix S is rank deficient (probability 0 for Gaussian S)")
        A[col], A[pivot] = A[pivot], A[col]
        for r in range(k):
            if r != col and A[r][col] != 0:
                f = A[r][col] / A[col][col]
                A[r] = [a - f * b for a, b in zip(A[r], A[col])]
    y = [A[r][k] / A[r][r] for r in range(k)]
    out = np.empty(d, dtype=object)
    for i in range(d):
        out[i] = sum((S[i, a] * y[a] for a in range(k)), Fraction(0))
    return out
