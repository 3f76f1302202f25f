"""Fast compressed communication (FCC, 001 Algorithm 1) as a wrapper around any contractive compressor.

R rounds of compressing the residual, each round's message sent to the receiver::

    c_1 = C(x);  for r = 2..R:  c_r = c_{r-1} + C(x - c_{r-1});  output c_R

(001 writes ``v^(k,0) = 0`` and ``v^(k,r+1) = v^(k,r) + C(v* - v^(k,r))``; starting from ``C(x)``
is the same first round without adding a zero, so ``R = 1`` returns exactly one compression.)
The rounds draw from ``rng`` one after the other, with fresh randomness each round. Bits: the sum
of the rounds' bits; ``overflow``: any round's overflow.

Lemma 1 of 001: for a delta-contractive C, ``E||FCC(x) - x||^2 <= (1 - delta)^R ||x||^2``, so FCC is
contractive with ``delta_R = 1 - (1 - delta)^R`` (:mod:`theory.compressors`, ``fcc_delta``). The
slide prints a strict ``<`` (for "R > 1"); unscaled rand-k attains equality for every x, so the
statement holds with ``<=`` (see :mod:`theory.compressors`).

Run axis (issue 10): both wrappers take (R, N, d) batches with a
:class:`~reference_impl.backends.RunStreams` when the inner compressor does (``run_axis``); every
round's draw is then each run's own, in its own order.

FCC is "compatible with unbiased compressors" (001) through the standard scaling:
:class:`ScaledUnbiased` turns an omega-unbiased compressor into a ``1/(1+omega)``-contractive one.
"""
from __future__ import annotations

import inspect
from fractions import Fraction

import numpy as np
import sympy as sp

from reference_impl.backends import NotRational
from reference_impl.compressors.base import Compressed, Compressor
from reference_impl.compressors.sparsification import batch_shape
from reference_impl.validation import is_int, require, require_compressor
from theory.compressors import check_params, constant_value

# At most this many FCC rounds: R compressions of the residual per message (001's experiments use R <= 5).
MAX_ROUNDS = 10_000


def _exact_constant(compressor: Compressor, d: int):
    """The compressor's constant as an exact sympy number (its ``constant_exact`` when it has one)."""
    exact = getattr(compressor, "constant_exact", None)
    if exact is not None:
        return sp.sympify(exact(d))
    f = Fraction(float(compressor.constant(d)))
    return sp.Rational(f.numerator, f.denominator)


class FCC(Compressor):
    """R-round FCC around ``compressor`` (contractive), 001 Algorithm 1; ``delta_R = 1-(1-delta)^R``.

    Args:
        compressor: a :class:`~reference_impl.compressors.base.Compressor` of kind ``"contractive"``
            (wrap an unbiased one in :class:`ScaledUnbiased`).
        rounds: R >= 1.
    """

    kind = "contractive"
    biased = True

    def __init__(self, compressor: Compressor, rounds: int) -> None:
        require(not inspect.isclass(compressor) and callable(compressor)
                and getattr(compressor, "kind", None) == "contractive",
                f"FCC (001, Lemma 1) needs a contractive compressor object, got {compressor!r} of kind "
                f"{getattr(compressor, 'kind', None)!r}; wrap an unbiased one in ScaledUnbiased")
        require(is_int(rounds) and 1 <= rounds <= MAX_ROUNDS,
                f"FCC rounds R must be an integer >= 1, got R={rounds!r} (and at most {MAX_ROUNDS}: each round "
                f"is one more compression of the residual)")
        self.compressor = compressor
        self.rounds = int(rounds)
        self.name = f"fcc(R={self.rounds}, {compressor.name})"

    def constant_exact(self, d: int):
        """``delta_R = 1 - (1 - delta)^R`` with the inner compressor's delta (sympy)."""
        return constant_value("fcc_delta", delta=_exact_constant(self.compressor, d), R=self.rounds)

    def constant(self, d: int) -> float:
        return float(self.constant_exact(d))

    @property
    def run_axis(self) -> bool:
        """Run-agnostic when the inner compressor is (its rounds then take (R, N, d) inputs)."""
        return bool(getattr(self.compressor, "run_axis", False))

    def __call__(self, xp, X, rng: np.random.Generator | None = None, **kwargs) -> Compressed:
        batch_shape(xp, X)
        out = self.compressor(xp, X, rng, **kwargs)
        total, bits, overflow = out.values, np.asarray(out.bits, dtype=np.int64).copy(), out.overflow.copy()
        for _ in range(self.rounds - 1):
            out = self.compressor(xp, X - total, rng, **kwargs)
            total = total + out.values
            bits += out.bits
            overflow |= out.overflow
        return Compressed(values=total, bits=bits, overflow=overflow)

    def outcomes(self, xp, x, inner=None, limit=100_000):
        """The finite support of ``FCC(x)`` for one row ``x`` (d,), or None when the inner compressor has
        none (or the support grows beyond ``limit`` distinct values): round by round, each total ``c``
        followed by every outcome of ``C(x - c)``, probabilities multiplied (the rounds draw fresh
        randomness), equal totals merged. ``inner(compressor, xp, x)`` enumerates the inner compressor
        (default: its own ``outcomes`` hook). The optional support hook of
        :mod:`reference_impl.contracts_enumeration`."""
        if inner is None:
            def inner(c, xp_, row):
                hook = getattr(c, "outcomes", None)
                return None if hook is None else hook(xp_, row)
        dist: dict = {}
        first = inner(self.compressor, xp, x)
        if first is None:
            return None
        for p, v in first:
            key = tuple(v.tolist())
            dist[key] = (dist[key][0] + p, v) if key in dist else (p, v)
        for _ in range(self.rounds - 1):
            nxt: dict = {}
            for p, total in dist.values():
                step = inner(self.compressor, xp, x - total)
                if step is None:
                    return None
                for q, v in step:
                    new = total + v
                    key = tuple(new.tolist())
                    nxt[key] = (nxt[key][0] + p * q, new) if key in nxt else (p * q, new)
                if len(nxt) > limit:
                    return None
            dist = nxt
        return list(dist.values())


