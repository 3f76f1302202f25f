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
import math
import re
import warnings
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
        """The value of ``text`` (exact Fraction, int or float by ``kind``), validated against the range.

        Only plain ASCII numbers are accepted: ``12``, ``-3/4``, ``0.95``, ``1e-3`` (``int`` parameters:
        digits only). The text is at most ``MAX_NUMBER_CHARS`` long and the exponent at most
        ``MAX_EXPONENT`` in size, so a Fraction is never built from ``1e999999999``. NaN and infinities
        are refused (every range here is a set of finite numbers), and so is a nonzero value whose
        magnitude float64 cannot hold (the checks evaluate in float64 somewhere).
        """
        value = parse_number(self.name, text, self.kind, self.range_text())
        self.validate(value)
        return value

    def validate(self, value: Any) -> None:
        if isinstance(value, float) and not math.isfinite(value):
            raise BadParameter(f"parameter {self.name}={value} is not finite; allowed range {self.range_text()}")
        bad = False
        if self.low is not None:
            bad |= value < self.low or (self.low_open and value == self.low)
        if self.high is not None:
            bad |= value > self.high or (self.high_open and value == self.high)
        if bad:
            raise BadParameter(f"parameter {self.name}={value} is outside its allowed range {self.range_text()}")


MAX_NUMBER_CHARS = 64
MAX_EXPONENT = 300
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE]([+-]?[0-9]+))?", re.ASCII)
_RATIO = re.compile(r"([+-]?[0-9]+)/([0-9]+)", re.ASCII)
_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
FLOAT64_MIN_MAGNITUDE = Fraction(1, 10**300)
FLOAT64_MAX_MAGNITUDE = Fraction(10**300)


def parse_number(name: str, text: Any, kind: str = "rational", range_text: str = "") -> Any:
    """Parse one parameter value safely (see :meth:`Param.parse`); raises BadParameter naming ``name``."""
    where = f"; allowed range {range_text}" if range_text else ""
    if isinstance(text, bool):
        raise BadParameter(f"parameter {name}={text!r} is not a number{where}")
    if isinstance(text, (int, Fraction)) and not isinstance(text, bool):
        value = text
    elif isinstance(text, float):
        if not math.isfinite(text):
            raise BadParameter(f"parameter {name}={text} is not finite{where}")
        value = Fraction(text)
    else:
        raw = str(text).strip()
        if len(raw) > MAX_NUMBER_CHARS:
            raise BadParameter(f"parameter {name}: value of {len(raw)} characters is too long "
                               f"(at most {MAX_NUMBER_CHARS}){where}")
        if not raw.isascii():
            raise BadParameter(f"parameter {name}={raw!r} contains non-ASCII characters; write plain digits{where}")
        if raw.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise BadParameter(f"parameter {name}={raw} is not finite{where}")
        if kind == "int":
            if not _INTEGER.fullmatch(raw):
                raise BadParameter(f"parameter {name}={raw!r} is not an integer (digits only){where}")
            value = int(raw)
        elif (m := _RATIO.fullmatch(raw)) is not None:
            if int(m.group(2)) == 0:
                raise BadParameter(f"parameter {name}={raw!r} divides by zero{where}")
            value = Fraction(int(m.group(1)), int(m.group(2)))
        elif (m := _DECIMAL.fullmatch(raw)) is not None:
            if m.group(1) is not None and abs(int(m.group(1))) > MAX_EXPONENT:
                raise BadParameter(f"parameter {name}={raw}: exponent beyond +/-{MAX_EXPONENT} "
                                   f"(float64 cannot hold it){where}")
            value = Fraction(raw)
        else:
            raise BadParameter(f"parameter {name}={raw!r} is not a number (examples: 3, -3/4, 0.95, 1e-3){where}")
    if kind == "int":
        if isinstance(value, Fraction):
            if value.denominator != 1:
                raise BadParameter(f"parameter {name}={value} is not an integer{where}")
            value = int(value)
        return value
    value = Fraction(value)
    if value != 0 and not FLOAT64_MIN_MAGNITUDE <= abs(value) <= FLOAT64_MAX_MAGNITUDE:
        raise BadParameter(f"parameter {name}={float(value):.3g}: magnitude outside [1e-300, 1e300], which the "
                           f"float64 parts of the checks cannot represent{where}")
    return float(value) if kind == "float" else value


