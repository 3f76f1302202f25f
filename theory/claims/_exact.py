"""Small exact-arithmetic helpers shared by the claim checks."""
from __future__ import annotations

from fractions import Fraction

from reference_impl.problems import QuadraticProblem


def scalar_quadratic(L: Fraction, centers: list[Fraction]) -> QuadraticProblem:
    """1-D problem ``f_i(x) = L (x - a_i)^2 / 2`` (mu = L exactly), minimiser mean(a_i)."""
    A = [[[L]] for _ in centers]
    b = [[L * a] for a in centers]
    return QuadraticProblem(A, b, mu=L, L=L, name=f"scalar-quadratic(L={L})")


def sq(v) -> Fraction:
    """Squared l2 norm of a vector of Fractions."""
    return sum((x * x for x in v), Fraction(0))


def first_failure(values, bounds) -> int | None:
    """First index where value > bound (exact comparison)."""
    for i, (v, b) in enumerate(zip(values, bounds)):
        if v > b:
            return i
    return None


# ---------------------------------------------------------------------------------------------
# Mutants: a printed expression replaced by its typo while the claim's own check runs
# ---------------------------------------------------------------------------------------------
import contextlib as _contextlib
import dataclasses as _dataclasses

#: Bumped whenever a mutant patches or restores a printed expression; caches of check results
#: (``theory.claims.mcm._memo``) key on it, so a mutant never reads the unmutated statement's result.
GENERATION = [0]


@_contextlib.contextmanager
def patched(module, exprs=None, items=None):
    """Temporarily replace printed expressions of a theory module (``theory.iade`` etc.).

    ``exprs``: name -> new sympy expression, replacing the module attribute of that name, its
    ``CONSTANTS`` entry and its ``_ALL`` entry (what ``numeric``/``exact``/``value`` evaluate), or a
    callable old -> new. ``items``: ``[(dict, key, new)]`` for entries of tables (``TABLE`` rows) or any
    dict. Cached lambdified functions and derived tables are cleared on entry and on exit.
    """
    saved = []
    try:
        for name, new in (exprs or {}).items():
            old_attr = getattr(module, name, _MISSING)
            consts = getattr(module, "CONSTANTS", {})
            old_const = consts.get(name, _MISSING)
            base = old_attr if old_attr is not _MISSING else old_const.expr
            value = new(base) if callable(new) else new
            saved.append((module, name, old_attr, old_const))
            if old_attr is not _MISSING:
                setattr(module, name, value)
            if old_const is not _MISSING:
                consts[name] = _dataclasses.replace(old_const, expr=value)
            if name in getattr(module, "_ALL", {}):
                module._ALL[name] = value
        for table, key, new in items or ():
            old = table[key]
            saved.append((table, key, old, None))
            table[key] = new(old) if callable(new) else new
        _clear_caches(module)
        yield
    finally:
        for target, key, old, old_const in reversed(saved):
            if isinstance(target, dict):
                target[key] = old
                continue
            if old is not _MISSING:
                setattr(target, key, old)
            if old_const is not _MISSING:
                target.CONSTANTS[key] = old_const
            if key in getattr(target, "_ALL", {}):
                target._ALL[key] = old_const.expr if old_const is not _MISSING else old
        _clear_caches(module)


_MISSING = object()


def _clear_caches(module) -> None:
    GENERATION[0] += 1
    for attr in ("_lambdified", "table_transient"):
        fn = getattr(module, attr, None)
        if fn is not None and hasattr(fn, "cache_clear"):
            fn.cache_clear()


def mutant_check(check, module=None, exprs=None, items=None, params=None, **kwargs):
    """A mutant's check: the claim's ``check`` run with printed expressions of ``module`` patched
    (:func:`patched`), parameters overridden by ``params`` (a hypothesis removed: a value the printed
    range excludes) and keyword arguments ``kwargs`` (a parametrised check: e.g. ``strict=False``)."""
    def run(p):
        q = {**p, **(params or {})}
        with patched(module, exprs, items) if (exprs or items) else _contextlib.nullcontext():
            return check(q, **kwargs)
    run.__name__ = getattr(check, "__name__", "check") + "_mutant"
    return run