class ScaledUnbiased(Compressor):
    """``C(x) / (1 + omega)`` for an omega-unbiased C: contractive with ``delta = 1/(1+omega)``.

    ``E||C(x)/(1+omega) - x||^2 <= (1 - 1/(1+omega)) ||x||^2`` (``scaled_unbiased_delta`` of
    :mod:`theory.compressors`; e.g. QSGD as a contractive compressor). Same bits as C. On the exact
    backend omega must be rational (else :class:`~reference_impl.backends.NotRational`).
    """

    kind = "contractive"
    biased = True

    def __init__(self, compressor: Compressor) -> None:
        require_compressor("compressor", compressor, ("unbiased",))
        self.compressor = compressor
        self.name = f"scaled({compressor.name})"
        self._delta_by_d: dict[int, sp.Expr] = {}  # the sympy evaluation is slow: once per dimension

    def constant_exact(self, d: int):
        """``delta = 1/(1 + omega)`` (sympy), cached per dimension."""
        if d not in self._delta_by_d:
            self._delta_by_d[d] = constant_value("scaled_unbiased_delta", omega=_exact_constant(self.compressor, d))
        return self._delta_by_d[d]

    def constant(self, d: int) -> float:
        return float(self.constant_exact(d))

    def factor(self, xp, d: int):
        """``1/(1+omega)`` as a backend scalar (exact Fraction on the exact backend)."""
        value = self.constant_exact(d)
        if xp.exact:
            if not value.is_Rational:
                raise NotRational(f"1/(1+omega) = {value} is irrational; use the numpy or torch backend")
            return xp.scalar(Fraction(int(value.p), int(value.q)))
        return xp.scalar(float(value))

    def outcomes(self, xp, x, inner=None):
        """The finite support of ``C(x) / (1 + omega)`` for one row: the inner compressor's outcomes
        scaled (None when it has none); ``inner`` as in :meth:`FCC.outcomes`."""
        support = inner(self.compressor, xp, x) if inner is not None else \
            (self.compressor.outcomes(xp, x) if hasattr(self.compressor, "outcomes") else None)
        if support is None:
            return None
        factor = self.factor(xp, int(x.shape[0]))
        return [(p, v * factor) for p, v in support]

    @property
    def run_axis(self) -> bool:
        """Run-agnostic when the inner compressor is."""
        return bool(getattr(self.compressor, "run_axis", False))

    def __call__(self, xp, X, rng: np.random.Generator | None = None, **kwargs) -> Compressed:
        _, d = batch_shape(xp, X)
        if d not in self._delta_by_d:
            check_params(d=d)
        out = self.compressor(xp, X, rng, **kwargs)
        return Compressed(values=out.values * self.factor(xp, d), bits=out.bits, overflow=out.overflow)
