"""Exact expectations of a randomised compressor by enumerating its finite support (issue 13, section 6).

A compressor may declare the distribution of ``C(x)`` for one row ``x`` through an optional hook::

    outcomes(xp, x) -> iterable of (probability, value)      or None (no finite support to offer)

Our finite-support compressors have one: rand-k (every k-subset, probability ``1/C(d, k)``), Wangni's
sparsifier (every keep pattern), FCC, the scaled unbiased wrapper and the layer-wise wrapper (from the
wrapped compressor's support; their hooks take ``inner=`` to enumerate the wrapped one, here
:func:`support`), and QSGD (Alistarh et al. 2017, Section 3: given the norm, each level is
``floor(r_j)`` or ``floor(r_j) + 1`` with ``r_j = s |x_j| / ||x||``).

:func:`enumerate_rows` runs the support on the exact backend where it can (every probability and value
a Fraction: expectations with no rounding at all) and in float64 otherwise, e.g. QSGD on a vector
whose norm ``sqrt(||x||^2)`` is irrational (:class:`~reference_impl.backends.NotRational`).
:func:`float_rel_tolerance` states the float64 rounding allowance. :func:`frequency_test` checks the
hook against the compressor's real draws (a chi-square test on the outcome counts), so a hook cannot
lie about the distribution the compressor samples; rows matching no outcome fail it outright.
The checks built on these are :func:`reference_impl.contracts.check_constant`,
:func:`~reference_impl.contracts.check_unbiased` and :func:`~reference_impl.contracts.check_support`.
"""
from __future__ import annotations

import dataclasses
import inspect
import itertools
from fractions import Fraction
from typing import Any

import numpy as np

from reference_impl.backends import EXACT, NUMPY

#: Enumerate only up to this dimension (the supports grow like 2^d or C(d, k)); Monte Carlo above.
MAX_ENUM_D = 8
#: At most this many outcomes per test vector; a larger support falls back to Monte Carlo.
MAX_OUTCOMES = 5000
#: Chi-square p-value below which the hook and the sampler disagree (per test vector; fixed seeds).
P_MIN = 1e-6
#: Categories with fewer expected draws are pooled (the chi-square approximation needs about 5).
MIN_EXPECTED = 5.0
UNIT_ROUNDOFF = 2.0 ** -53


class BadSupport(ValueError):
    """An ``outcomes`` hook whose probabilities are negative or do not sum to 1."""


@dataclasses.dataclass
class RowSupport:
    """The enumerated distribution of C(x) for one test row: ``probs`` (K,), ``values`` (K, d)."""

    x: Any                 # the row on the backend used (Fractions when exact)
    probs: list
    values: list
    exact: bool
    note: str = ""         # why the exact backend was not used, when it was not

    @property
    def size(self) -> int:
        return len(self.probs)


def has_support(compressor) -> bool:
    """True when the compressor declares an ``outcomes`` hook."""
    return callable(getattr(compressor, "outcomes", None))


def support(compressor, xp, x):
    """The compressor's outcomes for one row (an iterable of (probability, value)), or None."""
    hook = getattr(compressor, "outcomes", None)
    if callable(hook):
        takes_inner = "inner" in inspect.signature(hook).parameters
        return hook(xp, x, inner=support) if takes_inner else hook(xp, x)
    return None


def _materialise(outcomes, xp) -> tuple[list, list] | None:
    probs, values = [], []
    for p, v in itertools.islice(outcomes, MAX_OUTCOMES + 1):
        probs.append(p)
        values.append(v)
    if len(probs) > MAX_OUTCOMES:
        return None
    return probs, values


def float_rel_tolerance(outcomes: int, d: int) -> float:
    """Relative float64 rounding allowance of an enumerated expectation: a sum of ``K`` nonnegative terms,
    each a product of at most ``d`` probabilities times a squared distance of ``d`` coordinates, carries a
    relative error of at most about ``(K + 3d + 8) u`` (u = 2^-53); twice that is allowed."""
    return 2.0 * (outcomes + 3 * d + 8) * UNIT_ROUNDOFF


def _check_probabilities(probs, exact: bool, d: int) -> None:
    if any(p < 0 for p in probs):
        raise BadSupport("the outcomes hook returned a negative probability")
    total = sum(probs, Fraction(0)) if exact else float(sum(float(p) for p in probs))
    ok = total == 1 if exact else abs(total - 1.0) <= float_rel_tolerance(len(probs), d)
    if not ok:
        raise BadSupport(f"the outcomes hook's probabilities sum to {total}, not 1")


def enumerate_row(compressor, x: np.ndarray) -> RowSupport | None:
    """The support of C(x) for one float64 row: on the exact backend if the compressor runs there, else
    float64 (the reason recorded). None when it has no support or more than :data:`MAX_OUTCOMES`."""
    note = ""
    try:
        xe = EXACT.asarray(x)
        outs = support(compressor, EXACT, xe)
        got = None if outs is None else _materialise(outs, EXACT)
        if outs is None or got is None:
            return None
        if all(isinstance(p, Fraction) for p in got[0]):
            _check_probabilities(got[0], True, len(x))
            return RowSupport(xe, [Fraction(p) for p in got[0]], got[1], True)
        note = "the probabilities are not rational"
    except BadSupport:
        raise
    except Exception as exc:  # noqa: BLE001  (NotRational, or no exact support: fall back to float64)
        note = " ".join(str(exc).split())[:160] or type(exc).__name__
    outs = support(compressor, NUMPY, np.asarray(x, dtype=np.float64))
    got = None if outs is None else _materialise(outs, NUMPY)
    if got is None:
        return None
    probs = [float(p) for p in got[0]]
    _check_probabilities(probs, False, len(x))
    values = [np.asarray(NUMPY.to_numpy(v), dtype=np.float64) for v in got[1]]
    return RowSupport(np.asarray(x, dtype=np.float64), probs, values, False, note)