# ---------------------------------------------------------------------------------------------
# Mutation score: every mutant's verdict against its claim's, through Claim.run_check
# ---------------------------------------------------------------------------------------------
def verdict(claim, check=None, given=None):
    """``holds`` of ``check`` (default: the claim's) at the claim's defaults, through ``Claim.run_check``
    (so Undecidable / precision handling is the CLI's); ``None`` when there is no verdict. ``given``
    overrides defaults (a cheaper evaluation of a slow check, the same for the claim and its mutants)."""
    from theory.registry import BadParameter, NotCheckable, Undecidable

    target = claim if check is None else _dataclasses.replace(claim, check=check)
    try:
        return bool(target.run_check(given).holds)
    except (Undecidable, BadParameter, NotCheckable):
        return None


#: claim id -> parameter overrides for a cheaper mutation evaluation of a check that is slow at its defaults
#: (a kappa sweep, a 100-run Monte Carlo); the claim and all its mutants run at these values.
CHEAP_PARAMS = {
    "iade.table-1": {"max_log10_kappa": "2", "rel_tol": "1/100"},
    "iade.theorem-5.2": {"runs": "40", "K": "40"},
    "mcm.first-attempts-variance": {"K": "30", "runs": "4"},
}


def mutation_report(paper=None, cheap=None):
    """``[(claim, base_verdict, [(mutant, verdict, killed)])]`` for every claim with registered mutants.

    ``cheap``: claim id -> parameter overrides used for the claim and all its mutants (slow checks)."""
    from theory.registry import all_claims, mutants

    out = []
    for claim in all_claims(paper):
        ms = mutants(claim.id)
        if not ms or claim.check is None:
            continue
        given = (cheap or {}).get(claim.id)
        base = verdict(claim, given=given)
        rows = []
        for m in ms:
            v = verdict(claim, m.check, given)
            rows.append((m, v, base is not None and v is not None and v != base))
        out.append((claim, base, rows))
    return out


def mutation_scores(report):
    """paper -> (killed, total non-equivalent, equivalent count, survivors [(claim id, mutant, verdict)])."""
    scores = {}
    for claim, base, rows in report:
        k, t, e, surv = scores.get(claim.paper, (0, 0, 0, []))
        for m, v, killed in rows:
            if m.equivalent:
                e += 1
                continue
            t += 1
            k += killed
            if not killed:
                surv.append((claim.id, m, v))
        scores[claim.paper] = (k, t, e, surv)
    return scores


# ---------------------------------------------------------------------------------------------
# Claim maps: the claim's check at N points of its hypothesis box (issue 13, section 4)
# ---------------------------------------------------------------------------------------------
def param_box(param) -> tuple[float, float, bool]:
    """``(low, high, log)``: the box of ``param`` that ``--sweep`` samples and ``--map`` grids
    (:mod:`theory.claim_maps`), and whether it spans decades (then sampled log-uniformly / log-spaced).

    The allowed range, with unbounded ends capped at 100 x the default (or default + 10 when the default
    is 0, and default - 10 max(1, |default|) below); integer ranges (iteration and sample counts,
    dimensions) at twice the default; a range spanning two decades or more narrowed to the two decades
    around the default (inside the range)."""
    default = param.default
    lo = param.low if param.low is not None else (default - 10 * max(1, abs(default)))
    hi = param.high if param.high is not None else (100 * default if default > 0 else default + 10)
    if param.kind == "int":      # counts (iterations, runs, dimensions): at most twice the default
        hi = min(hi, max(lo + 1, 2 * default if default > 0 else lo + 10))
    lo_f, hi_f = float(lo), float(hi)
    if default and float(default) > 0 and hi_f > 0 and (lo_f <= 0 or hi_f / lo_f >= 100):
        lo_f, hi_f = max(lo_f, float(default) / 10), min(hi_f, float(default) * 10)
    return lo_f, hi_f, bool(lo_f > 0 and hi_f / lo_f >= 100)


