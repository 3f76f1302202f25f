"""Contract checks for any compressor: the declared class and constant, unbiasedness, bits, worker axis.

Issue 13, section 6: the checks every compressor of the library passes, applied to a researcher's own
(``repro compressor mypkg.mymod:MyCompressor --d 6``, :mod:`reference_impl.contracts_cli`). They are
driven by what the object declares (:mod:`reference_impl.compressors.base`): ``kind`` and
``constant(d)``:

1. :func:`check_declaration` - ``kind`` in ``KINDS``; ``omega >= 0`` (unbiased), ``0 < delta <= 1``
   (contractive).
2. :func:`check_constant` - the declared constant holds on a fixed set of test vectors. Deterministic
   compressors (same output for two different seeds): ``||C(x) - x||^2 <= (1 - delta) ||x||^2`` for every
   test vector, in exact rational arithmetic when the compressor runs on the exact backend (no tolerance),
   else in float64 with a relative slack of ``1e-12``. Randomised ones with a finite support (an
   ``outcomes(xp, x)`` hook, :mod:`reference_impl.contracts_enumeration`; d <= 8): ``E||C(x) - x||^2``
   over every outcome, exactly on Fractions where the compressor runs on the exact backend (compared
   with the declared constant exactly, sympy for an irrational one such as QSGD's ``sqrt(d)/s``), in
   float64 with a stated rounding allowance where it does not (QSGD's irrational norms). Otherwise Monte
   Carlo, ``M`` draws of each test vector at once (one batch of ``M`` rows); the mean of
   ``||C(x) - x||^2 / ||x||^2`` must not exceed ``omega`` (or ``1 - delta``) by more than ``Z_ONE_SIDED``
   standard errors.
3. :func:`check_unbiased` (kind ``"unbiased"`` only) - by enumeration ``E[C(x)] = x`` (Fraction equality,
   or to float64 rounding); by Monte Carlo, per coordinate, ``|mean_M C(x)_j - x_j|`` at most
   ``Z_TWO_SIDED`` standard errors, plus the float64 summation error ``M 2^-53 max|C(x)_j|`` of the mean.
   :func:`check_support` - the ``outcomes`` hook agrees with the compressor's own draws (every drawn row
   is a declared outcome; chi-square on the counts), so a hook cannot make a wrong compressor pass.
4. :func:`check_bits` - through the wire codec of :mod:`reference_impl.distributed.codecs` (or the
   compressor's own ``codec(compressor)`` hook): every row's encoded length equals the recorded
   ``bits``, and the decoder returns the values up to float32 rounding (relative ``2^-23``).
5. :func:`check_worker_axis` - no cross-talk: changing row 0 of a batch leaves the other rows' outputs
   unchanged (same seed); and, where the draws are taken row by row, compressing the rows one at a time
   from the same generator gives the batch's values (skipped with the reason otherwise, e.g. FCC draws
   round by round).

Each check returns a :class:`CheckResult` (name, status, the numbers compared, the tolerance and why, and
the method: exact rationals, exact enumeration, float64 enumeration, Monte Carlo or frequency test).
Monte Carlo tolerances: with ``Z_ONE_SIDED = 4`` a correct compressor whose bound is tight (rand-k,
``E = omega`` exactly) fails with probability about ``3e-5`` per test vector; ``Z_TWO_SIDED = 4.5``
gives about ``7e-6`` per coordinate (so below ``1e-3`` over 100 coordinate-vector pairs). Seeds are
fixed, so a given compressor gets the same verdict on every run.
"""
from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp

from reference_impl.backends import EXACT, NUMPY
from reference_impl.compressors.base import KINDS
from reference_impl.contracts_enumeration import (MIN_EXPECTED, P_MIN, BadSupport, enumerate_rows,
                                                  float_rel_tolerance, frequency_test, has_support, moments)

Z_ONE_SIDED = 4.0
Z_TWO_SIDED = 4.5
FLOAT_SLACK = 1e-12          # float64 rounding of ||C(x) - x||^2 on a deterministic compressor
FLOAT32_REL = 2.0 ** -23     # decoded values travel as float32
DEFAULT_DRAWS = 4000
MAX_D = 64


