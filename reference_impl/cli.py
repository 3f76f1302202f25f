"""The ``repro`` command line: check the five works' claims at your own parameters, rerun their figures.

Commands::

    repro claims [--paper KEY] [--json]      every registered claim: id, status, source, statement
    repro describe CLAIM_ID                  one claim: statement, parameters (default, range), notes
    repro check CLAIM_ID [--set NAME=VALUE ...] [--json] [--debug] [--sweep N | --map [X Y] [--grid n]]
    repro list                               figure ids and their notebooks
    repro run FIGURE_ID [--full] ...         regenerate one figure's results

Claim ids look like ``iade.lemma-7.1`` (``<paper>.<claim>``; paper keys: iade, neolithic, compams,
lena, mcm); ``repro claims`` lists them. Parameter values are exact rationals (``0.95`` is 19/20;
``1/3``, ``1e-3`` are accepted; integers for integer parameters); a parameter's range is the claim's
hypothesis.

Exit codes of ``repro check``::

  0  the claim as printed holds at these parameters
  1  it fails there (a counterexample; errata exit 1 at their counterexample parameters)
  2  bad input: unknown claim or parameter, a value out of range, a parameter given twice
  3  not checkable here: the claim has no check, or float64 cannot decide at these parameters
  4  internal error (one line; ``--debug`` prints the traceback)

Other commands exit 0 on success, 2 on bad input (``repro run``: also a busy results folder or a
missing/corrupt data file), 4 on an internal error; ``repro run`` exits 130 on Ctrl-C, 143 on SIGTERM.
"""
from __future__ import annotations

import argparse
import json
import sys
import textwrap
import traceback
from fractions import Fraction
from typing import Any

EXIT_HOLDS, EXIT_FAILS, EXIT_BAD_INPUT, EXIT_NOT_CHECKABLE, EXIT_INTERNAL = 0, 1, 2, 3, 4


def _jsonable(value: Any) -> Any:
    import sympy

    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, sympy.Basic):
        return str(value) if not value.is_number or value.is_Rational else float(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "tolist"):
        return _jsonable(value.tolist())
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, float) and value != value:
        return "nan"
    return value


