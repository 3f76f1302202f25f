"""Build-time evidence for each claim's ledger entry, cached under ``book/_build/claim_cache/``.

Not a Sphinx extension: ``book/generate.py`` imports it (issue 13, section 5). For every claim it computes

* the default check (``Claim.run_check()`` at the defaults): the verdict, the compared numbers as text, the
  detail, the warnings, the time one evaluation takes; an :class:`~theory.registry.Undecidable` or
  :class:`~theory.registry.NotCheckable` shows as such with its message;
* the claim map (:func:`theory.claim_maps.claim_map`, drawn by :func:`theory.claim_maps.draw_map`) for a claim
  with two parameters to map and a check cheap enough (:data:`MAX_CHECK_SECONDS`), on a grid sized so that the
  map costs about :data:`MAP_SECONDS_PER_CLAIM`; all maps of one build together stop at :data:`MAP_BUDGET_SECONDS`
  (the rest say so, and the next build draws them);
* the verdict of each registered mutant at the defaults (at ``CHEAP_PARAMS`` for the slow checks, as
  ``repro claims --mutation-score``) and whether the check kills it;
* the certificates of :func:`theory.certificates.certificates_for` (title, worst, printed, ratio, verdict).

One JSON file per claim holds it, keyed by a hash of the claim id and of every Python source a check can reach
(:func:`source_key`: ``theory``, ``reference_impl`` and ``reproductions``, less the other papers' own modules,
and this file): a second build reads the files and costs nothing; editing one paper's modules
(``theory/<paper>.py``, ``theory/claims/<paper>.py``, ``reproductions/<paper>.py``,
``reproductions/targets/<paper>.py``) recomputes that paper's entries only; editing shared code (an algorithm, a
compressor, the runner) recomputes every entry.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import time
from pathlib import Path

BOOK = Path(__file__).resolve().parents[1]
ROOT = BOOK.parent
CACHE = BOOK / "_build" / "claim_cache"

#: A check slower than this at its defaults gets no map (the page says how long one check takes).
MAX_CHECK_SECONDS = 0.2
#: The target cost of one map; the grid is the largest in [MIN_GRID, MAX_GRID] that fits it.
MAP_SECONDS_PER_CLAIM = 0.5
MIN_GRID, MAX_GRID = 3, 12
#: All maps computed in one build together; beyond it the remaining maps wait for the next build. The environment
#: variable ``REPRO_MAP_BUDGET_SECONDS`` overrides it (the test build, ``tests/test_book.py``, sets a few seconds:
#: ``tests/test_claim_maps.py`` tests the maps themselves, the book test only needs the drawing path exercised).
MAP_BUDGET_SECONDS = 60.0
MAP_BUDGET_ENV = "REPRO_MAP_BUDGET_SECONDS"

#: A map stops when it runs past max(this, 4 x its estimate) (cells away from the defaults can cost far more than
#: the default point); it is then retried once on a grid half as fine, and is not drawn if that stops too.
MAP_TIME_LIMIT_SECONDS = 2.0

#: Bump when what a cache file holds changes (the grid policy above may change without a bump: each map states
#: its own grid).
CACHE_VERSION = 2
#: The packages whose Python sources are in every key (a check can import any of them).
_KEYED_PACKAGES = ("theory", "reference_impl", "reproductions")
#: Folders under those packages that no check imports (the notebooks' jupytext sources).
_UNKEYED_FOLDERS = ("reproductions/notebooks",)
#: The folders where a module named after a paper belongs to that paper alone.
_PAPER_FOLDERS = ("theory", "theory/claims", "reproductions", "reproductions/targets")


def map_budget_seconds() -> float:
    """The map budget of this build: :data:`MAP_BUDGET_SECONDS`, or ``REPRO_MAP_BUDGET_SECONDS`` when set (>= 0)."""
    raw = os.environ.get(MAP_BUDGET_ENV, "").strip()
    if not raw:
        return MAP_BUDGET_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value >= 0 or value == float("inf"):
        raise SystemExit(f"error: {MAP_BUDGET_ENV}={raw!r} must be a finite number of seconds >= 0")
    return value


def _papers() -> frozenset[str]:
    return frozenset(p.stem for p in (ROOT / "theory" / "claims").glob("*.py") if not p.stem.startswith("_"))


@functools.lru_cache(maxsize=None)
def _sources_digest(paper: str) -> bytes:
    """sha256 over the path and bytes of every ``.py`` under :data:`_KEYED_PACKAGES` and of this file, except the
    modules of papers other than ``paper`` in :data:`_PAPER_FOLDERS` and what lies in :data:`_UNKEYED_FOLDERS`."""
    others = _papers() - {paper}
    h = hashlib.sha256()
    sources = sorted(f for pkg in _KEYED_PACKAGES for f in (ROOT / pkg).rglob("*.py") if "__pycache__" not in f.parts)
    for path in sources:
        rel = path.relative_to(ROOT).as_posix()
        folder = rel.rsplit("/", 1)[0]
        if any(rel.startswith(u + "/") for u in _UNKEYED_FOLDERS) or (path.stem in others and folder in _PAPER_FOLDERS):
            continue
        h.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(b"book/_ext/claim_evidence.py\0" + Path(__file__).read_bytes())
    return h.digest()


def source_key(claim) -> str:
    """The cache key of one claim: sha256 of its id, of the sources its evidence can depend on
    (:func:`_sources_digest`) and of :data:`CACHE_VERSION`."""
    h = hashlib.sha256(claim.id.encode())
    h.update(_sources_digest(claim.paper))
    h.update(f"cache format {CACHE_VERSION}".encode())
    return h.hexdigest()


def _text(value) -> str:
    from reference_impl.cli import _fmt  # the CLI's number formatting: the page shows what `repro check` prints

    return _fmt(value)


class Evidence:
    """Computes or loads the evidence of each claim; counts the map time this build spends."""

    def __init__(self, cache: Path = CACHE) -> None:
        self.cache = cache
        self.map_seconds = 0.0
        self.map_budget = map_budget_seconds()
        self.computed = 0
        self.loaded = 0
        self.memo: dict[str, dict] = {}

    def for_claim(self, claim) -> dict:
        """The claim's evidence (see :meth:`prepare`)."""
        if claim.id not in self.memo:
            self.prepare([claim])
        return self.memo[claim.id]

    def prepare(self, claims) -> None:
        """Load or compute the evidence of ``claims``: first every default check, mutant and certificate (from
        the cache file when its key matches), then the missing maps, cheapest first, while the budget lasts (a
        map left over is drawn by a later build)."""
        pending = []
        for claim in claims:
            if claim.id in self.memo:
                continue
            data = self._load(claim)
            if data is None:
                data = {"key": source_key(claim), "claim": claim.id, "check": _default_check(claim),
                        "mutants": _mutants(claim), "certificates": _certificates(claim), "map": {"retry": True}}
                self.computed += 1
            else:
                self.loaded += 1
            self.memo[claim.id] = data
            if data["map"].get("retry"):
                pending.append(claim)
        pending.sort(key=lambda c: _check_seconds(self.memo[c.id]["check"]) or 0.0)
        for claim in pending:
            data = self.memo[claim.id]
            data["map"] = self._map(claim, data["check"], data["key"])
            self._save(claim, data)

    def _load(self, claim) -> dict | None:
        path = self.cache / f"{_file_name(claim.id)}.json"
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            return None
        png = data.get("map", {}).get("png")
        if data.get("key") != source_key(claim) or (png and not (self.cache / png).is_file()):
            return None
        return data

    def _save(self, claim, data: dict) -> None:
        self.cache.mkdir(parents=True, exist_ok=True)
        own = re.compile(re.escape(_file_name(claim.id)) + r"-[0-9a-f]{12}\.png")  # not another claim's (theorem-3-...)
        for old in self.cache.glob(f"{_file_name(claim.id)}-*.png"):
            if own.fullmatch(old.name) and old.name != data["map"].get("png"):
                old.unlink()
        (self.cache / f"{_file_name(claim.id)}.json").write_text(json.dumps(data, indent=1, sort_keys=True),
                                                               encoding="utf-8")

    def _map(self, claim, check: dict, key: str) -> dict:
        from theory.claim_maps import MapTooSlow, claim_map, default_axes, draw_map
        from theory.registry import BadParameter

        if claim.check is None:
            return {"drawn": False, "reason": "no check is registered"}
        try:
            x, y = default_axes(claim)
        except BadParameter:
            return {"drawn": False, "reason": "fewer than two parameters to map"}
        seconds = _check_seconds(check)
        if seconds is None:
            return {"drawn": False, "reason": "the check did not run at its defaults"}
        if seconds > MAX_CHECK_SECONDS:
            return {"drawn": False, "reason": f"one check takes {seconds:.2g} s (maps are drawn for checks under "
                                              f"{MAX_CHECK_SECONDS} s)"}
        # one cell away from the defaults (the middle of the grid) as a probe: a check that memoises its default
        # point, or that costs more elsewhere in the box, would make a grid sized from the defaults far too fine
        probe_start = time.perf_counter()
        _probe(claim, x, y)
        seconds = max(seconds, time.perf_counter() - probe_start)
        self.map_seconds += time.perf_counter() - probe_start
        if seconds > MAX_CHECK_SECONDS:
            return {"drawn": False, "reason": f"one check takes {seconds:.2g} s away from the defaults (maps are "
                                              f"drawn for checks under {MAX_CHECK_SECONDS} s)"}
        n = max(MIN_GRID, min(MAX_GRID, int((MAP_SECONDS_PER_CLAIM / max(seconds, 1e-4)) ** 0.5)))
        if self.map_seconds + n * n * seconds > self.map_budget:
            return {"drawn": False, "retry": True, "reason": f"this build's map budget ({self.map_budget:.0f} s) "
                                                             "was spent; the next build draws it"}
        m = None
        for grid in sorted({n, max(MIN_GRID, n // 2)}, reverse=True):
            limit = max(MAP_TIME_LIMIT_SECONDS, 4 * grid * grid * seconds)
            start = time.perf_counter()
            try:
                m = claim_map(claim, x, y, n=grid, time_limit=limit)
                break
            except MapTooSlow:
                continue
            except Exception as exc:  # noqa: BLE001  (an internal error of the check on the grid: shown, not hidden)
                return {"drawn": False, "reason": f"the check raised {type(exc).__name__} on the grid: "
                                                  f"{' '.join(str(exc).split())[:200]}"}
            finally:
                self.map_seconds += time.perf_counter() - start
        if m is None:
            return {"drawn": False, "reason": f"a {grid} x {grid} map took more than {limit:.2g} s (cells away from "
                                              f"the defaults cost more than the {seconds:.2g} s of the default point)"}
        png = f"{_file_name(claim.id)}-{key[:12]}.png"
        self.cache.mkdir(parents=True, exist_ok=True)
        draw_map(m, self.cache / png, default=claim.resolve_params())
        return {"drawn": True, "png": png, "x": m.x.name, "y": m.y.name, "x_log": m.x.log, "y_log": m.y.log,
                "grid": [len(m.x.values), len(m.y.values)], "x_range": [_text(m.x.values[0]), _text(m.x.values[-1])],
                "y_range": [_text(m.y.values[0]), _text(m.y.values[-1])], "counts": m.counts(),
                "fixed": {k: _text(v) for k, v in m.fixed.items()}, "reasons": m.reasons,
                "seconds": round(m.seconds, 2)}


def _probe(claim, x: str, y: str) -> None:
    """Run the check once at the middle of the map's grid (the verdict is not used; only its cost is)."""
    from theory.claim_maps import axis

    known = {p.name: p for p in claim.params}
    point = {}
    for name in (x, y):
        values = axis(known[name], MAX_GRID).values
        point[name] = values[len(values) // 2]
    try:
        claim.run_check(point)
    except Exception:  # noqa: BLE001  (outside the hypothesis, undecidable, or an error the map itself reports)
        pass


def _check_seconds(check: dict) -> float | None:
    """What one evaluation of the check costs: the second run at the defaults (past one-time costs), else the first."""
    return check.get("seconds_warm", check.get("seconds"))


def _file_name(claim_id: str) -> str:
    return claim_id.replace("/", "_")


def _default_check(claim) -> dict:
    from theory.registry import BadParameter, NotCheckable, Undecidable

    start = time.perf_counter()
    try:
        result = claim.run_check()
    except NotCheckable as exc:
        return {"state": "not-checkable", "message": str(exc)}
    except Undecidable as exc:
        return {"state": "undecidable", "message": str(exc), "seconds": time.perf_counter() - start}
    except BadParameter as exc:  # the defaults themselves refused: a registry bug, shown on the page
        return {"state": "bad-parameter", "message": str(exc)}
    seconds = time.perf_counter() - start
    out = {"state": "holds" if result.holds else "fails", "seconds": seconds,
           "compared": [[name, _text(value)] for name, value in result.compared.items()],
           "detail": result.detail, "warnings": list(result.warnings)}
    if seconds <= 0.5:  # a second evaluation, past one-time costs (caches, lambdify): what one map cell costs
        again = time.perf_counter()
        try:
            claim.run_check()
            out["seconds_warm"] = time.perf_counter() - again
        except Exception:  # noqa: BLE001  (the first run succeeded; the estimate falls back to it)
            pass
    return out


def _mutants(claim) -> list[dict]:
    """Each mutant's verdict at the defaults (``CHEAP_PARAMS`` for slow checks), as the mutation score runs it."""
    from theory.claims._exact import CHEAP_PARAMS, verdict
    from theory.registry import mutants

    ms = mutants(claim.id)
    if not ms or claim.check is None:
        return []
    given = CHEAP_PARAMS.get(claim.id)
    base = verdict(claim, given=given)
    rows = []
    for m in ms:
        v = verdict(claim, m.check, given)
        rows.append({"description": m.description, "equivalent": m.equivalent,
                     "verdict": "none" if v is None else ("holds" if v else "fails"),
                     "claim_verdict": "none" if base is None else ("holds" if base else "fails"),
                     "killed": base is not None and v is not None and v != base,
                     "params": dict(given or {})})
    return rows


def _certificates(claim) -> list[dict]:
    from theory.certificates import certificates_for

    rows = []
    for cert in certificates_for(claim.id):
        try:
            r = cert.compute()
        except Exception as exc:  # noqa: BLE001  (a solver failure is shown on the entry, not hidden)
            rows.append({"title": cert.title, "description": cert.description,
                         "error": f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"})
            continue
        rows.append({"title": cert.title, "description": cert.description, "worst": r.worst, "printed": r.printed,
                     "ratio": r.ratio, "verdict": r.verdict, "tolerance": r.tolerance,
                     "parameters": {k: _text(v) for k, v in r.parameters.items()}, "detail": r.detail})
    return rows
