"""Claim maps: a claim's check over a plane of two of its parameters (issue 13, section 4).

:func:`claim_map` evaluates ``Claim.run_check`` on an ``n x n`` grid over the hypothesis box of two
parameters (the other parameters at their defaults, or at values the caller fixes) and classifies each
cell:

* ``holds`` / ``fails``: the check's verdict at the cell's point;
* ``undecidable``: the check raised :class:`~theory.registry.Undecidable` (float64 cannot decide there);
* ``outside``: the check refused the point with :class:`~theory.registry.BadParameter` although both
  values lie in their own ranges, i.e. a cross-constraint of the hypothesis fails there (``c < c'``,
  ``k <= d``, ``mu < L``): the point is not in the hypothesis, and no verdict is due.

The box of a parameter is the one ``repro check ID --sweep N`` samples (``theory.claims._exact.param_box``): the range
of the parameter, narrowed to the two decades around the default where it spans decades (then the axis is
log-spaced), unbounded ends capped, integer counts at twice the default. Grid points are the cell centres
(geometric centres on a log axis); with ``seed != 0`` each cell is instead probed at one point drawn in it
(log-uniform on a log axis), reproducible by the seed. Rational values are rounded to the fewest
significant decimal digits (2 to 6) that keep the axis values distinct, so exact checks stay cheap.

The two axes default to the first two parameters that are not sample sizes or resolution knobs
(:data:`RESOLUTION_PARAMS`), overridden per claim by :data:`AXES` where those are not the meaningful pair.
"""
from __future__ import annotations

import dataclasses
import math
import signal
import time
from fractions import Fraction
from typing import Any, Mapping

from theory.claims._exact import param_box  # noqa: F401  (the box rule, shared with --sweep)
from theory.registry import BadParameter, Claim, NotCheckable, Param, Undecidable

CELL_STATES = ("holds", "fails", "undecidable", "outside")
#: One character per cell state in the ASCII map (``repro check ID --map``).
CELL_CHARS = {"holds": "+", "fails": "X", "undecidable": "?", "outside": "."}
GRID_RANGE = (2, 50)

#: Parameter names that set a sample size, a run length of a Monte-Carlo estimate or a numerical
#: resolution, not a quantity of the statement: never chosen as a default map axis.
RESOLUTION_PARAMS = frozenset({"runs", "vectors", "mc_samples", "steps", "pairs", "grid", "iterations", "config",
                               "tol", "tolerance", "rel_tol", "margin", "seed", "batch"})

#: Explicit axis pairs where the first two statement parameters are not the meaningful plane.
AXES: dict[str, tuple[str, str]] = {
    # the erratum bites in the step size: the printed bound holds for eta <= 1 and fails beyond
    "iade.theorem-3.1": ("eta", "c_prime"),
    "iade.theorem-3.1-bits": ("eta", "s"),
    # the lower bounds: the printed bound exceeds the trivial algorithm's 2 L Delta once sigma is large for T
    "neolithic.theorem-1": ("sigma", "T"),
    "neolithic.corollary-1": ("sigma", "T"),
    "neolithic.theorem-2": ("sigma", "T"),
}


class MapTooSlow(Exception):
    """The map ran past its time limit (the book then says so instead of drawing it)."""


class _Alarm(BaseException):
    """Raised by the timer inside a check (a BaseException, so no ``except Exception`` in a check eats it)."""


@dataclasses.dataclass(frozen=True)
class Axis:
    """One axis of a map: the parameter, its grid values (increasing) and whether the spacing is logarithmic."""

    name: str
    values: tuple
    log: bool


@dataclasses.dataclass
class ClaimMap:
    """The grid of verdicts: ``cells[j][i]`` is the state at ``x.values[i]``, ``y.values[j]``."""

    claim_id: str
    status: str
    x: Axis
    y: Axis
    cells: list[list[str]]
    fixed: dict[str, Any]
    seed: int = 0
    seconds: float = 0.0
    #: first message per state for ``undecidable`` and ``outside`` cells (why the check refused or could not decide)
    reasons: dict[str, str] = dataclasses.field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        flat = [s for row in self.cells for s in row]
        return {state: flat.count(state) for state in CELL_STATES}

    def exit_code(self) -> int:
        """The CLI's exit code: 1 if it fails at some cell, 3 if some cell of the hypothesis is undecidable
        (or none is in it, or the claim is marked not checkable), 0 when it holds at every cell of the hypothesis."""
        c = self.counts()
        if self.status == "not-checkable":
            return 3
        if c["fails"]:
            return 1
        return 3 if c["undecidable"] or not c["holds"] else 0


def _round_values(raw: list[float], param: Param) -> list:
    if param.kind == "float":
        return [float(v) for v in raw]
    for digits in range(2, 7):
        values = [Fraction(f"{v:.{digits}g}") for v in raw]
        if len(set(values)) == len(values):
            return values
    return [Fraction(v) for v in raw]