@dataclasses.dataclass
class CheckResult:
    """What a check computed: ``holds`` and the numbers compared (name -> value), plus free text."""

    holds: bool
    compared: dict[str, Any]
    detail: str = ""
    warnings: list[str] = dataclasses.field(default_factory=list)


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
        """Run the check at the defaults overridden by ``given``.

        Raises :class:`BadParameter` for bad input, :class:`Undecidable` when the check cannot run at
        these legal parameters (a ValueError from a factory, e.g. a lattice code beyond int64) or
        float64 cannot decide (overflow / invalid-value / divide-by-zero warnings, OverflowError, FloatingPointError,
        sympy's PrecisionExhausted, or a non-finite number among the compared values), and lets any
        other exception through (an internal error). Other warnings are kept in ``result.warnings``.
        """
        if self.check is None:
            raise NotCheckable(self.notes or "no check is registered for this claim")
        params = self.resolve_params(given)
        import numpy as np
        from sympy.core.evalf import PrecisionExhausted

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                with np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
                    result = self.check(params)
            except (BadParameter, Undecidable):
                raise
            except (OverflowError, FloatingPointError, PrecisionExhausted) as exc:
                raise Undecidable(f"float64 cannot evaluate the check at these parameters "
                                  f"({type(exc).__name__}: {exc or 'precision exhausted'})") from exc
            except ValueError as exc:  # legal parameters the check's machinery cannot run at (e.g. a
                # lattice code whose level count exceeds int64): not the user's error, not a verdict
                raise Undecidable(f"the check cannot run at these parameters: {exc}") from exc
        trouble = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)
                   and _FLOAT_TROUBLE.search(str(w.message))]
        if trouble:
            raise Undecidable(f"float64 limits reached during the check ({trouble[0]}); a verdict computed "
                              f"from non-finite numbers would mean nothing")
        bad = [name for name, value in result.compared.items() if _non_finite(value)]
        if bad:
            raise Undecidable(f"the compared value {bad[0]} is not finite in float64 at these parameters")
        result.warnings = [str(w.message) for w in caught]
        return result


class NotCheckable(Exception):
    """The claim has no check (CLI exit code 3); the message gives the reason."""


_FLOAT_TROUBLE = re.compile(r"overflow|invalid value|divide by zero|underflow")


def _non_finite(value: Any) -> bool:
    if isinstance(value, bool) or isinstance(value, (int, Fraction, str)) or value is None:
        return False
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return False
    return not math.isfinite(number)


_REGISTRY: dict[str, Claim] = {}


@dataclasses.dataclass(frozen=True)
class Mutant:
    """A plausible typo of a claim's statement (a constant off, an exponent changed, a factor dropped,
    an inequality tightened past the truth, a hypothesis removed) with the check run on it.

    ``check(params) -> CheckResult`` evaluates the *mutated* statement with the same machinery as the
    claim's own check (the same run, derivation or enumeration), at the claim's parameters. The
    mutation test requires its verdict to differ from the claim's at the defaults: a check that
    cannot tell the printed statement from its typo checks nothing. ``equivalent`` (with a one-line
    reason) marks a mutant that provably cannot be told apart; it is reported, not required to flip.
    """

    claim_id: str
    description: str
    check: Callable[[Mapping[str, Any]], CheckResult]
    equivalent: str = ""


_MUTANTS: dict[str, list[Mutant]] = {}


def register_mutant(claim_id: str, description: str, check: Callable[[Mapping[str, Any]], CheckResult],
                    equivalent: str = "") -> Mutant:
    """Register a mutant of claim ``claim_id`` (see :class:`Mutant`); returns it."""
    mutant = Mutant(claim_id, description, check, equivalent)
    _MUTANTS.setdefault(claim_id, []).append(mutant)
    return mutant


def mutants(claim_id: str | None = None) -> list[Mutant]:
    """The registered mutants of one claim, or of every claim."""
    _load_all()
    if claim_id is not None:
        return list(_MUTANTS.get(claim_id, ()))
    return [m for ms in _MUTANTS.values() for m in ms]


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