@dataclasses.dataclass
class CheckResult:
    """One contract check: ``status`` is ``"passed"``, ``"failed"`` or ``"skipped"``."""

    name: str
    status: str
    compared: dict
    tolerance: str
    detail: str = ""
    method: str = ""     # how it was checked: "exact enumeration", "Monte Carlo", "exact rationals", ...

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def sample_vectors(d: int, seed: int = 0) -> np.ndarray:
    """Fixed non-zero test rows of dimension d: Gaussian rows, e_0, all ones (ties), alternating signs
    with a zero, geometric magnitudes, and ``(d-2, 2, ..., 2)`` with alternating signs, whose norm ``d``
    is rational (so norm-based compressors such as QSGD enumerate exactly on it)."""
    rng = np.random.default_rng(seed)
    j = np.arange(d)
    rows = [rng.standard_normal(d) for _ in range(4)]
    rows += [np.eye(d)[0], np.ones(d), np.where(j == d - 1, 0.0, (-1.0) ** j) if d > 1 else np.ones(1),
             2.0 ** -j, np.where(j == 0, d - 2.0, 2.0) * (-1.0) ** j]
    return np.asarray(rows, dtype=np.float64)


def _values(xp, out) -> np.ndarray:
    return np.asarray(xp.to_numpy(out.values), dtype=np.float64)


def is_deterministic(compressor, d: int) -> bool:
    """Same output on the test vectors for two different seeds."""
    X = sample_vectors(d)
    a = _values(NUMPY, compressor(NUMPY, X, np.random.default_rng(1)))
    b = _values(NUMPY, compressor(NUMPY, X, np.random.default_rng(2)))
    return bool(np.array_equal(a, b))


def check_declaration(compressor, d: int) -> CheckResult:
    """``kind`` in KINDS and the constant in its range (omega >= 0; 0 < delta <= 1)."""
    kind = getattr(compressor, "kind", None)
    tol = "exact comparison"
    if kind not in KINDS:
        return CheckResult("declaration", "failed", {"kind": repr(kind)}, tol, f"kind must be one of {KINDS}")
    if kind == "absolute-error":
        return CheckResult("declaration", "passed", {"kind": kind}, tol, "absolute-error: no constant to declare")
    try:
        c = float(compressor.constant(d))
    except Exception as exc:  # noqa: BLE001  (a user's compressor: report, do not crash)
        return CheckResult("declaration", "failed", {"kind": kind}, tol, f"constant({d}) raised {exc!r}")
    ok = c >= 0 if kind == "unbiased" else 0 < c <= 1
    allowed = "omega >= 0" if kind == "unbiased" else "0 < delta <= 1"
    return CheckResult("declaration", "passed" if ok else "failed", {"kind": kind, "constant": c}, tol,
                       f"allowed: {allowed}")


def _exact_sq_ratios(compressor, X: np.ndarray):
    """``||C(x)-x||^2 / ||x||^2`` per row as Fractions on the exact backend, or None if it cannot run there."""
    try:
        Xe = EXACT.asarray(X)
        V = compressor(EXACT, Xe, np.random.default_rng(1)).values
        return [sum(((V[i, j] - Xe[i, j]) ** 2 for j in range(X.shape[1])), Fraction(0))
                / sum((v * v for v in Xe[i]), Fraction(0)) for i in range(X.shape[0])]
    except Exception:  # noqa: BLE001  (NotRational, or a compressor without exact support)
        return None


