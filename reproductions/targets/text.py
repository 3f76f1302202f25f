"""Plain-text views of the target registry: values as one short string, the ``repro targets`` listing.

The book (``book/generate.py``) and the CLI use the same :func:`value_text`, so a number reads the same
on the site and in the terminal.
"""
from __future__ import annotations

import json
import math
from typing import Any, Iterable, Mapping

from reproductions.targets.registry import STATUSES, Evaluation, counts


def _number(v: float, unit: str = "") -> str:
    if unit == "bits":
        for scale, name in ((1e9, "Gb"), (1e6, "Mb"), (1e3, "kb")):
            if abs(v) >= scale:
                return f"{v / scale:.4g} {name}"
        return f"{v:g} b"
    if unit == "fraction":
        return f"{100 * v:.4g}%"
    if isinstance(v, int) or float(v).is_integer() and abs(v) < 1e6:
        return f"{v:g}"
    return f"{v:.3g}" if abs(v) >= 1e-2 or v == 0 else f"{v:.2e}"


def value_text(value: Any, unit: str = "", limit: int = 160) -> str:
    """One line for a target value: numbers rounded (3 significant digits), booleans as yes/no, dicts as
    ``key value, ...`` (nested dicts in braces); cut at ``limit`` characters."""
    def one(v):
        if v is None:
            return "-"
        if isinstance(v, bool):
            return "yes" if v else "no"
        if isinstance(v, (int, float)):
            return "inf" if isinstance(v, float) and math.isinf(v) else _number(v, unit)
        if isinstance(v, tuple) and len(v) == 2 and all(isinstance(x, (int, float)) for x in v):
            return f"{v[0]:g} ± {v[1]:g}"
        if isinstance(v, Mapping):
            return "{" + ", ".join(f"{k}: {one(x)}" for k, x in v.items()) + "}"
        return str(v)

    text = one(value)
    if isinstance(value, Mapping) and text.startswith("{"):
        text = text[1:-1]
    return text if len(text) <= limit else text[: limit - 3] + "..."


def status_text(e: Evaluation) -> str:
    """The status with its qualifier: ``substitute (agrees)`` / ``substitute (differs)``."""
    if e.status == "substitute":
        return "substitute (agrees)" if e.within else "substitute (differs)"
    return e.status


def count_line(evaluations: Iterable[Evaluation]) -> str:
    c = counts(evaluations)
    return ", ".join(f"{c[s]} {s}" for s in STATUSES)


def listing(evaluations: list[Evaluation]) -> str:
    """The ``repro targets`` text: one block per target, then the counts per status."""
    lines = []
    for e in evaluations:
        t = e.target
        lines.append(f"{t.id}  [{status_text(e)}]")
        lines.append(f"    {t.source}: {t.what}")
        lines.append(f"    paper: {value_text(t.paper_value, t.unit)}   ours: {value_text(e.ours, t.unit)}"
                     + (f"   tolerance: {t.tolerance.describe()}" if e.ours is not None else ""))
        if e.cause:
            lines.append(f"    {'why' if e.status != 'reproduced with a gap' else 'cause'}: {e.cause}")
        if e.note:
            lines.append(f"    measured: {e.note}")
        if t.note:
            lines.append(f"    note: {t.note}")
    lines.append("")
    lines.append(f"{len(evaluations)} targets: {count_line(evaluations)}")
    return "\n".join(lines)


def as_json(evaluations: list[Evaluation]) -> str:
    def default(o):
        if isinstance(o, tuple):
            return list(o)
        return str(o)

    def keys(o):
        if isinstance(o, dict):
            return {str(k): keys(v) for k, v in o.items()}
        if isinstance(o, (list, tuple)):
            return [keys(v) for v in o]
        if isinstance(o, float) and not math.isfinite(o):
            return None
        return o

    return json.dumps(dict(targets=[keys(e.as_dict()) for e in evaluations],
                           counts=counts(evaluations)), indent=2, default=default)