def _sample_box(param, rng):
    """One value of ``param`` in its box (:func:`param_box`): log-uniform where the box spans decades,
    uniform otherwise; rationals are rounded to denominators <= 100 (exact checks stay cheap)."""
    import math as _math
    from fractions import Fraction as _Fr

    default = param.default
    lo_f, hi_f, log = param_box(param)
    for _ in range(100):
        if log:
            x = _math.exp(rng.uniform(_math.log(lo_f), _math.log(hi_f)))
        else:
            x = rng.uniform(lo_f, hi_f)
        if param.kind == "int":
            value = int(round(x))
        elif param.kind == "float":
            value = float(x)
        else:
            value = _Fr(x).limit_denominator(100)
        try:
            param.validate(value)
        except Exception:
            continue
        return value
    return default


def sweep(claim, n: int, seed: int = 0, given=None) -> dict:
    """Run ``claim``'s check at ``n`` points sampled in its hypothesis box (fixed ``seed``).

    Parameters named in ``given`` are held at those values; every other parameter is drawn by
    :func:`_sample_box`. A point the check refuses (a cross-parameter hypothesis such as c < c' or k <= d,
    :class:`~theory.registry.BadParameter`) is counted as ``outside`` and redrawn up to 20 times; an
    :class:`~theory.registry.Undecidable` point counts as undecidable. Returns the counts, the fraction of
    decided points where the claim holds, the first failing point (or, when every point holds, the point
    with the largest ``tightness_*`` compared value, the closest to failing) and the points themselves.
    """
    import numpy as _np

    from theory.registry import BadParameter, NotCheckable, Undecidable

    if claim.check is None:
        raise NotCheckable(claim.notes or "no check is registered for this claim")
    fixed = claim.resolve_params(given) if given else {}
    fixed = {k: v for k, v in fixed.items() if k in (given or {})}
    rng = _np.random.default_rng([seed, n, sum(map(ord, claim.id))])
    points, counts = [], dict(holds=0, fails=0, undecidable=0, outside=0)
    worst, worst_key = None, None
    for _ in range(n):
        for _attempt in range(20):
            point = {p.name: fixed.get(p.name, _sample_box(p, rng)) if p.name not in fixed else fixed[p.name]
                     for p in claim.params}
            try:
                result = claim.run_check({k: str(v) for k, v in point.items()})
            except BadParameter:
                counts["outside"] += 1
                continue
            except Undecidable:
                points.append((point, None))
                counts["undecidable"] += 1
                break
            verdict_ = bool(result.holds)
            points.append((point, verdict_))
            counts["holds" if verdict_ else "fails"] += 1
            tight = [v for k, v in result.compared.items() if k.startswith("tightness_") and
                     isinstance(v, (int, float, Fraction)) and not isinstance(v, bool)]
            # worst: the first failing point; while none fails, the largest tightness (closest to failing)
            key = (0 if verdict_ else 1, float(max(tight)) if tight else 0.0)
            if worst_key is None or (worst_key[0] == 0 and key > worst_key):
                worst, worst_key = dict(point=point, holds=verdict_, compared=result.compared), key
            break
    decided = counts["holds"] + counts["fails"]
    return dict(claim=claim.id, n=n, seed=seed, **counts,
                fraction_holds=(counts["holds"] / decided) if decided else None,
                worst=worst, points=points)


def format_sweep(result: dict) -> str:
    """The text ``repro check ID --sweep N`` prints for a :func:`sweep` result."""
    def fmt(point):
        return " ".join(f"{k}={v}" for k, v in point.items())

    frac = result["fraction_holds"]
    lines = [f"{result['claim']}: {result['n']} points of the hypothesis box (seed {result['seed']}): "
             f"holds {result['holds']}, fails {result['fails']}, undecidable {result['undecidable']}"
             + (f", {result['outside']} draws outside the joint hypothesis redrawn" if result["outside"] else ""),
             "fraction holding (decided points): " + ("n/a" if frac is None else f"{frac:.3f}")]
    if result["worst"] is not None:
        w = result["worst"]
        lines.append(("first failing point: " if not w["holds"] else "closest to failing: ") + fmt(w["point"]))
    return "\n".join(lines)