def check_constant(compressor, d: int, draws: int = DEFAULT_DRAWS, seed: int = 0) -> CheckResult:
    """The declared omega or delta holds on :func:`sample_vectors` (exactly if deterministic, else Monte Carlo)."""
    kind = getattr(compressor, "kind", None)
    if kind not in ("unbiased", "contractive"):
        return CheckResult("constant", "skipped", {"kind": repr(kind)}, "-",
                           "only unbiased and contractive compressors declare omega or delta")
    c = float(compressor.constant(d))
    bound = c if kind == "unbiased" else 1.0 - c
    what = "omega" if kind == "unbiased" else "1 - delta"
    X = sample_vectors(d)
    if is_deterministic(compressor, d):
        exact = _exact_sq_ratios(compressor, X)
        if exact is not None:
            exact_bound = _declared_bound_exact(compressor, d, kind)
            worst = max(exact)
            ok = all(bool(_sym(r) <= exact_bound) for r in exact)
            return CheckResult("constant", "passed" if ok else "failed",
                               {"max ||C(x)-x||^2/||x||^2": float(worst), what: float(exact_bound),
                                "vectors": len(exact)},
                               "none: exact rational arithmetic", "deterministic, checked on every test vector",
                               "exact rationals")
        V = _values(NUMPY, compressor(NUMPY, X, np.random.default_rng(1)))
        ratios = ((V - X) ** 2).sum(axis=1) / (X ** 2).sum(axis=1)
        ok = bool(np.all(ratios <= bound + FLOAT_SLACK))
        return CheckResult("constant", "passed" if ok else "failed",
                           {"max ||C(x)-x||^2/||x||^2": float(ratios.max()), what: bound, "vectors": len(ratios)},
                           f"+{FLOAT_SLACK:g} (float64 rounding)", "deterministic, checked on every test vector",
                           "float64")
    rows, why_not = _enumerate(compressor, X)
    if isinstance(rows, CheckResult):
        return dataclasses.replace(rows, name="constant")
    if rows is not None:
        return _constant_by_enumeration(compressor, d, kind, rows, what)
    rng = np.random.default_rng(seed)
    worst_excess, worst = -np.inf, None
    for x in X:
        V = _values(NUMPY, compressor(NUMPY, np.tile(x, (draws, 1)), rng))
        r = ((V - x) ** 2).sum(axis=1) / float(x @ x)
        mean, se = float(r.mean()), float(r.std(ddof=1) / np.sqrt(draws))
        excess = (mean - bound) / se if se > 0 else (np.inf if mean > bound + FLOAT_SLACK else -np.inf)
        if worst is None or excess > worst_excess:
            worst_excess, worst = excess, (mean, se)
    ok = worst_excess <= Z_ONE_SIDED
    return CheckResult("constant", "passed" if ok else "failed",
                       {"Monte Carlo mean ||C(x)-x||^2/||x||^2": worst[0], "standard error": worst[1], what: bound,
                        "draws per vector": draws, "vectors": len(X)},
                       f"mean <= {what} + {Z_ONE_SIDED:g} SE (one-sided; ~3e-5 false alarms per vector when tight)",
                       f"randomised, not enumerated ({why_not}); the worst test vector is shown", "Monte Carlo")


def _enumerate(compressor, X):
    """:func:`~reference_impl.contracts_enumeration.enumerate_rows`, with a malformed hook (probabilities
    negative or not summing to 1) turned into a failed check."""
    try:
        return enumerate_rows(compressor, X)
    except BadSupport as exc:
        return CheckResult("support", "failed", {}, "probabilities >= 0 summing to 1 (exactly, or to float64 "
                           "rounding)", str(exc), "enumeration"), ""


def _declared_bound_exact(compressor, d: int, kind: str):
    """The declared omega (unbiased) or 1 - delta (contractive) as an exact sympy number: ``constant_exact``
    where the compressor has one, else the exact value of the float ``constant(d)``."""
    declared = getattr(compressor, "constant_exact", None)
    value = declared(d) if callable(declared) else None
    c_float = float(compressor.constant(d))
    if value is None or abs(float(value) - c_float) > 1e-12 * abs(c_float):   # constant(d) is what callers use
        value = Fraction(c_float)
    c = _sym(value) if isinstance(value, Fraction) else sp.sympify(value)
    return c if kind == "unbiased" else 1 - c


def _sym(q):
    """A Fraction, int or float (its exact binary value) as a sympy Rational."""
    f = Fraction(q)
    return sp.Rational(f.numerator, f.denominator)


def _float_note(rows) -> str:
    notes = sorted({rs.note for rs in rows if not rs.exact})
    return f"; float64 where the exact backend failed: {notes[0]}" if notes else ""


def _enum_method(rows) -> str:
    n_exact = sum(rs.exact for rs in rows)
    if n_exact == len(rows):
        return "exact enumeration"
    return f"enumeration (exact rationals on {n_exact} of {len(rows)} vectors, float64 on the rest)"


