"""The target registry's types: what a paper *measured*, and how our stored numbers are scored against it.

The claims registry (:mod:`theory.registry`) holds what the papers *state*; this one holds what they
*measured* (or, for a work without experiments, the quantitative statement our experiment measures):
one :class:`Target` per table cell group, figure panel or quantitative sentence, with

* where it is printed (``source``), the paper's value(s) (``paper``) and the setting as printed;
* our setting, and ``substitute`` (the reason) when our setting is not the paper's;
* the :class:`Tolerance` (kind, size, why) that decides agreement;
* ``figure``: the figure id whose **stored full-mode** results (``reproductions/results/full/<id>/``)
  hold our value, and ``measure(results) -> value`` that reads it;
* ``missing``: the reason there is nothing to compare (``data: ...``, ``compute: ...``,
  ``text incomplete: ...``), when that is so.

The status is never typed by hand: :func:`evaluate` computes it from the stored numbers, the paper's
value and the tolerance:

* ``missing``: ``missing`` is set, or no completed full-mode run of ``figure`` is stored, or the stored
  run does not record the quantity (the reason says which);
* ``substitute``: a substitute setting was run; ``agrees`` says whether it shows the paper's value
  within the tolerance;
* ``reproduced``: the paper's setting, within the tolerance, no caveat on the measurement;
* ``reproduced with a gap``: the paper's setting, but outside the tolerance, or within it on a
  measurement with a caveat (e.g. a fit on censored points); ``cause`` says why (``gap_cause`` when it
  is established, else "cause not established").

Quick-mode results are never read here.
"""
from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any, Callable, Mapping

REPRODUCED, GAP, SUBSTITUTE, MISSING = "reproduced", "reproduced with a gap", "substitute", "missing"
STATUSES = (REPRODUCED, GAP, SUBSTITUTE, MISSING)
#: Allowed prefixes of a ``missing`` reason.
MISSING_KINDS = ("data", "compute", "text incomplete")


@dataclasses.dataclass(frozen=True)
class Tolerance:
    """How our value is compared with the paper's, and why that tolerance.

    ``kind``:

    * ``"abs"``: ``|ours - paper| <= size`` (each entry of a dict value);
    * ``"log10"``: ``|log10(ours / paper)| <= size`` (positive quantities spanning decades, e.g. bits);
    * ``"at_most"``: ``ours <= paper + size`` (the paper's value is an upper bound);
    * ``"holds"``: the paper's value is a qualitative statement (``True``, or a dict of booleans) and
      ours must equal it.
    """

    kind: str
    size: float
    why: str

    def __post_init__(self) -> None:
        if self.kind not in ("abs", "log10", "at_most", "holds"):
            raise ValueError(f"unknown tolerance kind {self.kind!r}")
        if not self.why:
            raise ValueError("a tolerance needs its reason")

    def deviation(self, paper: Any, ours: Any) -> float:
        """How far ``ours`` is from ``paper`` in this tolerance's unit (for ``holds``: 0 or 1)."""
        if self.kind == "holds":
            return 0.0 if bool(ours) == bool(paper) else 1.0
        if self.kind == "abs":
            return abs(float(ours) - float(paper))
        if self.kind == "at_most":
            return max(0.0, float(ours) - float(paper))
        if float(ours) <= 0 or float(paper) <= 0:
            return math.inf
        return abs(math.log10(float(ours) / float(paper)))

    def compare(self, paper: Any, ours: Any) -> tuple[bool, float, dict]:
        """``(within, largest deviation, per-key deviations)``; dict values (nested too) are compared key by
        key on the keys of ``paper`` (a key missing from ``ours`` counts as outside); nested keys are
        joined with ``/`` in the per-key deviations."""
        per = self._per_key(paper, ours, "") if isinstance(paper, Mapping) else {}
        if not per and isinstance(paper, Mapping):
            return True, 0.0, {}
        worst = max(per.values()) if per else self.deviation(paper, ours)
        limit = 0.0 if self.kind == "holds" else self.size
        return worst <= limit, worst, per

    def _per_key(self, paper: Mapping, ours: Any, prefix: str) -> dict:
        out = {}
        for key, pv in paper.items():
            name = f"{prefix}{key}"
            ov = ours.get(key) if isinstance(ours, Mapping) else None
            if isinstance(pv, Mapping):
                sub = self._per_key(pv, ov if isinstance(ov, Mapping) else {}, name + "/")
                out.update(sub)
            else:
                out[key if not prefix else name] = self.deviation(pv, ov) if ov is not None else math.inf
        return out

    def describe(self) -> str:
        text = {"abs": f"|ours - paper| <= {self.size:g}", "log10": f"|log10(ours / paper)| <= {self.size:g}",
                "at_most": f"ours <= paper + {self.size:g}", "holds": "the statement holds"}[self.kind]
        return f"{text} ({self.why})"