def axis(param: Param, n: int, seed: int = 0) -> Axis:
    """The grid values of ``param``: ``n`` cell centres of its box (or one point drawn per cell when ``seed``
    is nonzero), every value inside the parameter's range; integers: the distinct rounded values."""
    lo, hi, log = param_box(param)
    if param.kind == "int":
        ilo, ihi = math.ceil(lo), math.floor(hi)
        if ihi - ilo + 1 <= n:
            values = list(range(ilo, ihi + 1))
        else:
            step = (ihi - ilo) / (n - 1)
            values = sorted({int(round(ilo + i * step)) for i in range(n)})
        values = [v for v in values if _in_range(param, v)]
        return Axis(param.name, tuple(values), False)
    import numpy as np

    rng = np.random.default_rng([seed, n, sum(map(ord, param.name))]) if seed else None
    a, b = (math.log(lo), math.log(hi)) if log else (lo, hi)
    width = (b - a) / n
    raw = [a + width * (i + (rng.uniform() if rng is not None else 0.5)) for i in range(n)]
    raw = [math.exp(v) for v in raw] if log else raw
    values = [v for v in _round_values(raw, param) if _in_range(param, v)]
    return Axis(param.name, tuple(values), log)


def _in_range(param: Param, value) -> bool:
    try:
        param.validate(value)
    except BadParameter:
        return False
    return True


def default_axes(claim: Claim) -> tuple[str, str]:
    """The map's two parameters: :data:`AXES` for this claim, else the first two parameters that are not in
    :data:`RESOLUTION_PARAMS` and whose box holds at least two values. Raises BadParameter if there are not two."""
    if claim.id in AXES:
        return AXES[claim.id]
    names = [p.name for p in claim.params if p.name not in RESOLUTION_PARAMS and len(axis(p, 3).values) >= 2]
    if len(names) < 2:
        raise BadParameter(f"claim {claim.id} has fewer than two parameters to map "
                           f"(its parameters: {', '.join(p.name for p in claim.params) or 'none'})")
    return names[0], names[1]


def claim_map(claim: Claim, x_param: str | None = None, y_param: str | None = None, n: int = 12, seed: int = 0,
              given: Mapping[str, str] | None = None, time_limit: float | None = None) -> ClaimMap:
    """Evaluate ``claim``'s check on the ``n x n`` grid over ``x_param`` and ``y_param`` (default:
    :func:`default_axes`); the other parameters at their defaults, or at ``given`` (strings or values).

    Raises BadParameter for a bad ``n``, an unknown parameter, the same parameter twice, an axis also fixed in
    ``given`` or an axis with fewer than two values; NotCheckable when the claim has no check; MapTooSlow when
    ``time_limit`` seconds (wall clock, enforced with a timer in the main thread) are spent. Any other exception
    of the check (an internal error) propagates.
    """
    if claim.check is None:
        raise NotCheckable(claim.notes or "no check is registered for this claim")
    if isinstance(n, bool) or not isinstance(n, int) or not GRID_RANGE[0] <= n <= GRID_RANGE[1]:
        raise BadParameter(f"--grid n must be an integer in [{GRID_RANGE[0]}, {GRID_RANGE[1]}], got {n!r}")
    if (x_param is None) != (y_param is None):
        raise BadParameter("--map takes no parameter names or two (X Y)")
    if x_param is None:
        x_param, y_param = default_axes(claim)
    known = {p.name: p for p in claim.params}
    for name in (x_param, y_param):
        if name not in known:
            raise BadParameter(f"--map: claim {claim.id} has no parameter {name!r}; its parameters: "
                               f"{', '.join(known) or 'none'}")
        if name in (given or {}):
            raise BadParameter(f"--map: parameter {name} is a map axis; do not also fix it with --set")
    if x_param == y_param:
        raise BadParameter(f"--map needs two different parameters, got {x_param} twice")
    fixed = claim.resolve_params(given)
    x, y = axis(known[x_param], n, seed), axis(known[y_param], n, seed)
    for ax in (x, y):
        if len(ax.values) < 2:
            raise BadParameter(f"--map: parameter {ax.name} takes a single value in its box "
                               f"{known[ax.name].range_text()}; choose another axis")
    cells, reasons = [], {}
    start = time.perf_counter()
    with _time_limit(time_limit):
        for yv in y.values:
            row = []
            for xv in x.values:
                state, reason = _cell(claim, {**fixed, x.name: xv, y.name: yv})
                row.append(state)
                if reason:
                    reasons.setdefault(state, reason)
            cells.append(row)
    return ClaimMap(claim.id, claim.status, x, y, cells, {k: v for k, v in fixed.items() if k not in (x.name, y.name)},
                    seed, time.perf_counter() - start, reasons)


def _cell(claim: Claim, point: dict) -> tuple[str, str]:
    try:
        result = claim.run_check(point)
    except BadParameter as exc:
        return "outside", str(exc)
    except Undecidable as exc:
        return "undecidable", str(exc)
    return ("holds" if result.holds else "fails"), ""