def _enum_tolerance(rows, d: int, what: str) -> str:
    if all(rs.exact for rs in rows):
        return "none: exact rational arithmetic over the whole support"
    return (f"exact vectors: none; float64 vectors: relative 2 (K + 3d + 8) 2^-53 = "
            f"{max(float_rel_tolerance(rs.size, d) for rs in rows):.2g} (rounding of the enumerated sums, "
            f"K outcomes)")


def _constant_by_enumeration(compressor, d: int, kind: str, rows, what: str) -> CheckResult:
    """E||C(x) - x||^2 / ||x||^2 over the whole support of every test vector, against the declared bound."""
    bound = _declared_bound_exact(compressor, d, kind)
    bound_f = float(bound)
    worst, ok, tight = None, True, 0
    for rs in rows:
        m = moments(rs)
        ratio = m["sq_err"] / m["sq_norm"]
        if rs.exact:
            r = _sym(ratio)
            ok &= bool(r <= bound)
            tight += bool(sp.Eq(r, bound))
        else:
            ok &= ratio - bound_f <= float_rel_tolerance(rs.size, d) * max(ratio, bound_f)
        worst = ratio if worst is None or ratio > worst else worst
    return CheckResult("constant", "passed" if ok else "failed",
                       {"max E||C(x)-x||^2/||x||^2": float(worst), what: bound_f, "vectors": len(rows),
                        "exact vectors": sum(rs.exact for rs in rows), "attaining the bound (exact)": tight,
                        "largest support": max(rs.size for rs in rows)},
                       _enum_tolerance(rows, d, what),
                       "expectation over every outcome of the declared support" + _float_note(rows),
                       _enum_method(rows))


def _unbiased_by_enumeration(rows, d: int) -> CheckResult:
    """E[C(x)] = x over the whole support: Fraction equality on exact vectors, rounding-bounded otherwise."""
    ok, worst = True, 0.0
    for rs in rows:
        m = moments(rs)
        for j in range(d):
            bias = m["mean"][j] - rs.x[j]
            if rs.exact:
                ok &= bias == 0
            else:
                ok &= abs(bias) <= float_rel_tolerance(rs.size, d) * (m["scale"][j] + abs(rs.x[j]))
            scale = float(m["scale"][j]) or 1.0
            worst = max(worst, abs(float(bias)) / scale)
    tol = ("none: E[C(x)]_j == x_j as Fractions" if all(rs.exact for rs in rows) else
           "exact vectors: equality; float64 vectors: |E[C(x)]_j - x_j| <= 2 (K + 3d + 8) 2^-53 "
           "(sum_o p_o |v_oj| + |x_j|)")
    return CheckResult("unbiased", "passed" if ok else "failed",
                       {"max |E[C(x)]_j - x_j| / sum_o p_o |v_oj|": worst, "vectors": len(rows),
                        "exact vectors": sum(rs.exact for rs in rows)},
                       tol, "expectation over every outcome of the declared support" + _float_note(rows),
                       _enum_method(rows))


