"""The claims registry: one entry per numbered claim (theorem, lemma, corollary, table row) of a work.

Each claim carries its source location, a one-line summary, the sympy expression of its constant or
bound (where it has one), the parameters a reviewer may set (with defaults and allowed ranges), a
check that can fail, and a status:

* ``verified-symbolic``: the statement (or its constant) was derived/checked with sympy;
* ``verified-numeric``: checked numerically (exact rationals where possible) at the default parameters;
* ``erratum``: the statement as printed fails; the entry holds the counterexample or corrected formula;
* ``not-checkable``: cannot be checked here (the reason is in ``notes``).

A check is a function ``check(params) -> CheckResult``; ``holds`` is what the CLI turns into its exit
code. For an ``erratum`` claim the check tests the statement *as printed* (so it fails at the
counterexample parameters) and the corrected statement is reported alongside.
"""
from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Any, Callable, Mapping

STATUSES = ("verified-symbolic", "verified-numeric", "erratum", "not-checkable")
PAPERS = {
    "iade": "000: IADE / AIADE / IADE-SGD (Ye, Xiao, Sun 2020)",
    "neolithic": "001: lower bounds and NEOLITHIC",
    "compams": "002: Top-k AMSGrad with error feedback",
    "lena": "003: LENA, self-triggered uploads",
    "mcm": "004: MCM / Rand-MCM, bidirectional compression",
}


class BadParameter(ValueError):
    """A claim parameter is missing, unknown or out of its allowed range (CLI exit code 2)."""


class Undecidable(Exception):
    """Raised by a check that cannot decide the claim at these parameters (CLI exit code 3).

    Use it when float64 is not precise enough (overflow, underflow, cancellation larger than the
    margin being tested) and no exact or higher-precision route is available, or when a solver
    (PEPit, cvxpy) cannot give a trustworthy answer. The message says why. A check must never
    report a claim false because of rounding: raise this instead.
    """


@dataclasses.dataclass(frozen=True)
class Param:
    """A parameter of a claim check: default value and allowed range.

    ``low``/``high`` bound the value; ``low_open``/``high_open`` say whether the bound itself is
    excluded. ``kind`` is ``"rational"`` (parsed as an exact Fraction), ``"int"`` or ``"float"``.
    """

    name: str
    default: Any
    low: Any = None
    high: Any = None
    low_open: bool = False
    high_open: bool = False
    kind: str = "rational"
    help: str = ""

    def range_text(self) -> str:
        left = "(" if self.low_open else "["
        right = ")" if self.high_open else "]"
        lo = "-inf" if self.low is None else str(self.low)
        hi = "inf" if self.high is None else str(self.high)
        return f"{left}{lo}, {hi}{right}"

    def parse(self, text: str | Any) -> Any:
        try:
            if self.kind == "int":
                value = int(text)
            elif self.kind == "float":
                value = float(text)
            else:
                value = Fraction(str(text))
        except (ValueError, ZeroDivisionError):
            raise BadParameter(f"parameter {self.name}={text!r} is not a valid {self.kind} number; "
                               f"allowed range {self.range_text()}") from None
        self.validate(value)
        return value

    def validate(self, value: Any) -> None:
        bad = False
        if self.low is not None:
            bad |= value < self.low or (self.low_open and value == self.low)
        if self.high is not None:
            bad |= value > self.high or (self.high_open and value == self.high)
        if bad:
            raise BadParameter(f"parameter {self.name}={value} is outside its allowed range {self.range_text()}")


@dataclasses.dataclass
class CheckResult:
    """What a check computed: ``holds`` and the numbers compared (name -> value), plus free text."""

    holds: bool
    compared: dict[str, Any]
    detail: str = ""


@dataclasses.dataclass
class Claim:
    id: str
    paper: str
    source: str
    statement: str
    status: str
    check: Callable[[Mapping[str, Any]], CheckResult] | None
    params: tuple[Param, ...] = ()
    expression: Any = None  # a sympy expression (or a dict name -> expression) for the book
    notes: str = ""
    correction: str = ""  # for errata: the corrected statement / formula

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"claim {self.id}: status {self.status!r} not in {STATUSES}")
        if self.paper not in PAPERS:
            raise ValueError(f"claim {self.id}: paper {self.paper!r} not in {sorted(PAPERS)}")
        if not self.id.startswith(self.paper + "."):
            raise ValueError(f"claim id {self.id!r} must start with '{self.paper}.'")
        if self.status != "not-checkable" and self.check is None:
            raise ValueError(f"claim {self.id}: status {self.status} needs a check")

    def resolve_params(self, given: Mapping[str, str] | None = None) -> dict[str, Any]:
        """Defaults overridden by ``given`` (strings or values); each validated against its range."""
        given = dict(given or {})
        known = {p.name: p for p in self.params}
        unknown = sorted(set(given) - set(known))
        if unknown:
            allowed = ", ".join(sorted(known)) or "none"
            raise BadParameter(f"claim {self.id} has no parameter {unknown[0]!r}; its parameters: {allowed}")
        values = {}
        for name, param in known.items():
            values[name] = param.parse(given[name]) if name in given else param.default
            if name not in given:
                param.validate(values[name])
        return values

    def run_check(self, given: Mapping[str, str] | None = None) -> CheckResult:
        if self.check is None:
            raise BadParameter(f"claim {self.id} is not checkable: {self.notes}")
        return self.check(self.resolve_params(given))


_REGISTRY: dict[str, Claim] = {}


def register(claim: Claim) -> Claim:
    if claim.id in _REGISTRY:
        raise ValueError(f"claim {claim.id} registered twice")
    _REGISTRY[claim.id] = claim
    return claim


def all_claims(paper: str | None = None) -> list[Claim]:
    _load_all()
    if paper is not None and paper not in PAPERS:
        raise BadParameter(f"unknown paper key {paper!r}; allowed: {', '.join(PAPERS)}")
    return [c for c in _REGISTRY.values() if paper is None or c.paper == paper]


def get(claim_id: str) -> Claim:
    _load_all()
    try:
        return _REGISTRY[claim_id]
    except KeyError:
        raise BadParameter(f"unknown claim {claim_id!r}; `repro claims` lists the ids") from None


def _load_all() -> None:
    import theory.claims  # noqa: F401  (registers every paper's claims on import)
