"""Worst-case certificates (PEPit + Clarabel) for the one-step contractions the theorems rely on.

Each :class:`Certificate` is evidence attached to a claim of the ledger: the tight worst case of a
step over a function class (a performance-estimation problem, solved as an SDP), compared with the
constant the paper prints. ``verdict`` is ``"tight"`` (worst case equals the printed constant within
the solver's tolerance), ``"loose"`` (worst case strictly below it; ``ratio`` = worst / printed says by
how much) or ``"violated"`` (worst case above the printed constant: an erratum's evidence).

The registry is filled by :mod:`theory.pep_certificates` (imported lazily: solving the SDPs costs
seconds). Use :func:`certificates_for` from the book and the CLI.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

VERDICTS = ("tight", "loose", "violated")


@dataclasses.dataclass(frozen=True)
class CertificateResult:
    worst: float        # the PEP worst case (SDP optimum)
    printed: float      # the paper's constant at the same parameters
    tolerance: float    # the solver accuracy used to decide "tight" / "violated"
    parameters: dict    # the parameter values of this evaluation
    detail: str = ""
    lower: float | None = None  # a lower bound on the worst case where known (the SDP's primal value)

    @property
    def ratio(self) -> float:
        return self.worst / self.printed if self.printed else float("inf")

    @property
    def verdict(self) -> str:
        if self.worst > self.printed * (1 + self.tolerance) + self.tolerance:
            return "violated"
        if abs(self.worst - self.printed) <= self.tolerance * (1 + abs(self.printed)):
            return "tight"
        return "loose"


@dataclasses.dataclass(frozen=True)
class Certificate:
    """One certified contraction: which claim it backs, what is certified, and how to compute it."""

    claim_id: str
    title: str            # e.g. "EF recursion, contractive compressor, n = 1"
    description: str      # the PEP: function class, step, initial condition, performance metric
    compute: Callable[[], CertificateResult]


_CERTIFICATES: list[Certificate] = []


def register_certificate(cert: Certificate) -> Certificate:
    if any(c.claim_id == cert.claim_id and c.title == cert.title for c in _CERTIFICATES):
        raise ValueError(f"certificate {cert.title!r} for {cert.claim_id} registered twice")
    _CERTIFICATES.append(cert)
    return cert


def _load() -> None:
    import importlib.util

    if importlib.util.find_spec("theory.pep_certificates") is not None:
        import theory.pep_certificates  # noqa: F401  (registers on import)


def all_certificates() -> list[Certificate]:
    _load()
    return list(_CERTIFICATES)


def certificates_for(claim_id: str) -> list[Certificate]:
    """The certificates attached to one claim (possibly none)."""
    return [c for c in all_certificates() if c.claim_id == claim_id]