def check_unbiased(compressor, d: int, draws: int = DEFAULT_DRAWS, seed: int = 1) -> CheckResult:
    """E[C(x)] = x by Monte Carlo, per coordinate within ``Z_TWO_SIDED`` standard errors."""
    if getattr(compressor, "kind", None) != "unbiased":
        return CheckResult("unbiased", "skipped", {"kind": repr(getattr(compressor, "kind", None))}, "-",
                           "only checked where kind == 'unbiased'")
    rows, why_not = _enumerate(compressor, sample_vectors(d))
    if isinstance(rows, CheckResult):
        return dataclasses.replace(rows, name="unbiased")
    if rows is not None:
        return _unbiased_by_enumeration(rows, d)
    rng = np.random.default_rng(seed)
    worst_t, worst = -1.0, None
    for x in sample_vectors(d):
        V = _values(NUMPY, compressor(NUMPY, np.tile(x, (draws, 1)), rng))
        bias = V.mean(axis=0) - x
        se = V.std(axis=0, ddof=1) / np.sqrt(draws)
        rounding = draws * 2.0 ** -53 * np.abs(V).max(axis=0)   # float64 summation error of the mean
        excess = np.maximum(np.abs(bias) - rounding, 0.0)
        t = np.where(se > 0, excess / np.where(se > 0, se, 1.0), np.where(excess > 0, np.inf, 0.0))
        j = int(np.argmax(t))
        if t[j] > worst_t:
            worst_t, worst = float(t[j]), (j, float(bias[j]), float(se[j]))
    ok = worst_t <= Z_TWO_SIDED
    return CheckResult("unbiased", "passed" if ok else "failed",
                       {"max |bias| / SE": worst_t, "coordinate": worst[0], "bias": worst[1], "standard error": worst[2],
                        "draws per vector": draws},
                       f"|mean C(x)_j - x_j| <= {Z_TWO_SIDED:g} SE + M 2^-53 max|C(x)_j| (float64 summation) per coordinate",
                       f"not enumerated ({why_not}); the worst coordinate is shown", "Monte Carlo")


def check_support(compressor, d: int, draws: int = DEFAULT_DRAWS, seed: int = 4) -> CheckResult:
    """The ``outcomes`` hook agrees with the compressor's own draws: on every test vector, ``draws``
    compressions are matched to the declared outcomes (a row matching none fails) and the counts pass a
    chi-square test against the declared probabilities (p-value >= ``P_MIN``)."""
    if not has_support(compressor) or is_deterministic(compressor, d):
        return CheckResult("support", "skipped", {}, "-",
                           "no outcomes hook" if not has_support(compressor) else "deterministic compressor")
    rows, why_not = _enumerate(compressor, sample_vectors(d))
    if isinstance(rows, CheckResult):
        return rows
    if rows is None:
        return CheckResult("support", "skipped", {}, "-", f"not enumerated: {why_not}")
    rng = np.random.default_rng(seed)
    tests = [frequency_test(compressor, rs, draws, rng) for rs in rows]
    worst = min(tests, key=lambda t: (-t["unmatched"], t["p_value"]))
    ok = all(t["unmatched"] == 0 and t["p_value"] >= P_MIN for t in tests)
    return CheckResult("support", "passed" if ok else "failed",
                       {"min chi-square p-value": worst["p_value"], "chi-square": worst["stat"], "df": worst["df"],
                        "drawn rows matching no outcome": sum(t["unmatched"] for t in tests),
                        "draws per vector": draws, "vectors": len(tests)},
                       f"every drawn row is a declared outcome (to 1e-9 relative); chi-square p-value >= {P_MIN:g} "
                       f"per vector (categories expected < {MIN_EXPECTED:g} times pooled)",
                       "the outcomes hook against the compressor's own sampling; the worst vector is shown",
                       "frequency test")


def _codec(compressor):
    hook = getattr(compressor, "codec", None)
    if callable(hook):
        return hook(compressor), "the compressor's codec hook"
    from reference_impl.distributed.codecs import CODECS, codec_for

    if type(compressor) in CODECS:
        return codec_for(compressor), "reference_impl.distributed.codecs"
    return None, None


def check_bits(compressor, d: int, seed: int = 2) -> CheckResult:
    """Encoded length == recorded bits, and decode(encode(row)) == the row up to float32 rounding."""
    if getattr(compressor, "kind", None) == "absolute-error":
        return CheckResult("bits", "skipped", {}, "-", "absolute-error compressors need per-call sigma/radius")
    codec, source = _codec(compressor)
    if codec is None:
        return CheckResult("bits", "skipped", {}, "-",
                           "no wire codec (register one in reference_impl.distributed.codecs.CODECS, or give the "
                           "compressor a codec(compressor) method returning a Codec)")
    X = sample_vectors(d)
    N = X.shape[0]
    out, msgs = codec.compress(NUMPY, X, np.random.default_rng(seed))
    replayed = codec.replay(NUMPY, N, d, np.random.default_rng(seed))
    recorded = np.asarray(out.bits, dtype=np.int64)
    V = _values(NUMPY, out)
    lengths, worst_rel = [], 0.0
    for i, msg in enumerate(msgs):
        bits = codec.encode(msg)
        lengths.append(len(bits))
        if len(bits) != recorded[i]:
            continue
        y = codec.decode(bits, d, replayed=replayed, row=i)
        err = np.abs(y - V[i])
        worst_rel = max(worst_rel, float(np.max(np.where(err == 0, 0.0, err / np.maximum(np.abs(V[i]), 1e-300)))))
    mismatched = [i for i in range(N) if lengths[i] != recorded[i]]
    ok = not mismatched and worst_rel <= FLOAT32_REL
    detail = f"codec from {source}"
    if mismatched:
        i = mismatched[0]
        detail += f"; row {i}: encoder wrote {lengths[i]} bits, {int(recorded[i])} recorded"
    return CheckResult("bits", "passed" if ok else "failed",
                       {"rows": N, "rows with length != recorded bits": len(mismatched),
                        "max relative decode error": worst_rel},
                       f"lengths exact; decode error <= 2^-23 relative (values travel as float32)", detail)


