"""Write the generated pages of the book into ``book/_generated/`` (git-ignored).

Run as ``python book/generate.py`` (``book/build.sh`` does it before ``jupyter-book build``).

For every paper that has a chapter, i.e. a hand-written ``book/<paper>/index.md``:

* ``_generated/<paper>/constants.md``: each entry of ``theory.<paper>.CONSTANTS`` (description,
  source, ``$$ symbol = latex $$``);
* ``_generated/<paper>/claims.md``: the claims ledger of the paper (a table id | source | status |
  statement | correction, statuses as coloured badges that ``_static/claims_filter.js`` filters, then one
  section per claim, labelled ``claim-<id>`` (its permalink): statement typeset (ASCII math through
  :func:`theory.plaintext.text_to_tex`), expression as display math with the symbols as the paper writes
  them, parameters with defaults and allowed ranges, the ``repro check`` command and its result at the
  defaults, the correction, notes, the claim map, certificates and mutants: the evidence that
  ``_ext/claim_evidence.py`` computes once and caches under ``book/_build/claim_cache/``);
* ``_generated/<paper>/maps/*.png``: the claim maps, copied from that cache;
* ``_generated/<paper>/targets.md``: the reproduction ledger of the paper (every target of
  :mod:`reproductions.targets`: the paper's value, ours from the stored full-mode runs, the tolerance and
  the computed status, then one section per target);
* ``_generated/<paper>/notebooks/*.ipynb``: for each ``reproductions/notebooks/<paper>_*.ipynb``, the
  copy executed by ``make book`` into ``book/_build/executed/`` when there is one, else the tracked
  copy with its stored outputs (the book itself executes nothing).

For the whole book:

* ``_generated/ledger.md``: every paper with its claim counts by status, every claim (filterable by work and
  status, the correction of each erratum in the list), and the list of errata;
* ``_generated/targets.md``: the reproduction summary, target counts per paper and status, and every
  gap with its cause;
* ``_generated/api.md`` and ``_generated/api/<module>.md``: the API reference, one page per importable
  module of ``reference_impl``, ``theory`` and ``reproductions`` (the index documents the core modules,
  which must import, and lists the others).

Page titles name the work ("Claims — 000 IADE") so that the site's search results can be told apart, and
carry no TeX. The package version (``pyproject.toml``) is printed on the index pages.

Files are rewritten only when their content changes, so incremental Sphinx builds stay fast, and
generated files that are no longer produced are removed.

A paper whose theory module or claims do not exist yet gets a page saying so. Import errors of
``theory.claims`` and of existing theory modules are *not* caught: a broken module breaks the build.
"""
from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
import shutil
import sys
import traceback
from pathlib import Path

BOOK = Path(__file__).resolve().parent
ROOT = BOOK.parent
OUT = BOOK / "_generated"
NOTEBOOK_SRC = ROOT / "reproductions" / "notebooks"
#: Notebooks executed by ``make book`` (``execute_notebooks --cache``); preferred over the tracked copies.
NOTEBOOK_CACHE = BOOK / "_build" / "executed"

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import sympy  # noqa: E402

from theory import registry  # noqa: E402
from theory.constants import Constant  # noqa: E402
from theory.plaintext import symbol_tex, text_to_tex  # noqa: E402

sys.path.insert(0, str(BOOK / "_ext"))
from claim_evidence import Evidence  # noqa: E402  (book/_ext/claim_evidence.py: the cached per-claim evidence)

#: Modules the API page always documents; failing to import one of them fails the build.
CORE_MODULES = ("reference_impl.backends", "theory.registry", "theory.constants")
#: Packages walked for further modules (documented when they import).
API_PACKAGES = ("reference_impl", "theory", "reproductions")

STATUS_TEXT = {
    "verified-symbolic": "verified (symbolic)",
    "verified-numeric": "verified (numeric)",
    "erratum": "erratum",
    "not-checkable": "not checkable",
}