class _time_limit:
    """Context manager: raise MapTooSlow after ``seconds`` (SIGALRM timer; a no-op when ``seconds`` is None)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds

    def __enter__(self):
        if self.seconds is not None:
            def ring(signum, frame):
                raise _Alarm()
            self.previous = signal.signal(signal.SIGALRM, ring)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, kind, value, tb):
        if self.seconds is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)
            if kind is _Alarm:
                raise MapTooSlow(f"the map took more than {self.seconds:.3g} s") from None
        return False


def value_text(value) -> str:
    """Short text of an axis value (``0.12``, ``3/7``, ``1e+03``)."""
    if isinstance(value, int):
        return str(value)
    number = float(value)
    return f"{number:.3g}"


def format_map(m: ClaimMap) -> str:
    """The ASCII map ``repro check ID --map`` prints: y increasing upwards, x to the right, a legend, the counts."""
    ylabels = [value_text(v) for v in m.y.values]
    width = max(len(s) for s in ylabels)
    lines = [f"{m.claim_id}: map over {m.x.name} (x{', log scale' if m.x.log else ''}) and {m.y.name} "
             f"(y{', log scale' if m.y.log else ''}), {len(m.x.values)} x {len(m.y.values)} cells"
             + (f", seed {m.seed}" if m.seed else "")]
    if m.fixed:
        lines.append("other parameters: " + ", ".join(f"{k}={value_text(v) if not isinstance(v, Fraction) else v}"
                                                      for k, v in m.fixed.items()))
    for label, row in reversed(list(zip(ylabels, m.cells))):
        lines.append(f"{label:>{width}} | " + " ".join(CELL_CHARS[s] for s in row))
    lines.append(" " * width + " +-" + "--" * len(m.x.values))
    xs = [value_text(v) for v in m.x.values]
    lines.append(" " * (width + 3) + f"{m.x.name} from {xs[0]} to {xs[-1]}: " + " ".join(xs))
    lines.append(f"{m.y.name} from {ylabels[0]} (bottom) to {ylabels[-1]} (top)")
    c = m.counts()
    lines.append("legend: " + ", ".join(f"{CELL_CHARS[s]} {s if s != 'outside' else 'not in hypothesis'} ({c[s]})"
                                        for s in CELL_STATES))
    for state, reason in m.reasons.items():
        lines.append(f"first {state} cell: {' '.join(reason.split())[:200]}")
    return "\n".join(lines)


COLOURS = {"holds": "#2e7d32", "fails": "#c62828", "undecidable": "#f9a825", "outside": "#d9d9d9"}


def draw_map(m: ClaimMap, path, default: Mapping[str, Any] | None = None) -> None:
    """Save the map as a small PNG (matplotlib, Agg): one coloured cell per grid point, the default point marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    from theory.plaintext import symbol_tex

    index = {s: i for i, s in enumerate(CELL_STATES)}
    grid = [[index[s] for s in row] for row in m.cells]
    fig, ax = plt.subplots(figsize=(4.2, 3.3), dpi=90)
    ax.imshow(grid, origin="lower", cmap=ListedColormap([COLOURS[s] for s in CELL_STATES]), vmin=-0.5,
              vmax=len(CELL_STATES) - 0.5, aspect="auto", interpolation="nearest")
    for axis_, setter, ticks in ((m.x, ax.set_xticks, ax.set_xticklabels), (m.y, ax.set_yticks, ax.set_yticklabels)):
        k = len(axis_.values)
        idx = sorted({round(i * (k - 1) / 4) for i in range(5)}) if k > 5 else list(range(k))
        setter(idx)
        ticks([value_text(axis_.values[i]) for i in idx], fontsize=7)
    sym = {a.name: symbol_tex(a.name) for a in (m.x, m.y)}
    ax.set_xlabel((f"${sym[m.x.name]}$" if sym[m.x.name] else m.x.name) + (" (log)" if m.x.log else ""), fontsize=8)
    ax.set_ylabel((f"${sym[m.y.name]}$" if sym[m.y.name] else m.y.name) + (" (log)" if m.y.log else ""), fontsize=8)
    if default is not None:
        dx, dy = _nearest(m.x, default.get(m.x.name)), _nearest(m.y, default.get(m.y.name))
        if dx is not None and dy is not None:
            ax.plot([dx], [dy], marker="o", mfc="none", mec="black", ms=7, mew=1.2)
    present = [s for s in CELL_STATES if any(s in row for row in m.cells)]
    names = {"outside": "not in hypothesis"}
    ax.legend(handles=[Patch(color=COLOURS[s], label=names.get(s, s)) for s in present], fontsize=6,
              loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=len(present), frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _nearest(ax: Axis, value) -> float | None:
    """Fractional index of ``value`` on the axis (for the default-point marker); None outside the axis."""
    if value is None:
        return None
    v = float(value)
    vals = [float(x) for x in ax.values]
    if not vals[0] <= v <= vals[-1]:
        return None
    f = (lambda t: math.log(t)) if ax.log else (lambda t: t)
    for i in range(len(vals) - 1):
        if vals[i] <= v <= vals[i + 1]:
            span = f(vals[i + 1]) - f(vals[i])
            return i + ((f(v) - f(vals[i])) / span if span else 0.0)
    return float(len(vals) - 1)