def check_worker_axis(compressor, d: int, seed: int = 3) -> list[CheckResult]:
    """No cross-talk between rows; and row-by-row compression replays the batch where draws are row-wise."""
    if getattr(compressor, "kind", None) == "absolute-error":
        r = CheckResult("worker axis", "skipped", {}, "-", "absolute-error compressors need per-call sigma/radius")
        return [r]
    X = sample_vectors(d)
    Y = X.copy()
    Y[0] = -3.0 * X[0][::-1] + 1.0
    A = _values(NUMPY, compressor(NUMPY, X, np.random.default_rng(seed)))
    B = _values(NUMPY, compressor(NUMPY, Y, np.random.default_rng(seed)))
    changed = [i for i in range(1, X.shape[0]) if not np.array_equal(A[i], B[i])]
    cross = CheckResult("worker axis: no cross-talk", "failed" if changed else "passed",
                        {"rows": X.shape[0], "other rows changed": len(changed)}, "bit-for-bit equality",
                        "row 0 replaced, same seed" + (f"; row {changed[0]} changed" if changed else ""))
    rng = np.random.default_rng(seed)
    R = np.vstack([_values(NUMPY, compressor(NUMPY, X[i:i + 1], rng)) for i in range(X.shape[0])])
    same = bool(np.array_equal(A, R))
    deterministic = is_deterministic(compressor, d)
    if same:
        replay = CheckResult("worker axis: row by row", "passed", {"rows": X.shape[0]}, "bit-for-bit equality",
                             "one row at a time from the same generator gives the batch's values")
    elif deterministic:
        replay = CheckResult("worker axis: row by row", "failed", {"rows": X.shape[0]}, "bit-for-bit equality",
                             "deterministic, yet one row at a time differs from the batch")
    else:
        replay = CheckResult("worker axis: row by row", "skipped", {"rows": X.shape[0]}, "-",
                             "the draws are not taken row by row (e.g. FCC draws round by round); the no-cross-talk "
                             "check still applies")
    return [cross, replay]


def check_all(compressor, d: int, draws: int = DEFAULT_DRAWS) -> list[CheckResult]:
    """Every contract check; the later ones run only if the declaration is well formed."""
    first = check_declaration(compressor, d)
    if first.failed:
        return [first]
    return [first, check_constant(compressor, d, draws), check_unbiased(compressor, d, draws),
            check_support(compressor, d, draws), check_bits(compressor, d), *check_worker_axis(compressor, d)]


def format_results(label: str, d: int, results: list[CheckResult]) -> str:
    """A plain-text table: one line per check, then its numbers and tolerance."""
    lines = [f"contract checks for {label} at d={d}"]
    for r in results:
        nums = ", ".join(f"{k}={_fmt(v)}" for k, v in r.compared.items())
        how = f" [{r.method}]" if r.method else ""
        lines.append(f"  {r.status.upper():7s} {r.name}{how}: {nums}")
        lines.append(f"          tolerance: {r.tolerance}" + (f"; {r.detail}" if r.detail else ""))
    return "\n".join(lines)


def _fmt(v: Any) -> str:
    return f"{v:.6g}" if isinstance(v, float) else str(v)