# -- helpers -------------------------------------------------------------------------------------
class _Writer:
    """Collects the generated files; writes changed ones and removes stale ones."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.written: set[Path] = set()

    def text(self, rel: str, content: str) -> None:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
        self.written.add(path)

    def copy(self, src: Path, rel: str) -> None:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != src.read_bytes():
            shutil.copyfile(src, path)
        self.written.add(path)

    def remove_stale(self) -> None:
        for path in sorted(self.out.rglob("*"), reverse=True):
            if path.is_file() and path not in self.written:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()


def label(*parts: str) -> str:
    """A Sphinx/MyST label from free text: lowercase, [a-z0-9-] only."""
    return re.sub(r"[^a-z0-9]+", "-", "-".join(parts).lower()).strip("-")


def cell(text: object) -> str:
    """Text for one markdown table cell: a single line, pipes escaped."""
    return " ".join(str(text).split()).replace("|", r"\|")


def code(text: object) -> str:
    """Text as an inline literal in a table cell or paragraph (no markdown or HTML inside it is interpreted)."""
    text = cell(text)
    fence = "``" if "`" in text else "`"
    return f"{fence} {text} {fence}" if fence == "``" else f"`{text}`"


def display_math(tex: str) -> str:
    return f"$$\n{tex}\n$$\n"


def name_tex(name: str) -> str:
    """LaTeX for the name of an entry of a dict expression (``gamma_max`` -> ``\\gamma_{max}``)."""
    if name.startswith("\\") or "{" in name:
        return name
    symbol = symbol_tex(name)
    if symbol:
        return symbol
    return "\\mathrm{" + name.replace("_", "\\_") + "}" if len(name) > 1 else name


def expr_tex(expr) -> str:
    """``sympy.latex`` with each symbol named as the paper writes it (``c_prime`` -> ``c'``)."""
    free = getattr(expr, "free_symbols", set())
    names = {s: symbol_tex(s.name) for s in free if symbol_tex(s.name)}
    return sympy.latex(expr, symbol_names=names) if names else sympy.latex(expr)


def paper_title(paper: str) -> str:
    return registry.PAPERS[paper]


#: How page titles name a work (seed number and short name).
SHORT_NAMES = {"iade": "000 IADE", "neolithic": "001 NEOLITHIC", "compams": "002 COMP-AMS", "lena": "003 LENA",
               "mcm": "004 MCM"}


def page_title(kind: str, paper: str) -> str:
    """``"Claims — 000 IADE"``: the page kind and the work, so that search results can be told apart."""
    return f"{kind} — {SHORT_NAMES.get(paper, paper)}"


def package_version() -> str:
    """The version in ``pyproject.toml`` (the one ``repro --version`` reports once installed)."""
    found = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    if not found:
        raise ValueError("pyproject.toml has no version line")
    return found.group(1)


def chapter_papers() -> list[str]:
    """Papers with a hand-written chapter page ``book/<paper>/index.md``."""
    return [p for p in registry.PAPERS if (BOOK / p / "index.md").is_file()]


def load_constants(paper: str) -> dict[str, Constant] | None:
    """``theory.<paper>.CONSTANTS``; None when the module or the dict does not exist yet.

    An existing module that fails to import raises (the build must not hide a broken module).
    """
    name = f"theory.{paper}"
    if importlib.util.find_spec(name) is None:
        return None
    module = importlib.import_module(name)
    constants = getattr(module, "CONSTANTS", None)
    if constants is None:
        return None
    for key, value in constants.items():
        if not isinstance(value, Constant):
            raise TypeError(f"{name}.CONSTANTS[{key!r}] is a {type(value).__name__}, not theory.constants.Constant")
    return dict(constants)


# -- pages ---------------------------------------------------------------------------------------
def page_header(kind: str, paper: str) -> list[str]:
    """The title line (naming the work) and the paper line that open every per-work page."""
    return [f"# {page_title(kind, paper)}", "", f"Paper: **{paper_title(paper)}**.", ""]


def constants_page(paper: str) -> str:
    constants = load_constants(paper)
    lines = [
        *page_header("Constants", paper),
        f"Every constant below is the sympy expression exported by `theory.{paper}.CONSTANTS`, "
        "rendered with `sympy.latex`; tests, notebooks and `repro check` evaluate the same "
        "expression.",
        "",
    ]
    if not constants:
        lines += [f"No constants exported yet (`theory.{paper}.CONSTANTS` does not exist).", ""]
        return "\n".join(lines)
    for key, const in constants.items():
        free = ", ".join(f"${expr_tex(s)}$" for s in sorted(const.free_symbols, key=lambda s: s.name))
        lines += [
            f"({label('const', paper, key)})=",
            f"## `{key}`",
            "",
            f"{const.description}",
            "",
            f"**Source:** {const.source}",
            "",
            display_math(f"{const.symbol} = {expr_tex(const.expr)}"),  # Constant.equation(), symbols as printed
        ]
        if free:
            lines += [f"Depends on: {free}.", ""]
    return "\n".join(lines)


def status_span(status: str) -> str:
    """The status as a coloured badge (``book/_static/claims.css``), with a data attribute for the list filter."""
    return f'<span class="claim-status claim-status-{status}" data-status="{status}">{STATUS_TEXT[status]}</span>'


def verdict_span(state: str) -> str:
    text = {"holds": "holds", "fails": "fails", "undecidable": "undecidable", "not-checkable": "not checkable",
            "bad-parameter": "defaults refused"}.get(state, state)
    return f'<span class="claim-verdict claim-verdict-{state}">{text}</span>'


def claim_ids() -> set[str]:
    return {c.id for c in registry.all_claims()}


def tex(text: str) -> str:
    """A statement, note or correction as MyST markdown: ASCII math typeset, claim ids as literals (linked by
    ``book/_ext/claim_links.py``); see :func:`theory.plaintext.text_to_tex`."""
    return text_to_tex(text, claim_ids())


def param_symbol(name: str) -> str:
    """The parameter as the paper writes it (``$c'$``), or the CLI name where it is no symbol of the paper."""
    symbol = symbol_tex(name)
    return f"${symbol}$" if symbol else "–"


def claims_page(paper: str, evidence=None) -> str:
    claims = registry.all_claims(paper)
    lines = [
        *page_header("Claims", paper),
        "Each numbered claim of the paper, with its status: verified symbolically (sympy), verified "
        "numerically (exact rationals where possible), erratum (the claim as printed fails; the "
        "correction is given) or not checkable (with the reason). Check one claim at your own "
        "parameter values with `repro check CLAIM_ID --set NAME=VALUE ...`; `--sweep N` samples its hypothesis "
        "box and `--map` prints the map drawn on its entry. Each entry shows the check's result at the defaults, "
        "computed when the book was built.",
        "",
    ]
    if not claims:
        lines += ["No claims registered yet.", ""]
        return "\n".join(lines)

    lines += ["| id | source | status | statement | correction |", "|---|---|---|---|---|"]
    for c in claims:
        ref = f"{{ref}}`{c.id} <{label('claim', c.id)}>`"
        correction = cell(tex(c.correction)) if c.status == "erratum" and c.correction else ""
        lines.append(f"| {ref} | {cell(c.source)} | {status_span(c.status)} | {cell(tex(c.statement))} | {correction} |")
    lines.append("")

    for c in claims:
        data = evidence.for_claim(c) if evidence is not None else None
        lines += claim_entry(c, data)
    return "\n".join(lines)


def claim_entry(c, data: dict | None) -> list[str]:
    """One claim's entry: label (the permalink), status, statement, expression, parameters, the default check's
    result, correction, notes, map, certificates, mutants."""
    anchor = label("claim", c.id)
    lines = [
        f"({anchor})=",
        f"## `{c.id}`: {c.source}",
        "",
        f"{status_span(c.status)} &nbsp; Permalink: {{ref}}`{anchor} <{anchor}>`",
        "",
        tex(c.statement),
        "",
    ]
    lines += expression_block(c.expression)
    if c.params:
        lines += ["**Parameters**", "", "| symbol | name | default | allowed range | kind | meaning |",
                  "|---|---|---|---|---|---|"]
        for p in c.params:
            lines.append(f"| {param_symbol(p.name)} | `{p.name}` | `{p.default}` | `{p.range_text()}` | {p.kind} | "
                         f"{cell(tex(p.help))} |")
        lines.append("")
    if c.check is not None:
        sets = " ".join(f"--set {p.name}={p.default}" for p in c.params)
        lines += ["```bash", f"repro check {c.id} {sets}".rstrip(), "```", ""]
    if data is not None:
        lines += check_block(data["check"])
    if c.status == "erratum" or c.correction:
        lines += ["```{admonition} Correction", ":class: warning", "",
                  tex(c.correction) or "(no correction recorded)", "```", ""]
    if c.notes:
        lines += ["**Notes.** " + tex(c.notes), ""]
    if data is not None:
        lines += map_block(c, data["map"])
        lines += certificate_block(data["certificates"])
        lines += mutant_block(data["mutants"])
    else:
        ms = registry.mutants(c.id)
        if ms:
            lines += ["**Mutants:**", ""] + [f"- {cell(m.description)}" for m in ms] + [""]
    return lines


def check_block(check: dict) -> list[str]:
    """The default ``repro check`` result: verdict, the numbers compared, how, warnings."""
    state = check["state"]
    took = f" in {check['seconds']:.2g} s" if check.get("seconds") is not None else ""
    lines = [f"**Default check** (computed at build time{took}): {verdict_span(state)}", ""]
    if check.get("message"):
        lines += [f"> {cell(tex(check['message']))}", ""]
    if check.get("compared"):
        lines += ["| compared | value |", "|---|---|"]
        lines += [f"| `{name}` | {code(value)} |" for name, value in check["compared"]]
        lines.append("")
    if check.get("detail"):
        lines += [f"How: {tex(check['detail'])}", ""]
    for w in check.get("warnings", []):
        lines += [f"Warning: {code(w)}", ""]
    return lines


def map_block(c, m: dict) -> list[str]:
    if not m.get("drawn"):
        return [f"**Claim map:** map not drawn: {m.get('reason', 'no map')}.", ""]
    counts = m["counts"]
    xs, ys = param_symbol(m["x"]), param_symbol(m["y"])
    fixed = ", ".join(f"`{k}`={v}" for k, v in m["fixed"].items()) or "none"
    lines = [f"**Claim map** over {xs} (`{m['x']}`, {m['x_range'][0]} to {m['x_range'][1]}"
             f"{', log scale' if m['x_log'] else ''}) and {ys} (`{m['y']}`, {m['y_range'][0]} to {m['y_range'][1]}"
             f"{', log scale' if m['y_log'] else ''}), {m['grid'][0]} x {m['grid'][1]} cells, the other parameters at "
             f"their defaults ({fixed}); the circle marks the defaults. Cells: holds {counts['holds']}, "
             f"fails {counts['fails']}, undecidable {counts['undecidable']}, not in the hypothesis {counts['outside']} "
             f"(computed in {m['seconds']} s; `repro check {c.id} --map {m['x']} {m['y']} --grid {m['grid'][0]}` "
             "prints it).", "",
             f"![claim map of {c.id}](maps/{m['png']})", ""]
    for state, reason in m.get("reasons", {}).items():
        name = "not in the hypothesis" if state == "outside" else state
        lines += [f"First cell {name}: {cell(tex(reason))}", ""]
    return lines


def certificate_block(certs: list[dict]) -> list[str]:
    if not certs:
        return []
    lines = ["**Certificates** (worst case of the step over its function class, PEP solved as an SDP):", "",
             "| certificate | worst | printed | ratio | verdict |", "|---|---|---|---|---|"]
    for r in certs:
        if "error" in r:
            lines.append(f"| {cell(r['title'])} | | | | not computed: {cell(r['error'])} |")
        else:
            lines.append(f"| {cell(tex(r['title']))} | {r['worst']:.6g} | {r['printed']:.6g} | {r['ratio']:.4g} | "
                         f"{r['verdict']} |")
    return lines + [""]


def mutant_block(rows: list[dict]) -> list[str]:
    if not rows:
        return []
    given = rows[0].get("params") or {}
    at = (" at " + ", ".join(f"`{k}`={v}" for k, v in given.items())) if given else " at the defaults"
    lines = [f"**Mutants** (typos of the statement that the check must reject; run{at}, where the claim's own "
             f"check {rows[0]['claim_verdict']}):", "", "| mutant | its verdict | killed |", "|---|---|---|"]
    for r in rows:
        killed = "yes" if r["killed"] else ("equivalent: " + cell(r["equivalent"]) if r["equivalent"] else "**no**")
        lines.append(f"| {cell(tex(r['description']))} | {r['verdict']} | {killed} |")
    return lines + [""]


def expression_block(expression: object) -> list[str]:
    if expression is None:
        return []
    if isinstance(expression, dict):
        out = []
        for name, expr in expression.items():
            out.append(display_math(f"{name_tex(str(name))} = {expr_tex(expr)}"))
        return out
    return [display_math(expr_tex(expression))]


def ledger_page(chapters: list[str]) -> str:
    lines = [
        "# Claims ledger",
        "",
        "Every registered claim of the five works, counted by status. `repro claims --paper KEY` "
        "lists them on the command line.",
        "",
        "| paper | " + " | ".join(STATUS_TEXT[s] for s in registry.STATUSES) + " | total | mutants |",
        "|---" * (len(registry.STATUSES) + 3) + "|",
    ]
    all_claims = registry.all_claims()
    errata = []
    for paper, title in registry.PAPERS.items():
        claims = [c for c in all_claims if c.paper == paper]
        counts = [sum(c.status == s for c in claims) for s in registry.STATUSES]
        name = f"{{doc}}`{cell(title)} </_generated/{paper}/claims>`" if paper in chapters else cell(title)
        row = " | ".join(str(n) for n in counts)
        n_mutants = sum(len(registry.mutants(c.id)) for c in claims)
        lines.append(f"| {name} | {row} | {len(claims)} | {n_mutants} |")
        errata += [c for c in claims if c.status == "erratum"]
    total = [sum(c.status == s for c in all_claims) for s in registry.STATUSES]
    lines.append("| **all** | " + " | ".join(f"**{n}**" for n in total) + f" | **{len(all_claims)}** | "
                 f"**{len(registry.mutants())}** |")
    lines += ["", "Mutants are plausible typos of each statement (a constant off, an exponent changed, a "
              "factor dropped, an inequality tightened); CI (`tests/test_mutation_score.py`) requires every "
              "check to reject every one of its claim's mutants, and `repro claims --mutation-score` prints "
              "the score per paper."]
    lines.append("")
    if not all_claims:
        lines += ["No claims registered yet.", ""]
    lines += ["## Every claim", "",
              "Filter the list by work and status with the menus above it (the page's script; without it the whole "
              "list shows). Each id links to its entry: the default check's numbers, the map, the mutants. For "
              "errata the correction is in the last column.", "",
              "| id | work | source | status | statement | correction |", "|---|---|---|---|---|---|"]
    for c in all_claims:
        where = f"{{ref}}`{c.id} <{label('claim', c.id)}>`" if c.paper in chapters else f"`{c.id}`"
        work = f'<span class="claim-paper" data-paper="{c.paper}">{SHORT_NAMES.get(c.paper, c.paper)}</span>'
        correction = cell(tex(c.correction)) if c.status == "erratum" and c.correction else ""
        lines.append(f"| {where} | {work} | {cell(c.source)} | {status_span(c.status)} | {cell(tex(c.statement))} | "
                     f"{correction} |")
    lines += ["", "## Errata", ""]
    if not errata:
        lines += ["None recorded.", ""]
    for c in errata:
        where = f"{{ref}}`{c.id} <{label('claim', c.id)}>`" if c.paper in chapters else f"`{c.id}`"
        lines.append(f"- {where} ({c.source}): {' '.join(tex(c.statement).split())}"
                     + (f" **Correction:** {' '.join(tex(c.correction).split())}" if c.correction else ""))
    lines.append("")
    return "\n".join(lines)


def discover_modules() -> tuple[list[str], dict[str, str]]:
    """Importable modules of :data:`API_PACKAGES` (core ones first) and the failures (name -> error)."""
    found: list[str] = []
    failed: dict[str, str] = {}
    for name in CORE_MODULES:
        importlib.import_module(name)  # must import: let the error through
        found.append(name)
    for package in API_PACKAGES:
        try:
            pkg = importlib.import_module(package)
        except Exception:  # noqa: BLE001 - reported on the page
            failed[package] = traceback.format_exc(limit=0).strip().splitlines()[-1]
            continue
        if package not in found and getattr(pkg, "__file__", None):  # not a bare namespace package
            found.append(package)
        path = getattr(pkg, "__path__", None)
        if path is None:
            continue
        names = sorted(m.name for m in pkgutil.walk_packages(path, prefix=package + ".", onerror=lambda n: None))
        for name in names:
            if name in found or name.rsplit(".", 1)[-1].startswith("_"):
                continue
            try:
                importlib.import_module(name)
            except Exception:  # noqa: BLE001 - reported on the page
                failed[name] = traceback.format_exc(limit=0).strip().splitlines()[-1]
                continue
            found.append(name)
    return found, failed


def _first_line(module_name: str) -> str:
    doc = (importlib.import_module(module_name).__doc__ or "").strip()
    return cell(doc.split("\n\n")[0]) if doc else ""


def _automodule(name: str) -> list[str]:
    return ["```{eval-rst}", f".. automodule:: {name}", "   :members:", "   :undoc-members:", "   :show-inheritance:",
            "   :special-members: __call__", "```", ""]


def api_pages() -> dict[str, str]:
    """``{relative path: text}``: the index ``api.md`` (the core modules in full, a table of the others) and
    one page ``api/<module>.md`` per other importable module."""
    modules, failed = discover_modules()
    others = [m for m in sorted(modules) if m not in CORE_MODULES]
    lines = [
        "# API reference",
        "",
        f"Package `commeff-repro`, version {package_version()}. Generated from the docstrings by "
        "`sphinx.ext.autodoc` and `sphinx.ext.napoleon` (Google/NumPy docstring sections), one page per module; "
        "the core modules are documented on this page.",
        "",
    ]
    if failed:
        lines += ["```{admonition} Modules not importable at build time", ":class: note", ""]
        lines += [f"- `{name}`: {cell(err)}" for name, err in sorted(failed.items())]
        lines += ["```", ""]
    lines += ["| module | what it holds |", "|---|---|"]
    lines += [f"| {{doc}}`{name} <api/{name}>` | {_first_line(name)} |" for name in others]
    lines.append("")
    for name in CORE_MODULES:
        lines += [f"## `{name}`", ""] + _automodule(name)
    pages = {"api.md": "\n".join(lines)}
    for name in others:
        pages[f"api/{name}.md"] = "\n".join([f"# `{name}`", ""] + _automodule(name))
    return pages


# -- the reproduction ledger ---------------------------------------------------------------------
def _evaluations(paper: str | None = None):
    from reproductions.targets import evaluate_all

    return evaluate_all(paper)


def targets_page(paper: str) -> str:
    from reproductions.targets.text import count_line, status_text, value_text

    evaluations = _evaluations(paper)
    lines = [
        *page_header("Reproduction ledger", paper),
        "Every table cell group, figure panel and quantitative sentence of the paper, with the paper's value, ours "
        "and a status **computed** (`reproductions.targets`) from the stored full-mode results "
        "(`reproductions/results/full/`), never from a quick run: *reproduced* (the paper's setting, within the "
        "stated tolerance), *reproduced with a gap* (outside it, or a caveat on the measurement; the cause is "
        "given, or said to be not established), *substitute* (another setting, with the reason; *agrees* or "
        "*differs*), *missing* (the reason: data, compute, text incomplete). "
        f"`repro targets --paper {paper}` prints the same.",
        "",
        f"**Counts:** {count_line(evaluations)} ({len(evaluations)} targets).",
        "",
        "| target | source | paper | ours | status |",
        "|---|---|---|---|---|",
    ]
    for e in evaluations:
        t = e.target
        ref = f"{{ref}}`{t.id} <{label('target', t.id)}>`"
        lines.append(f"| {ref} | {cell(t.source)} | {cell(value_text(t.paper_value, t.unit, 80))} | "
                     f"{cell(value_text(e.ours, t.unit, 80))} | {cell(status_text(e))} |")
    lines.append("")
    for e in evaluations:
        t = e.target
        rows = [("what", t.what), ("source", t.source), ("paper's value", value_text(t.paper_value, t.unit, 600)),
                ("ours", value_text(e.ours, t.unit, 600)), ("tolerance", t.tolerance.describe()),
                ("setting as printed", t.paper_setting), ("our setting", t.our_setting)]
        if t.substitute:
            rows.append(("substitute", t.substitute))
        if e.cause:
            rows.append(("reason" if e.status in ("missing", "substitute") else "cause", e.cause))
        if e.note:
            rows.append(("measured", e.note))
        if t.note:
            rows.append(("note", t.note))
        if t.discussed:
            rows.append(("discussed in", t.discussed))
        if e.run:
            wall = e.run.get("wall_time_s")
            rows.append(("stored run", f"{t.figure}: commit {e.run.get('commit')}, {e.run.get('device')}"
                         + (f", {wall / 60:.1f} min" if isinstance(wall, (int, float)) else "")))
        elif t.figure:
            rows.append(("figure", t.figure))
        lines += [f"({label('target', t.id)})=", f"## `{t.id}`", "", f"**Status:** {status_text(e)}", "",
                  "| | |", "|---|---|"]
        lines += [f"| {k} | {cell(v)} |" for k, v in rows]
        lines.append("")
    return "\n".join(lines)


def targets_summary_page(chapters: list[str]) -> str:
    from reproductions.targets import STATUSES, counts
    from reproductions.targets.text import status_text

    evaluations = _evaluations()
    lines = [
        "# Reproduction ledger — all five works",
        "",
        f"Package version {package_version()}. Each work's targets (table cell groups, figure panels, quantitative "
        "sentences), counted by the status computed from the stored full-mode results; `repro targets` lists them. "
        "The claims (what the papers state) have their own ledger.",
        "",
        "| work | " + " | ".join(STATUSES) + " | total |",
        "|---" * (len(STATUSES) + 2) + "|",
    ]
    for paper, title in registry.PAPERS.items():
        ev = [e for e in evaluations if e.target.paper == paper]
        c = counts(ev)
        name = f"{{doc}}`{cell(title)} </_generated/{paper}/targets>`" if paper in chapters else cell(title)
        lines.append(f"| {name} | " + " | ".join(str(c[s]) for s in STATUSES) + f" | {len(ev)} |")
    c = counts(evaluations)
    lines.append("| **all** | " + " | ".join(f"**{c[s]}**" for s in STATUSES) + f" | **{len(evaluations)}** |")
    lines += ["", "## Gaps and their causes", ""]
    gaps = [e for e in evaluations if e.status == "reproduced with a gap" or (e.status == "substitute" and not e.within)]
    for e in gaps:
        where = f"{{ref}}`{e.target.id} <{label('target', e.target.id)}>`" if e.target.paper in chapters \
            else f"`{e.target.id}`"
        lines.append(f"- {where} ({status_text(e)}): {' '.join(e.target.what.split())}. "
                     f"{'Cause' if e.status != 'substitute' else 'Substitute'}: {' '.join(str(e.cause).split())}"
                     + (f". Measured: {' '.join(e.note.split())}" if e.note else ""))
    lines += ["", "## Missing, by reason", ""]
    for kind in ("data", "compute", "text incomplete"):
        ids = [e.target.id for e in evaluations if e.status == "missing" and str(e.cause).startswith(kind)]
        lines.append(f"- **{kind}** ({len(ids)}): " + (", ".join(f"`{i}`" for i in ids) or "none"))
    lines += ["", "## Closing note", "",
              f"Of the {len(evaluations)} targets of the five works, " + ", ".join(f"{c[s]} are {s}" for s in STATUSES)
              + ". 004's convex table, row by row:", ""]
    for e in evaluations:
        if e.target.id.startswith("mcm.convex-table."):
            text = f"- `{e.target.id}`: {e.status}"
            if e.cause:
                text += f" ({' '.join(str(e.cause).split())})"
            if e.note:
                text += f". Measured: {' '.join(e.note.split())}"
            lines.append(text)
    lines.append("")
    return "\n".join(lines)


# -- main ----------------------------------------------------------------------------------------
def main() -> int:
    writer = _Writer(OUT)
    chapters = chapter_papers()
    evidence = Evidence()
    evidence.prepare([c for paper in chapters for c in registry.all_claims(paper)])
    for paper in chapters:
        writer.text(f"{paper}/constants.md", constants_page(paper))
        writer.text(f"{paper}/claims.md", claims_page(paper, evidence))
        for c in registry.all_claims(paper):
            png = evidence.for_claim(c)["map"].get("png")
            if png:
                writer.copy(evidence.cache / png, f"{paper}/maps/{png}")
        writer.text(f"{paper}/targets.md", targets_page(paper))
        for nb in sorted(NOTEBOOK_SRC.glob(f"{paper}_*.ipynb")):
            executed = NOTEBOOK_CACHE / nb.name
            writer.copy(executed if executed.is_file() else nb, f"{paper}/notebooks/{nb.name}")
    writer.text("ledger.md", ledger_page(chapters))
    writer.text("targets.md", targets_summary_page(chapters))
    for rel, text in api_pages().items():
        writer.text(rel, text)
    writer.remove_stale()
    print(f"generate.py: {len(writer.written)} files in {OUT.relative_to(ROOT)} "
          f"(chapters: {', '.join(chapters) or 'none'}); claim evidence: {evidence.computed} computed, "
          f"{evidence.loaded} from {evidence.cache.relative_to(ROOT)}, maps {evidence.map_seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