@dataclasses.dataclass(frozen=True)
class Measured:
    """What a ``measure`` function may return instead of a bare value: the value, a ``caveat`` that
    makes an in-tolerance result a gap (e.g. "fit rests on a censored point"), and ``note`` (shown)."""

    value: Any
    caveat: str | None = None
    note: str | None = None


@dataclasses.dataclass(frozen=True)
class Target:
    """One measured result of a paper (see the module docstring for the fields' meaning)."""

    id: str
    paper: str
    source: str
    what: str
    paper_value: Any
    paper_setting: str
    our_setting: str
    tolerance: Tolerance
    figure: str | None = None
    measure: Callable[[dict], Any] | None = None
    substitute: str | None = None
    missing: str | None = None
    gap_cause: str | None = None
    unit: str = ""
    #: Where the chapter discusses it (a page of the book, and a section name), when it does.
    discussed: str | None = None
    #: A remark shown with the target in every status (e.g. why a full-mode run is not stored).
    note: str | None = None

    def __post_init__(self) -> None:
        if not self.id.startswith(self.paper + "."):
            raise ValueError(f"target id {self.id!r} must start with '{self.paper}.'")
        if self.missing is not None:
            if not self.missing.startswith(MISSING_KINDS):
                raise ValueError(f"target {self.id}: a missing reason starts with one of {MISSING_KINDS}")
        elif self.figure is None or self.measure is None:
            raise ValueError(f"target {self.id}: needs a figure and a measure, or a missing reason")


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """A target scored against the stored full-mode results."""

    target: Target
    status: str
    ours: Any = None
    within: bool | None = None
    deviation: float | None = None
    per_key: dict = dataclasses.field(default_factory=dict)
    cause: str | None = None
    note: str | None = None
    #: The stored run: commit, device, wall time (from summary.json's meta).
    run: dict = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict:
        t = self.target
        return dict(id=t.id, paper=t.paper, source=t.source, what=t.what, paper_value=t.paper_value,
                    paper_setting=t.paper_setting, our_setting=t.our_setting, substitute=t.substitute,
                    tolerance=dict(kind=t.tolerance.kind, size=t.tolerance.size, why=t.tolerance.why),
                    figure=t.figure, unit=t.unit, remark=t.note, status=self.status, ours=self.ours, within=self.within,
                    deviation=None if self.deviation is None or math.isinf(self.deviation) else self.deviation,
                    cause=self.cause, note=self.note, run=self.run, discussed=t.discussed)


def evaluate(target: Target, root: Path | None = None) -> Evaluation:
    """Score ``target`` against the stored full-mode results under ``root`` (default
    ``reproductions/results``); see the module docstring for the status rules."""
    from reproductions.figures import load_summary

    if target.missing is not None:
        return Evaluation(target, MISSING, cause=target.missing)
    summary = load_summary(target.figure, full=True, root=root)
    if summary is None:
        return Evaluation(target, MISSING, cause=f"compute: no completed full-mode run of {target.figure} is stored "
                                                 f"(`repro run {target.figure} --full`)")
    meta = summary.get("meta", {})
    run = {k: meta.get(k) for k in ("commit", "device", "wall_time_s", "mode") if k in meta}
    got = target.measure(summary.get("results") or {})
    m = got if isinstance(got, Measured) else Measured(got)
    if m.value is None:
        return Evaluation(target, MISSING, cause=f"compute: the stored run of {target.figure} does not record it"
                          + (f" ({m.note})" if m.note else ""), run=run)
    within, dev, per = target.tolerance.compare(target.paper_value, m.value)
    if target.substitute is not None:
        status, cause = SUBSTITUTE, target.substitute
    elif within and m.caveat is None:
        status, cause = REPRODUCED, None
    else:
        status = GAP
        cause = m.caveat if within else (target.gap_cause or "not established")
    return Evaluation(target, status, ours=m.value, within=within, deviation=dev, per_key=per, cause=cause,
                      note=m.note, run=run)


def counts(evaluations) -> dict[str, int]:
    """Number of evaluations per status (every status present, zeros included)."""
    out = {s: 0 for s in STATUSES}
    for e in evaluations:
        out[e.status] += 1
    return out