def enumerate_rows(compressor, X: np.ndarray) -> tuple[list[RowSupport] | None, str]:
    """Every test row's support, or ``(None, reason)`` when the compressor cannot be enumerated."""
    d = X.shape[1]
    if not has_support(compressor):
        return None, "no outcomes hook (finite support not declared)"
    if d > MAX_ENUM_D:
        return None, f"d = {d} > {MAX_ENUM_D}: the support is too large to enumerate"
    rows = []
    for x in X:
        rs = enumerate_row(compressor, x)
        if rs is None:
            return None, f"the support has more than {MAX_OUTCOMES} outcomes (or the hook returned None)"
        rows.append(rs)
    return rows, ""


def moments(rs: RowSupport) -> dict:
    """``E[C(x)]``, ``E||C(x) - x||^2``, ``||x||^2`` and (float64) the scale ``sum_o p |v_oj|`` of each mean."""
    zero = Fraction(0) if rs.exact else 0.0
    d = len(rs.x)
    mean = [sum((p * v[j] for p, v in zip(rs.probs, rs.values)), zero) for j in range(d)]
    sq_err = sum((p * sum(((v[j] - rs.x[j]) ** 2 for j in range(d)), zero) for p, v in zip(rs.probs, rs.values)),
                 zero)
    scale = [sum((abs(p * v[j]) for p, v in zip(rs.probs, rs.values)), zero) for j in range(d)]
    return dict(mean=mean, sq_err=sq_err, sq_norm=sum((v * v for v in rs.x), zero), scale=scale)


def frequency_test(compressor, rs: RowSupport, draws: int, rng: np.random.Generator) -> dict:
    """Draw ``draws`` compressions of the row and compare the outcome counts with the hook's probabilities.

    The hook's float64 outcomes are matched to the drawn rows (nearest outcome, within ``1e-9`` relative:
    the hook and the sampler may round differently); equal outcomes are merged. Categories expected fewer
    than :data:`MIN_EXPECTED` times are pooled. Returns the chi-square statistic, degrees of freedom,
    p-value (1.0 with one category) and the number of drawn rows that match no outcome.
    """
    from scipy.stats import chi2

    x = np.asarray(NUMPY.to_numpy(rs.x) if rs.exact else rs.x, dtype=np.float64)
    if rs.exact:
        got = _materialise(support(compressor, NUMPY, x), NUMPY)
        probs = np.array([float(p) for p in got[0]])
        O = np.array([np.asarray(NUMPY.to_numpy(v), dtype=np.float64) for v in got[1]])
    else:
        probs, O = np.array(rs.probs, dtype=np.float64), np.array(rs.values, dtype=np.float64)
    keys: dict = {}
    for p, v in zip(probs, O):
        key = tuple(v.tolist())
        keys[key] = keys.get(key, 0.0) + p
    O = np.array(list(keys), dtype=np.float64).reshape(len(keys), len(x))
    probs = np.array(list(keys.values()))
    V = np.asarray(NUMPY.to_numpy(compressor(NUMPY, np.tile(x, (draws, 1)), rng).values), dtype=np.float64)
    dist = np.abs(V[:, None, :] - O[None, :, :]).max(axis=2)
    nearest = dist.argmin(axis=1)
    tol = 1e-9 * (1.0 + np.abs(x).max())
    unmatched = int(np.sum(dist[np.arange(draws), nearest] > tol))
    counts = np.bincount(nearest[dist[np.arange(draws), nearest] <= tol], minlength=len(probs)).astype(float)
    expected = draws * probs
    big = expected >= MIN_EXPECTED
    obs_c, exp_c = list(counts[big]), list(expected[big])
    if (~big).any():
        if expected[~big].sum() >= MIN_EXPECTED or not exp_c:
            obs_c.append(counts[~big].sum())
            exp_c.append(expected[~big].sum())
        else:                                   # too small even pooled: into the smallest category
            i = int(np.argmin(exp_c))
            obs_c[i] += counts[~big].sum()
            exp_c[i] += expected[~big].sum()
    if len(exp_c) < 2:
        return dict(stat=0.0, df=0, p_value=1.0, unmatched=unmatched, outcomes=len(probs))
    obs_c, exp_c = np.array(obs_c), np.array(exp_c)
    stat = float(np.sum((obs_c - exp_c) ** 2 / np.where(exp_c > 0, exp_c, 1.0)))
    df = len(exp_c) - 1
    return dict(stat=stat, df=df, p_value=float(chi2.sf(stat, df)), unmatched=unmatched, outcomes=len(probs))