def _fmt(value: Any) -> str:
    """Human text for a value: no Python reprs (``Fraction(1, 1)``, ``None``, numpy scalars)."""
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        return f"{value} (= {float(value):.6g})"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_fmt(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        items = [_fmt(v) for v in value]
        return "[" + ", ".join(items[:12]) + (", ..." if len(items) > 12 else "") + "]"
    if hasattr(value, "tolist"):
        return _fmt(value.tolist())
    if hasattr(value, "item"):
        return _fmt(value.item())
    try:
        import sympy

        if isinstance(value, sympy.Basic):
            if value.is_Rational:
                return _fmt(Fraction(int(value.p), int(value.q)))
            if value.is_number:
                return f"{float(value):.6g}"
            return sympy.sstr(value)
    except (TypeError, ValueError, OverflowError):
        pass
    return str(value)


def _text(tex: str) -> str:
    from theory.plaintext import tex_to_text

    return tex_to_text(tex)


def _wrap(text: str, indent: str = "") -> str:
    return textwrap.fill(text, 100, initial_indent=indent, subsequent_indent=indent)


def cmd_claims(args) -> int:
    from theory.registry import all_claims

    if getattr(args, "mutation_score", False):
        return _mutation_score(args)
    claims = all_claims(args.paper)
    if args.json:
        print(json.dumps([dict(id=c.id, source=c.source, status=c.status, statement=c.statement,
                               parameters={p.name: _jsonable(p.default) for p in c.params})
                          for c in claims], indent=2))
        return 0
    width = max((len(c.id) for c in claims), default=10)
    for c in claims:
        summary = textwrap.shorten(_text(c.statement), 90)
        print(f"{c.id:<{width}}  {c.status:<17}  {c.source}\n{'':<{width}}  {summary}")
    return 0


def _mutation_score(args) -> int:
    """``repro claims --mutation-score``: killed/total mutants per paper, survivors with their justification."""
    from theory.claims._exact import CHEAP_PARAMS, mutation_report, mutation_scores

    report = mutation_report(args.paper, cheap=CHEAP_PARAMS)
    scores = mutation_scores(report)
    if args.json:
        print(json.dumps({paper: dict(killed=k, total=t, equivalent=e,
                                      survivors=[dict(claim=cid, mutant=m.description, verdict=v,
                                                      justification=m.equivalent or None) for cid, m, v in surv])
                          for paper, (k, t, e, surv) in sorted(scores.items())}, indent=2))
        return 1 if any(surv for _, _, _, surv in scores.values()) else 0
    if not scores:
        print("no claim has registered mutants" + (f" in {args.paper}" if args.paper else ""))
        return 0
    for paper, (k, t, e, surv) in sorted(scores.items()):
        extra = f", {e} equivalent (not counted)" if e else ""
        print(f"{paper:<10} {k}/{t} mutants killed{extra}")
        for cid, m, v in surv:
            why = f"verdict {'none' if v is None else ('holds' if v else 'fails')}, same as the claim's"
            print(f"  survivor {cid}: {m.description} ({why})")
    equivalent = [(c.id, m) for c, _, rows in report for m, _, _ in rows if m.equivalent]
    for cid, m in equivalent:
        print(f"  equivalent {cid}: {m.description} -- {m.equivalent}")
    cheap = sorted(set(CHEAP_PARAMS) & {c.id for c, _, _ in report})
    if cheap:
        print("evaluated at cheaper parameters (claim and mutants alike): " +
              "; ".join(f"{cid} " + " ".join(f"{k}={v}" for k, v in CHEAP_PARAMS[cid].items()) for cid in cheap))
    return 1 if any(surv for _, _, _, surv in scores.values()) else 0


def cmd_describe(args) -> int:
    from theory.registry import get

    c = get(args.claim_id)
    print(f"{c.id} [{c.status}] {c.source}")
    print(_wrap(_text(c.statement)))
    if c.params:
        print("parameters (default, allowed range):")
        for p in c.params:
            kind = {"int": "integer", "float": "number", "rational": "exact rational"}.get(p.kind, p.kind)
            extra = f"  {p.help}" if p.help else ""
            print(f"  {p.name:<14} {_fmt(p.default):<20} {p.range_text():<16} {kind}{extra}")
    else:
        print("parameters: none")
    if c.notes:
        print(_wrap("notes: " + _text(c.notes)))
    if c.correction:
        print(_wrap("corrected statement: " + _text(c.correction)))
    print(f"check it: repro check {c.id}" + "".join(f" --set {p.name}=..." for p in c.params[:2]))
    return 0


def _parse_sets(items: list[str] | None) -> dict[str, str]:
    given: dict[str, str] = {}
    for item in items or []:
        if "=" not in item:
            raise _Bad(f"--set expects NAME=VALUE, got {item!r}")
        name, value = (part.strip() for part in item.split("=", 1))
        if not name:
            raise _Bad(f"--set expects NAME=VALUE, got {item!r} (no name)")
        if name in given:
            raise _Bad(f"parameter {name} given twice ({given[name]!r} and {value!r}); give it once")
        given[name] = value
    return given


def cmd_check(args) -> int:
    from theory.registry import NotCheckable, Undecidable, get

    given = _parse_sets(args.set)
    claim = get(args.claim_id)
    params = claim.resolve_params(given)
    if args.sweep is not None and args.map is not None:
        raise _Bad("give --sweep N or --map [X Y], not both")
    if args.grid is not None and args.map is None:
        raise _Bad("--grid n goes with --map")
    if args.sweep is not None:
        return _sweep(args, claim, given)
    if args.map is not None:
        return _map(args, claim, given)
    try:
        result = claim.run_check(given)
    except NotCheckable as exc:
        return _report_not_checkable(args, claim, params, f"no check is registered: {exc}")
    except Undecidable as exc:
        return _report_not_checkable(args, claim, params, f"undecidable at these parameters: {exc}")
    if claim.status == "not-checkable":
        reason = claim.notes or "the statement is not checkable as printed"
        return _report_not_checkable(args, claim, params, reason, result)
    verdict = "HOLDS" if result.holds else "FAILS"
    if args.json:
        print(json.dumps(dict(id=claim.id, status=claim.status, verdict=verdict.lower(), holds=result.holds,
                              parameters=_jsonable(params), compared=_jsonable(result.compared),
                              detail=result.detail, correction=claim.correction,
                              warnings=result.warnings), indent=2))
    else:
        _print_header(claim, params)
        _print_result(result)
        print(f"claim as printed {verdict} at these parameters")
        if claim.status == "erratum" and claim.correction:
            print(_wrap("corrected statement: " + _text(claim.correction)))
    return EXIT_HOLDS if result.holds else EXIT_FAILS


def _sweep(args, claim, given) -> int:
    """``--sweep N``: the claim at N points of its hypothesis box; exit 1 if it fails at any."""
    from theory.claims._exact import format_sweep, sweep

    if not 1 <= args.sweep <= 10000:
        raise _Bad(f"--sweep N must be an integer in [1, 10000], got {args.sweep}")
    if claim.check is None:
        reason = claim.notes or "no check is registered for this claim"
        return _report_not_checkable(args, claim, claim.resolve_params(given), f"no check is registered: {reason}")
    result = sweep(claim, args.sweep, given=given)
    if args.json:
        print(json.dumps(_jsonable({k: v for k, v in result.items()}), indent=2, default=str))
    else:
        print(format_sweep(result))
    if claim.status == "not-checkable":
        return EXIT_NOT_CHECKABLE
    return EXIT_FAILS if result["fails"] else (EXIT_HOLDS if result["holds"] else EXIT_NOT_CHECKABLE)


def _map(args, claim, given) -> int:
    """``--map [X Y] [--grid n]``: the claim's verdict over a grid of two parameters (theory.claim_maps);
    exit 1 if it fails at some cell, 3 if some cell of the hypothesis is undecidable, 0 if it holds at every cell."""
    from theory.claim_maps import GRID_RANGE, claim_map, format_map
    from theory.registry import NotCheckable

    if len(args.map) not in (0, 2):
        raise _Bad(f"--map takes no parameter names or two (X Y), got {len(args.map)}: {' '.join(args.map)}")
    n = 12
    if args.grid is not None:
        text = args.grid.strip()
        if not text.isascii() or not text.isdigit() or not GRID_RANGE[0] <= int(text) <= GRID_RANGE[1]:
            raise _Bad(f"--grid n must be an integer in [{GRID_RANGE[0]}, {GRID_RANGE[1]}], got {args.grid!r}")
        n = int(text)
    x, y = (args.map[0], args.map[1]) if args.map else (None, None)
    try:
        result = claim_map(claim, x, y, n=n, given=given)
    except NotCheckable as exc:
        return _report_not_checkable(args, claim, claim.resolve_params(given), f"no check is registered: {exc}")
    if args.json:
        print(json.dumps(dict(id=claim.id, status=claim.status, x=result.x.name, y=result.y.name,
                              x_values=_jsonable(list(result.x.values)), y_values=_jsonable(list(result.y.values)),
                              x_log=result.x.log, y_log=result.y.log, cells=result.cells, counts=result.counts(),
                              fixed=_jsonable(result.fixed), reasons=result.reasons), indent=2))
    else:
        print(format_map(result))
    return result.exit_code()


def _print_header(claim, params) -> None:
    print(f"{claim.id} [{claim.status}] {claim.source}")
    print(_wrap(_text(claim.statement)))
    print("parameters: " + (", ".join(f"{k}={_fmt(v)}" for k, v in params.items()) or "none"))


def _print_result(result) -> None:
    for name, value in result.compared.items():
        print(f"  {name:<36} {_fmt(value)}")
    if result.detail:
        print(_wrap("how: " + _text(result.detail)))
    for message in result.warnings:
        print(f"warning: {message}")


def _report_not_checkable(args, claim, params, reason: str, result=None) -> int:
    if args.json:
        print(json.dumps(dict(id=claim.id, status=claim.status, verdict="not-checkable", holds=None,
                              parameters=_jsonable(params), reason=reason,
                              compared=_jsonable(result.compared) if result else {},
                              partial_check_holds=result.holds if result else None,
                              detail=result.detail if result else ""), indent=2))
    else:
        _print_header(claim, params)
        if result is not None:
            _print_result(result)
        print(_wrap("NOT CHECKABLE: " + _text(reason)))
    return EXIT_NOT_CHECKABLE


def cmd_list(args) -> int:
    from reproductions.figures import all_figures

    for fig in all_figures().values():
        print(f"{fig.id:<24} {fig.paper:<10} {fig.title}  [notebook: reproductions/notebooks/{fig.notebook}.py]")
    return 0


def cmd_run(args) -> int:
    """``repro run``: results, summary and figure into the results folder; prints where they went.

    Exit codes: 0 completed, 2 bad input (unknown id, busy or unusable results folder, missing or
    corrupt data file: one line naming the path and REPRO_DATA_DIR), 130 interrupted by Ctrl-C,
    143 by SIGTERM (the summary then says ``interrupted``; ``--resume`` finishes the run).
    """
    import os

    from reference_impl.runner import Terminated
    from reproductions.figures import FigureInputError, get_figure, plot_figure, results_dir, run_figure

    try:
        fig = get_figure(args.figure_id)
    except FigureInputError as exc:
        print(f"repro: error: {exc}", file=sys.stderr)
        return 2
    out = results_dir(fig, args.full, out_dir=args.out)
    progress = not args.no_progress and sys.stderr.isatty()
    mode = "full" if args.full else "quick"
    print(f"running {fig.id} ({mode} mode{', resuming' if args.resume else ''}) into {out}", flush=True)
    try:
        summary_path = run_figure(fig, full=args.full, out_dir=out, resume=args.resume, progress=progress)
    except FigureInputError as exc:
        print(f"repro: error: {exc}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, Terminated) as exc:
        sig = "SIGINT" if isinstance(exc, KeyboardInterrupt) else "SIGTERM"
        print(f"repro: interrupted by {sig}: finished runs and {out / 'summary.json'} (status interrupted) are in "
              f"{out}; `repro run {fig.id}{' --full' if args.full else ''} --out {out} --resume` finishes it",
              file=sys.stderr)
        return 130 if sig == "SIGINT" else 143
    summary = json.loads(summary_path.read_text())
    runs = summary["meta"].get("runs", {})
    statuses = ", ".join(f"{n} {s}" for s, n in sorted(runs.get("statuses", {}).items())) or "none"
    print(f"results: {out}{os.sep} ({runs.get('total', 0)} runs: {statuses}; {runs.get('reused', 0)} reused)")
    print(f"summary: {summary_path} (status {summary['meta']['status']}, "
          f"{summary['meta']['wall_time_s']:.1f} s)")
    try:
        plots = plot_figure(fig, out)
    except Exception as exc:  # noqa: BLE001  (the results stand; the drawing failed)
        print(f"repro: warning: could not draw the figure: {type(exc).__name__}: {' '.join(str(exc).split())}",
              file=sys.stderr)
        plots = []
    print("figure: " + (", ".join(str(p) for p in plots) if plots else
                        "none drawn (no runner CSVs here; the notebook draws this one)"))
    print(f"notebook: reproductions/notebooks/{fig.notebook}.py")
    return 0


class _Bad(ValueError):
    pass


CHECK_EPILOG = """\
CLAIM_ID: from `repro claims` (e.g. iade.lemma-7.1). Its parameters, defaults and allowed ranges:
`repro describe CLAIM_ID`. Values are exact rationals: 0.95, 19/20, 1e-3 (integers where required).

exit codes: 0 holds at these parameters, 1 fails there, 2 bad input, 3 not checkable here
(no check, or float64 cannot decide), 4 internal error (--debug shows the traceback)."""


def _version() -> str:
    """The version in ``pyproject.toml`` when running from a checkout (the one source of the number, even
    when installed metadata is stale), else the installed package's."""
    import re
    from pathlib import Path

    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    found = re.search(r'^version = "([^"]+)"', pyproject.read_text(), re.M) if pyproject.is_file() else None
    if found:  # (a regex, not tomllib: Python 3.10 is supported)
        return found.group(1)
    try:
        from importlib.metadata import version

        return version("commeff-repro")
    except Exception:  # noqa: BLE001
        return "unknown (neither a checkout nor installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="repro", description=__doc__.split("\n\n")[0],
                                     epilog="Exit codes and ids: `repro check --help`. " +
                                            __doc__[__doc__.index("Claim ids"):__doc__.index("Exit codes")].strip(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"repro (commeff-repro) {_version()}")
    parser.add_argument("--debug", action="store_true", help="print the traceback of an internal error")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("claims", help="list registered claims (id, status, source, statement)",
                       description="List the registered claims: id, status, source, one-line statement.")
    p.add_argument("--paper", choices=("iade", "neolithic", "compams", "lena", "mcm"),
                   help="only this work's claims (000 iade, 001 neolithic, 002 compams, 003 lena, 004 mcm)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--mutation-score", action="store_true",
                   help="run every claim's check and its registered mutants (typos of the printed statement) at "
                        "the defaults; print killed/total per paper and the survivors (about a minute; exit 1 "
                        "when a non-equivalent mutant survives)")
    p.set_defaults(func=cmd_claims)
    p = sub.add_parser("describe", help="one claim: statement, parameters with defaults and ranges, notes",
                       description="Show one claim: statement, parameters (default, allowed range), notes.")
    p.add_argument("claim_id", metavar="CLAIM_ID", help="a claim id from `repro claims`")
    p.set_defaults(func=cmd_describe)
    p = sub.add_parser("check", help="check one claim at given parameters (exit 0/1/2/3/4)",
                       description="Check one claim as printed in its paper at the given parameters.",
                       epilog=CHECK_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("claim_id", metavar="CLAIM_ID", help="a claim id from `repro claims`")
    p.add_argument("--set", action="append", metavar="NAME=VALUE",
                   help="parameter value (repeatable; each parameter once; see `repro describe CLAIM_ID`)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--sweep", type=int, metavar="N",
                   help="check at N points sampled in the claim's hypothesis box (log-uniform over decades, "
                        "fixed seed; --set holds a parameter fixed): counts, fraction holding, worst point; "
                        "exit 1 if it fails at any point")
    p.add_argument("--map", nargs="*", metavar="X Y",
                   help="the verdict over a grid of two parameters (default: the claim's two main ones), the others at "
                        "their defaults or --set values: an ASCII map of holds / fails / undecidable / not in the "
                        "hypothesis; exit 0 if it holds at every cell of the hypothesis, 1 if it fails at one, "
                        "3 if one is undecidable")
    p.add_argument("--grid", metavar="n", help="cells per axis of --map, an integer in [2, 50] (default 12)")
    p.add_argument("--debug", action="store_true", help="print the traceback of an internal error")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("list", help="list reproducible figures", description="List the figure ids and notebooks.")
    p.set_defaults(func=cmd_list)
    from reproductions.targets.cli import add_parser as add_targets_parser  # logic in reproductions/targets/cli.py

    add_targets_parser(sub)
    from reference_impl.distributed.cli import add_parser as add_distributed_parser  # logic in distributed/cli.py

    add_distributed_parser(sub)
    from reference_impl.contracts_cli import add_parser as add_compressor_parser  # logic in contracts_cli.py

    add_compressor_parser(sub)
    run_epilog = """\
FIGURE_ID: from `repro list` (e.g. iade-kappa-scaling). The results folder holds one CSV per run with
a JSON sidecar (seed, parameters, commit, device, wall time, status: completed, diverged, non-finite,
interrupted), summary.json (status completed, interrupted or failed) and the figure. One run per folder
at a time (a lock file). Data: $REPRO_DATA_DIR, else ../shared/data beside the repository when it
exists, else ~/.cache/commeff-repro/data.

exit codes: 0 completed, 2 bad input (unknown id, folder in use, missing or corrupt data file),
130 interrupted (Ctrl-C), 143 terminated (SIGTERM); rerun with --resume to finish an interrupted run."""
    p = sub.add_parser("run", help="regenerate one figure: results, summary.json, figure.png/.svg",
                       description="Regenerate one figure's results (per-run CSVs with JSON sidecars,\n"
                                   "summary.json) and draw it (figure.png, figure.svg) in its results folder.",
                       epilog=run_epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("figure_id", metavar="FIGURE_ID", help="a figure id from `repro list`")
    p.add_argument("--full", action="store_true", help="paper-scale run (slow; default: quick, CI-sized)")
    p.add_argument("--out", metavar="DIR", help="results folder (default reproductions/results/<quick|full>/FIGURE_ID)")
    p.add_argument("--resume", action="store_true",
                   help="reuse runs whose sidecar says finished with the same commit, parameters and seed")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bars (they are shown only when stderr is a terminal)")
    p.set_defaults(func=cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (see the module docstring)."""
    from theory.registry import BadParameter

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # usage errors (argparse printed them: exit 2), --help / --version (0)
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_BAD_INPUT
    try:
        return args.func(args)
    except (BadParameter, _Bad) as exc:
        print(f"repro: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("repro: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001  (an internal error: one line, never exit 1)
        if getattr(args, "debug", False):
            traceback.print_exc()
        where = f" in {args.command} {getattr(args, 'claim_id', '') or getattr(args, 'figure_id', '')}".rstrip()
        message = " ".join(str(exc).split())[:300]
        print(f"repro: internal error{where}: {type(exc).__name__}: {message} (run with --debug for the "
              f"traceback; please report it)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
